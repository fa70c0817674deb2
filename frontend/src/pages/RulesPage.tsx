import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useBlocker } from "@tanstack/react-router";
import { lazy, Suspense, useEffect, useId, useMemo, useRef, useState } from "react";
import { useMe } from "../auth/useMe";
import { type RulesPublic, rulesGet, rulesSave } from "../client";
import { formatTime } from "../incidents/format";
import { describeProblem, placeProblems, problemsOfRefusal } from "../rules/positions";
import { ReplayPanel } from "../rules/ReplayPanel";
import type { EditorHandle } from "../rules/RulesEditor";
import { RulesHistory } from "../rules/RulesHistory";
import { useDraftCheck } from "../rules/useDraftCheck";
import { errorMessage } from "../ui/errors";
import "../rules/rules.css";
import { usePageTitle } from "../ui/usePageTitle";

// CodeMirror is loaded with the page that needs it, not with the whole dashboard.
const RulesEditor = lazy(async () => ({ default: (await import("../rules/RulesEditor")).RulesEditor }));

const LEAVE_WARNING = "The rules draft has unsaved changes. Leave the page and lose them?";

export function RulesPage() {
  usePageTitle("Rules");
  const id = useId();
  const queryClient = useQueryClient();
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const running = useQuery({
    queryKey: ["rules"],
    queryFn: async () => (await rulesGet({ throwOnError: true })).data,
  });
  const [draft, setDraft] = useState<string | null>(null);
  const followed = useRef<string | null>(null);
  useEffect(() => {
    // The first load fills the editor; a newer running version replaces an untouched draft.
    const text = running.data?.text;
    if (text === undefined) return;
    setDraft((old) => (old === null || old === followed.current ? text : old));
    followed.current = text;
  }, [running.data?.text]);

  const check = useDraftCheck(draft);
  const editor = useRef<EditorHandle>(null);
  const [saved, setSaved] = useState<RulesPublic | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);
  const dirty = draft !== null && running.data !== undefined && draft !== running.data.text;

  const save = useMutation({
    mutationFn: async (text: string) => (await rulesSave({ body: { text }, throwOnError: true })).data,
    onMutate: () => {
      setSaved(null);
      setLoaded(null);
    },
    onSuccess: (version) => {
      queryClient.setQueryData(["rules"], version);
      void queryClient.invalidateQueries({ queryKey: ["rules", "history"] });
      setSaved(version);
    },
    onError: (error, text) => {
      const problems = problemsOfRefusal(error);
      if (problems !== null) check.record(text, { valid: false, problems });
    },
  });

  useBlocker({
    shouldBlockFn: () => !window.confirm(LEAVE_WARNING),
    disabled: !dirty,
    enableBeforeUnload: dirty,
  });

  const current = check.checked !== null && check.checked.text === draft ? check.checked : null;
  const placed = useMemo(
    () => (current && draft !== null ? placeProblems(draft, current.result.problems ?? []) : []),
    [current, draft],
  );
  const refusedNow = save.isError && problemsOfRefusal(save.error) !== null && save.variables === draft;

  const load = (version: RulesPublic) => {
    if (dirty && !window.confirm("Replace the unsaved draft with this version?")) return;
    setDraft(version.text);
    setSaved(null);
    setLoaded(version.version);
    save.reset();
  };

  if (running.isPending)
    return (
      <main>
        <h1>Rules</h1>
        <p>Loading the rules…</p>
      </main>
    );
  if (running.isError)
    return (
      <main>
        <h1>Rules</h1>
        <p className="banner error" role="alert">
          {errorMessage(running.error)}
        </p>
      </main>
    );
  const rules = running.data;
  return (
    <main className="rules-page">
      <h1>Rules</h1>
      <p className="running-version" data-version={rules.version}>
        {rules.source === "default" ? (
          <>
            Running the built-in default rules, version <strong>{rules.version}</strong>.
          </>
        ) : (
          <>
            Running version <strong>{rules.version}</strong>, saved {formatTime(rules.created_at)}.
          </>
        )}
      </p>
      {!isAdmin && (
        <p className="banner" id={`${id}-readonly`}>
          You see the rules read-only: only administrators can change them. You can still replay a clip
          against the running rules below.
        </p>
      )}
      <section aria-labelledby={`${id}-editor`} className="stack">
        <h2 id={`${id}-editor`} className="visually-hidden">
          Rule file
        </h2>
        <p className="hint" id={`${id}-editor-hint`}>
          YAML, checked by the server as you type; problems are underlined at their line and listed below. The
          rule language is described in the fusion documentation.
        </p>
        <Suspense fallback={<p className="hint">Loading the editor…</p>}>
          <RulesEditor
            ref={editor}
            value={draft ?? rules.text}
            onChange={setDraft}
            problems={placed}
            problemsFor={current ? draft : null}
            readOnly={!isAdmin}
            label="Rule file (YAML)"
            describedBy={[`${id}-editor-hint`, isAdmin ? "" : `${id}-readonly`, `${id}-check`]
              .filter(Boolean)
              .join(" ")}
          />
        </Suspense>
        <div id={`${id}-check`} role="status" aria-live="polite" className="check-status">
          {check.checking || (current === null && check.error === null) ? (
            <span className="hint">Checking the draft…</span>
          ) : check.error !== null && current === null ? (
            <span className="field-error">Could not check the draft: {errorMessage(check.error)}</span>
          ) : current?.result.valid ? (
            <span className="check-ok">
              No problems: version {current.result.version} with {current.result.rules?.length ?? 0} rules (
              {(current.result.rules ?? []).join(", ")}).
            </span>
          ) : (
            <span className="field-error">
              {placed.length} problem{placed.length === 1 ? "" : "s"} in the draft.
            </span>
          )}
        </div>
        {placed.length > 0 && (
          <ol className="problem-list" aria-label="Problems in the draft">
            {placed.map((problem) => (
              <li key={`${problem.from}-${problem.message}`}>
                <button
                  type="button"
                  className="link problem"
                  data-line={problem.line}
                  onClick={() => editor.current?.goTo(problem.from)}
                >
                  {describeProblem(problem)}
                </button>
              </li>
            ))}
          </ol>
        )}
        {isAdmin && (
          <div className="row rules-actions">
            <button
              type="button"
              disabled={!dirty || save.isPending || draft === null}
              onClick={() => draft !== null && save.mutate(draft)}
            >
              {save.isPending ? "Saving…" : "Save and run"}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!dirty || save.isPending}
              onClick={() => {
                setDraft(rules.text);
                setLoaded(null);
                save.reset();
              }}
            >
              Revert to the running rules
            </button>
            {dirty && <span className="hint">Unsaved changes.</span>}
          </div>
        )}
        {refusedNow && (
          <p className="banner error" role="alert">
            Not saved: the draft has {placed.length} problem{placed.length === 1 ? "" : "s"} (listed above).
            The running rules are unchanged.
          </p>
        )}
        {/* Messages answer the draft as it was sent: an edit since makes them stale. */}
        {save.isError &&
          !refusedNow &&
          problemsOfRefusal(save.error) === null &&
          save.variables === draft && (
            <p className="banner error" role="alert">
              Not saved: {errorMessage(save.error)}
            </p>
          )}
        {saved && save.variables === draft && (
          <p className="banner" role="status">
            Saved. Version {saved.version} is running now.
          </p>
        )}
        {loaded && (
          <p className="banner" role="status">
            Version {loaded} is in the editor
            {dirty ? ": save it to run it." : " (it is the running version)."}
          </p>
        )}
      </section>
      {isAdmin && <RulesHistory runningId={rules.id} onLoad={load} />}
      <ReplayPanel
        draft={draft ?? rules.text}
        draftUsable={current === null ? null : current.result.valid}
        draftDiffers={dirty}
      />
    </main>
  );
}
