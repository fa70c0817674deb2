/** "What would have fired": a stored incident's clip run through every model and the draft (or running) rules. */
import { useMutation, useQueries, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useEffect, useId, useMemo, useState } from "react";
import {
  type IncidentDetail,
  incidentsGet,
  incidentsList,
  incidentsReplay,
  type ReplayResult,
} from "../client";
import { parseExplanation } from "../incidents/explanation";
import { formatTime } from "../incidents/format";
import { percent } from "../live/overlay";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { clipMayCome, clipTime, hasClip, replayChoices } from "./replay";

const RECENT = 25;

interface Props {
  draft: string;
  /** The last check of the draft: true valid, false has problems (it cannot be replayed), null checking. */
  draftUsable: boolean | null;
  draftDiffers: boolean;
}

type RulesChoice = "draft" | "running";

export function ReplayPanel({ draft, draftUsable, draftDiffers }: Props) {
  const id = useId();
  const cameras = useCameras();
  const cameraName = (cameraId: number) =>
    cameras.data?.items.find((c) => c.id === cameraId)?.name ?? `Camera ${cameraId}`;
  const incidents = useQuery({
    queryKey: ["incidents", "replayable"],
    queryFn: async () =>
      (await incidentsList({ query: { limit: RECENT, sort: "-started_at" }, throwOnError: true })).data,
    refetchInterval: 30_000,
  });
  const listed = incidents.data?.items ?? [];
  const details = useQueries({
    queries: listed.map((incident) => ({
      queryKey: ["incident", incident.id],
      queryFn: async () =>
        (await incidentsGet({ path: { incident_id: incident.id }, throwOnError: true })).data,
      // a clip is cut after the incident closes and its post-roll passes: ask again until it is there
      refetchInterval: (query: { state: { data?: IncidentDetail } }) =>
        hasClip(query.state.data) || !clipMayCome(incident, Date.now()) ? false : 5_000,
    })),
  });
  const detailMap = useMemo(() => {
    const map = new Map<number, IncidentDetail>();
    for (const result of details) if (result.data) map.set(result.data.id, result.data);
    return map;
  }, [details]);
  const choices = replayChoices(listed, detailMap, cameraName, formatTime);
  const loadingDetails = details.some((d) => d.isPending);

  const [picked, setPicked] = useState<number | null>(null);
  const incidentId =
    picked !== null && choices.some((c) => c.id === picked) ? picked : (choices[0]?.id ?? null);
  const [rules, setRules] = useState<RulesChoice>("draft");
  const useDraft = rules === "draft" && draftDiffers;

  const replay = useMutation({
    mutationFn: async (args: { incidentId: number; text: string | null }) =>
      (
        await incidentsReplay({
          path: { incident_id: args.incidentId },
          body: { text: args.text },
          throwOnError: true,
        })
      ).data,
  });
  const [started, setStarted] = useState<number | null>(null);
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (!replay.isPending || started === null) return;
    const timer = window.setInterval(() => setElapsed(Math.round((Date.now() - started) / 1000)), 1000);
    return () => window.clearInterval(timer);
  }, [replay.isPending, started]);

  const run = () => {
    if (incidentId === null) return;
    setStarted(Date.now());
    setElapsed(0);
    replay.mutate({ incidentId, text: useDraft ? draft : null });
  };
  const blocked = rules === "draft" && draftDiffers && draftUsable !== true;
  const ran = replay.variables;

  return (
    <section aria-labelledby={`${id}-title`} className="replay stack">
      <h2 id={`${id}-title`}>Replay a stored clip</h2>
      <p className="hint">
        Runs every model over an incident's clip and the rules you choose: which incidents would have fired.
        It takes about as long as the clip, or longer; one replay runs at a time on the server.
      </p>
      <label>
        Incident
        <select
          value={incidentId ?? ""}
          disabled={choices.length === 0}
          aria-describedby={`${id}-incident-hint`}
          onChange={(e) => setPicked(Number(e.target.value))}
        >
          {choices.length === 0 && <option value="">No incident with a clip</option>}
          {choices.map((choice) => (
            <option key={choice.id} value={choice.id}>
              {choice.text}
            </option>
          ))}
        </select>
        <span id={`${id}-incident-hint`} className="hint">
          {incidents.isPending || loadingDetails
            ? "Looking for incidents with a clip…"
            : `The ${RECENT} most recent incidents that have a clip (a clip is cut a few seconds after its incident ends).`}
        </span>
      </label>
      {incidents.isError && (
        <p className="banner error" role="alert">
          {errorMessage(incidents.error)}
        </p>
      )}
      <fieldset className="replay-rules">
        <legend>Rules to replay with</legend>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-rules`}
            checked={rules === "draft"}
            onChange={() => setRules("draft")}
          />
          The draft in the editor{draftDiffers ? "" : " (the same as the running rules)"}
        </label>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-rules`}
            checked={rules === "running"}
            onChange={() => setRules("running")}
          />
          The running rules
        </label>
      </fieldset>
      {blocked && (
        <p className="banner warn" role="status">
          {draftUsable === null
            ? "The draft is being checked…"
            : "The draft has problems: fix them to replay it, or replay the running rules."}
        </p>
      )}
      <div className="row">
        <button type="button" onClick={run} disabled={incidentId === null || replay.isPending || blocked}>
          {replay.isPending ? "Replaying…" : "Replay"}
        </button>
      </div>
      <div aria-live="polite" className="replay-status">
        {replay.isPending && (
          <p className="banner" role="status" aria-busy="true">
            <span className="spinner" aria-hidden="true" /> Replaying the clip through every model… {elapsed}{" "}
            s
          </p>
        )}
        {replay.isError && <ReplayError error={replay.error} />}
        {replay.isSuccess && ran && (
          <ReplayFindings
            result={replay.data}
            incidentId={ran.incidentId}
            against={ran.text === null ? "the running rules" : "the draft"}
          />
        )}
      </div>
    </section>
  );
}

