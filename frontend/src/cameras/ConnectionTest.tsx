import { useCallback, useRef, useState } from "react";
import { type CameraProbe, camerasProbe, type SourceKind } from "../client";
import { errorMessage } from "../ui/errors";
import { type FieldErrors, fieldErrors } from "../ui/fieldErrors";
import { type ProbeState, summariseProbe } from "./probe";

import "./cameras.css";

export const WEBRTC_TEST_REASON =
  "A WebRTC camera is tested by publishing to it: add it, then open its publish page.";

const FIELD_LABELS: Record<string, string> = {
  url: "URL",
  kind: "Source",
  detect_url: "Detect substream",
};
const fieldLabel = (field: string) => FIELD_LABELS[field] ?? field;

/** Test a source with the server (POST /cameras/probe). A 422 goes to `onFieldErrors`, for the form's fields;
 * `urlField` is the form's field the tested URL came from (the detect substream's, say). */
export function useConnectionTest(onFieldErrors: (errors: FieldErrors) => void, urlField = "url") {
  const [state, setState] = useState<ProbeState>({ status: "idle" });
  // Each test (and each reset) takes a number: an answer for a source changed meanwhile is dropped.
  const latest = useRef(0);
  const run = useCallback(
    async (body: CameraProbe) => {
      const ticket = ++latest.current;
      setState({ status: "testing" });
      onFieldErrors({});
      const { data, error, response } = await camerasProbe({ body });
      if (ticket !== latest.current) return;
      if (error === undefined && data !== undefined) {
        setState({ status: "done", result: data });
        return;
      }
      if (response?.status === 422) {
        const errors = Object.fromEntries(
          Object.entries(fieldErrors(error, errorMessage)).map(([field, message]) => [
            field === "url" ? urlField : field,
            message,
          ]),
        );
        onFieldErrors(errors);
        const fields = Object.keys(errors).filter((field) => field !== "_");
        setState(
          fields.length > 0
            ? {
                status: "refused",
                message: `Not tested: see the message at the ${fields.map(fieldLabel).join(" and ")} field.`,
              }
            : { status: "failed", message: errors._ ?? errorMessage(error) },
        );
        return;
      }
      setState({ status: "failed", message: errorMessage(error) });
    },
    [onFieldErrors, urlField],
  );
  const reset = useCallback(() => {
    latest.current += 1;
    setState({ status: "idle" });
  }, []);
  return { state, run, reset };
}

/** The "Test connection" button; disabled, with the reason beside it, for WebRTC. */
export function TestConnectionButton({
  kind,
  state,
  onTest,
  reasonId,
  label = "Test connection",
}: {
  kind: SourceKind;
  state: ProbeState;
  onTest: () => void;
  reasonId: string;
  label?: string;
}) {
  const webrtc = kind === "webrtc";
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={onTest}
        disabled={webrtc || state.status === "testing"}
        aria-describedby={webrtc ? reasonId : undefined}
      >
        {state.status === "testing" ? "Testing…" : label}
      </button>
      {webrtc && (
        <span id={reasonId} className="hint">
          {WEBRTC_TEST_REASON}
        </span>
      )}
    </>
  );
}

/** The answer of the last test, in a live region so that a screen reader says it when it comes. */
export function ConnectionOutcome({ state }: { state: ProbeState }) {
  const summary = state.status === "done" ? summariseProbe(state.result) : null;
  return (
    <div className="probe-outcome" aria-live="polite" aria-atomic="true" data-probe-state={state.status}>
      {state.status === "testing" && <p className="hint">Testing the connection (up to 8 s)…</p>}
      {(state.status === "failed" || state.status === "refused") && state.message && (
        <p className="banner error">{state.message}</p>
      )}
      {summary && (
        <div className={`probe-result ${summary.ok ? "ok" : "bad"}`}>
          <p className={summary.ok ? "banner ok" : "banner error"}>{summary.headline}</p>
          {summary.details.length > 0 && (
            <ul className="probe-facts">
              {summary.details.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          {summary.still && state.status === "done" && state.result.video && (
            <img
              className="probe-still"
              src={summary.still}
              alt={`First frame from the source (${state.result.video.width} × ${state.result.video.height})`}
            />
          )}
        </div>
      )}
    </div>
  );
}
