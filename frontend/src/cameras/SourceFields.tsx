import type { ReactNode } from "react";
import type { SourceKind } from "../client";
import type { useFieldErrors } from "../ui/useFieldErrors";
import { SOURCE_KINDS, sourceKind } from "./sources";

/** A camera's source and URL, with the kind's hint and the server's errors at each (add and edit forms). */
export function SourceFields({
  id,
  kind,
  url,
  onKind,
  onUrl,
  form,
  hintExtra,
}: {
  id: string;
  kind: SourceKind;
  url: string;
  onKind: (kind: SourceKind) => void;
  onUrl: (url: string) => void;
  form: Pick<ReturnType<typeof useFieldErrors>, "errors" | "describe" | "fieldError">;
  /** Said after the kind's hint (an example, or how a masked password is kept). */
  hintExtra?: ReactNode;
}) {
  const source = sourceKind(kind);
  const { errors, describe, fieldError } = form;
  return (
    <>
      <label>
        Source
        <select
          name="kind"
          value={kind}
          aria-invalid={errors.kind ? true : undefined}
          aria-describedby={describe("kind")}
          onChange={(e) => onKind(e.target.value as SourceKind)}
        >
          {SOURCE_KINDS.map((entry) => (
            <option key={entry.kind} value={entry.kind}>
              {entry.label}
            </option>
          ))}
        </select>
        {fieldError("kind")}
      </label>
      <label>
        URL
        <input
          name="url"
          value={kind === "webrtc" ? "" : url}
          disabled={kind === "webrtc"}
          placeholder={source.placeholder}
          aria-invalid={errors.url ? true : undefined}
          aria-describedby={describe("url", `${id}-url-hint`)}
          onChange={(e) => onUrl(e.target.value)}
        />
        <span id={`${id}-url-hint`} className="hint">
          {source.hint}
          {hintExtra}
        </span>
        {fieldError("url")}
      </label>
    </>
  );
}
