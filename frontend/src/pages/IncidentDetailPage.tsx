import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { AnomalyFindings } from "../activity/AnomalyFindings";
import { MarkNormal } from "../activity/MarkNormal";
import {
  type ArtifactPublic,
  type IncidentChange,
  type IncidentDetail,
  incidentsGet,
  incidentsUpdate,
} from "../client";
import { factor, itemWords, parseExplanation, scheduleWords, termSum } from "../incidents/explanation";
import { formatTime } from "../incidents/format";
import { formatOffset, transcriptLines } from "../incidents/transcript";
import { useArtifactUrl } from "../incidents/useArtifactUrl";
import { percent } from "../live/overlay";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { labelWords } from "../ui/labels";
import { usePageTitle } from "../ui/usePageTitle";

const CAPTIONS: Record<ArtifactPublic["kind"], string> = {
  clip: "Clip",
  snapshot: "Snapshot at the strongest evidence",
  audio: "Audio snippet",
};

function Evidence({ artifact }: { artifact: ArtifactPublic }) {
  return (
    <figure className="artifact">
      <EvidenceMedia artifact={artifact} />
      <figcaption className="hint">{CAPTIONS[artifact.kind]}</figcaption>
    </figure>
  );
}

function EvidenceMedia({ artifact }: { artifact: ArtifactPublic }) {
  const { url, error } = useArtifactUrl(artifact.url);
  if (error)
    return (
      <p className="banner error">
        Could not load the {artifact.kind}: {error}
      </p>
    );
  if (!url) return <p className="hint">Loading the {artifact.kind}…</p>;
  switch (artifact.kind) {
    case "clip":
      // biome-ignore lint/a11y/useMediaCaption: surveillance clips have no speech track to caption
      return <video className="clip" src={url} controls preload="auto" aria-label="Incident clip" />;
    case "snapshot":
      return <img className="snapshot" src={url} alt="Snapshot at the strongest evidence" />;
    case "audio":
      // biome-ignore lint/a11y/useMediaCaption: the audio snippet is a sound event, not speech
      return <audio src={url} controls preload="auto" aria-label="Incident audio" />;
  }
}

/** What was said around the incident (cameras with speech to text on), beside its audio. */
function Transcript({ incident }: { incident: IncidentDetail }) {
  const lines = transcriptLines(incident.started_at, incident.transcript ?? []);
  if (lines.length === 0) return null;
  return (
    <section aria-labelledby="said" className="transcript">
      <h2 id="said">What was said</h2>
      <ol>
        {lines.map((line) => (
          <li key={`${line.offsetS}-${line.text}`}>
            <span className="hint" title="from the incident's start">
              {formatOffset(line.offsetS)}
            </span>{" "}
            <q>{line.text}</q> <span className="hint">(word confidence {percent(line.conf)})</span>
          </li>
        ))}
      </ol>
      <p className="hint">
        Transcribed automatically from the camera's sound; it can mishear. Speech is kept only with incidents.
      </p>
    </section>
  );
}

const MODALITY_WORDS: Record<string, string> = {
  audio: "sound",
  action: "action",
  face: "face",
  object: "object",
};
const READ_WORDS: Record<string, string> = {
  max: "strongest in the window",
  mean: "average over the window",
  count: "how many in the window",
  presence: "present in the window or not",
};