function ReplayError({ error }: { error: unknown }) {
  const detail =
    typeof error === "object" && error !== null ? (error as { detail?: unknown }).detail : undefined;
  if (detail === "REPLAY_BUSY")
    return (
      <p className="banner warn" role="status">
        Another replay is running on the server. Try again when it has finished.
      </p>
    );
  return (
    <p className="banner error" role="alert">
      {errorMessage(error)}
    </p>
  );
}

function ReplayFindings({
  result,
  incidentId,
  against,
}: {
  result: ReplayResult;
  incidentId: number;
  against: string;
}) {
  const count = result.incidents.length;
  return (
    <div className="replay-findings stack" data-count={count}>
      <p role="status" className={count === 0 ? "banner" : "banner warn"}>
        {count === 0
          ? `Nothing would have fired with ${against} (version ${result.rules_version}).`
          : `${count} incident${count === 1 ? "" : "s"} would have fired with ${against} (version ${result.rules_version}).`}{" "}
        <Link to="/incidents/$incidentId" params={{ incidentId: String(incidentId) }}>
          Open the replayed incident
        </Link>
      </p>
      {result.incidents.length > 0 && (
        <ol className="replay-list">
          {result.incidents.map((found, index) => {
            const explanation = parseExplanation(found.explanation);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a replay's findings are a fixed list, never reordered
              <li key={`${found.rule}-${found.start_s}-${index}`} className="replay-item">
                <p className="replay-head">
                  <strong>{found.label}</strong>{" "}
                  <span className={`badge sev-${found.severity}`}>{found.severity}</span>{" "}
                  <span>at {clipTime(found.start_s)}</span>–<span>{clipTime(found.end_s)}</span> in the clip ·{" "}
                  <span>confidence {percent(found.confidence)}</span>
                </p>
                <p className="hint">
                  Rule {found.rule}
                  {explanation.threshold > 0 &&
                    `: score ${explanation.score.toFixed(2)} against threshold ${explanation.threshold}`}
                </p>
                {explanation.terms.length > 0 && (
                  <ul className="replay-terms">
                    {explanation.terms.map((term) => (
                      <li key={term.evidence}>
                        <span className="term-name">{term.evidence}</span>{" "}
                        <span className="hint">
                          {term.value.toFixed(2)} × {term.weight} = {term.contribution.toFixed(2)}
                          {term.share > 0 && ` (${percent(term.share)} of the score)`}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
