/** A 422 from the API as messages per body field, so a form can show each next to its input. */

export type FieldErrors = Partial<Record<string, string>>;

/** `{"detail": [{loc: ["body", "url"], msg}]}` → `{url: msg}`; other errors → `{_: message}` from `fallback`. */
export function fieldErrors(error: unknown, fallback: (error: unknown) => string): FieldErrors {
  const detail =
    typeof error === "object" && error !== null ? (error as { detail?: unknown }).detail : undefined;
  if (!Array.isArray(detail)) return { _: fallback(error) };
  const out: FieldErrors = {};
  for (const item of detail as { loc?: unknown[]; msg?: unknown }[]) {
    const loc = (item.loc ?? []).filter((part) => part !== "body");
    const field = typeof loc[0] === "string" ? loc[0] : "_";
    const message = typeof item.msg === "string" ? item.msg.replace(/^Value error, /, "") : "Invalid value.";
    out[field] = out[field] ? `${out[field]} ${message}` : message;
  }
  return out;
}

/** The errors left once `field` was edited: its own message and the form's (`_`) go, the others stay.
 * The same object when nothing changes, so a state update can be skipped. */
export function withoutStale(errors: FieldErrors, field?: string): FieldErrors {
  const stale = [field, "_"].filter((f): f is string => f !== undefined && errors[f] !== undefined);
  if (stale.length === 0) return errors;
  const next = { ...errors };
  for (const f of stale) delete next[f];
  return next;
}