function Explanation({ incident }: { incident: IncidentDetail }) {
  const explanation = parseExplanation(incident.explanation);
  const sum = explanation.terms.reduce((total, term) => total + term.contribution, 0);
  return (
    <section aria-labelledby="why">
      <h2 id="why">Why</h2>
      <p className="summary">{incident.summary || "No explanation recorded."}</p>
      {explanation.terms.length > 0 && (
        <div className="table-scroll">
          <table className="terms">
            <caption>
              Rule <code>{explanation.rule}</code> v{explanation.ruleVersion}: score{" "}
              {explanation.score.toFixed(2)} (the sum of the contributions) against threshold{" "}
              {factor(explanation.threshold)}; schedule {scheduleWords(explanation)}.
              {explanation.wallOffsetS === null && " Times are on the camera's clock."}
            </caption>
            <thead>
              <tr>
                <th scope="col">Evidence</th>
                <th scope="col">Seen or heard</th>
                <th scope="col">Value × weight × schedule = contribution</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {explanation.terms.map((term) => (
                <tr key={term.evidence} data-evidence={term.evidence}>
                  <th scope="row" data-label="Evidence">
                    <span className="term-words">{term.words}</span>{" "}
                    <code className="ident">{term.evidence}</code>
                    <span className="hint term-read">
                      {MODALITY_WORDS[term.modality] ?? term.modality}, {READ_WORDS[term.read] ?? term.read}
                    </span>
                  </th>
                  <td data-label="Seen or heard">
                    {term.items.length === 0 ? (
                      <span className="hint">nothing in the window</span>
                    ) : (
                      <ul className="term-items">
                        {term.items.map((item) => (
                          <li key={`${item.label}-${item.tS}-${item.endS}-${item.trackIds.join(",")}`}>
                            {itemWords(item, term.evidence.startsWith("object.count."))}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td data-label="Value × weight × schedule" className="term-sum">
                    {termSum(term)}
                  </td>
                  <td data-label="Share">
                    <meter min={0} max={1} value={term.share} aria-label={`share of ${term.words}`} />{" "}
                    {percent(term.share)}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" data-label="Score">
                  Score
                </th>
                <td data-label="Against threshold">threshold {factor(explanation.threshold)}</td>
                <td data-label="Sum of contributions" className="term-sum">
                  = {sum.toFixed(2)}
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}

export function IncidentDetailPage() {
  const { incidentId } = useParams({ from: "/app/incidents/$incidentId" });
  const id = Number(incidentId);
  const queryClient = useQueryClient();
  const cameras = useCameras();
  const incident = useQuery({
    queryKey: ["incident", id],
    queryFn: async () => (await incidentsGet({ path: { incident_id: id }, throwOnError: true })).data,
    enabled: Number.isInteger(id),
  });
  const change = useMutation({
    mutationFn: async (body: IncidentChange) =>
      (await incidentsUpdate({ path: { incident_id: id }, body, throwOnError: true })).data,
    onSuccess: (updated) => {
      queryClient.setQueryData(["incident", id], updated);
      void queryClient.invalidateQueries({ queryKey: ["incidents"] });
    },
  });

  // Acting on an incident takes operating its camera (owner, shared operator, admin); viewers only watch.
  const mayOperate = (cameraId: number) => {
    const access = cameras.data?.items.find((c) => c.id === cameraId)?.access;
    return access === "operate" || access === "manage";
  };
  const cameraName = (cameraId: number) =>
    cameras.data?.items.find((c) => c.id === cameraId)?.name ?? `Camera ${cameraId}`;
  usePageTitle(
    incident.data
      ? `${labelWords(incident.data.label)} on ${cameraName(incident.data.camera_id)} · Incidents`
      : "Incident",
  );

  if (incident.isPending)
    return (
      <main>
        <p>Loading incident…</p>
      </main>
    );
  if (incident.isError)
    return (
      <main>
        <p className="banner error" role="alert">
          {errorMessage(incident.error)}
        </p>
        <Link to="/incidents">Back to incidents</Link>
      </main>
    );
  const data = incident.data;
  const byKind = (kind: ArtifactPublic["kind"]) => data.artifacts.filter((a) => a.kind === kind);
  return (
    <main className="incident">
      <p>
        <Link to="/incidents">← Incidents</Link>
      </p>
      <h1>
        {labelWords(data.label)} <code className="ident">{data.label}</code>{" "}
        <span className={`badge sev-${data.severity}`}>{data.severity}</span>{" "}
        <span className={`badge st-${data.status}`}>{data.status}</span>
      </h1>
      <dl className="facts">
        <dt>Confidence</dt>
        <dd>{percent(data.confidence)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(data.started_at)}</dd>
        <dt>Ended</dt>
        <dd>{data.ended_at ? formatTime(data.ended_at) : "ongoing"}</dd>
        <dt>Camera</dt>
        <dd>{cameraName(data.camera_id)}</dd>
      </dl>
      <fieldset className="actions">
        <legend className="visually-hidden">Incident actions</legend>
        <button
          type="button"
          disabled={change.isPending || data.status !== "new"}
          onClick={() => change.mutate({ status: "acknowledged" })}
        >
          Acknowledge
        </button>
        <button
          type="button"
          disabled={change.isPending || data.status === "resolved"}
          onClick={() => change.mutate({ status: "resolved" })}
        >
          Resolve
        </button>
        <button
          type="button"
          aria-pressed={data.keep}
          disabled={change.isPending}
          onClick={() => change.mutate({ keep: !data.keep })}
        >
          {data.keep ? "Kept (click to release)" : "Keep"}
        </button>
      </fieldset>
      {change.isError && (
        <p className="banner error" role="alert">
          {errorMessage(change.error)}
        </p>
      )}
      {data.label === "anomaly" && mayOperate(data.camera_id) && <MarkNormal incident={data} />}
      <section aria-labelledby="evidence" className="evidence">
        <h2 id="evidence">Evidence</h2>
        {data.artifacts.length === 0 && <p className="hint">No clip, snapshot or audio recorded (yet).</p>}
        {[...byKind("clip"), ...byKind("snapshot"), ...byKind("audio")].map((artifact) => (
          <Evidence key={artifact.id} artifact={artifact} />
        ))}
      </section>
      <Transcript incident={data} />
      {data.label === "anomaly" && <AnomalyFindings incident={data} />}
      <Explanation incident={data} />
    </main>
  );
}
