/** A form's per-field errors: the message beside its input, tied to it for screen readers, and the
 * keyboard moved to the first field named after a refusal. */
import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { type FieldErrors, withoutStale } from "./fieldErrors";

/** The ids and messages of a form's fields for its errors now: what `<Field>` needs to tie them together. */
export function fieldParts(formId: string, errors: FieldErrors) {
  const errorId = (field: string) => `${formId}-${field}-error`;
  /** The id of a field's hint (its own words under the input). */
  const hintId = (field: string) => `${formId}-${field}-hint`;
  /** The id of a field's control, where a label points at it with `htmlFor`. */
  const controlId = (field: string) => `${formId}-${field}`;
  /** `aria-describedby` of a field: its hint, and its error while it has one. */
  const describe = (field: string, hintId?: string) =>
    [hintId, errors[field] ? errorId(field) : undefined].filter(Boolean).join(" ") || undefined;
  const fieldError = (field: string): ReactNode =>
    errors[field] ? (
      <span id={errorId(field)} className="field-error">
        {errors[field]}
      </span>
    ) : null;
  return { formId, errors, hintId, controlId, describe, fieldError };
}

/** What a field of the form reads: the errors, and how to name and describe the field. */
export type FieldForm = ReturnType<typeof fieldParts>;

export function useFieldErrors(formId: string) {
  const [errors, setErrorsNow] = useState<FieldErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  // Only a refusal moves the keyboard; clearing a stale message while someone types must not.
  const focusNext = useRef(false);
  const setErrors = useCallback((next: FieldErrors) => {
    focusNext.current = true;
    setErrorsNow(next);
  }, []);
  useEffect(() => {
    if (!focusNext.current) return;
    focusNext.current = false;
    if (Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  /** The user changed `field` after a refusal: its message and the form's own are stale. */
  const clearStale = useCallback((field?: string) => setErrorsNow((now) => withoutStale(now, field)), []);
  return { ...fieldParts(formId, errors), setErrors, clearStale, formRef };
}

/** The name of the field an input event inside a form came from (a form's `onChange` hears them all). */
export function changedField(target: EventTarget): string | undefined {
  const named =
    target instanceof HTMLInputElement ||
    target instanceof HTMLSelectElement ||
    target instanceof HTMLTextAreaElement;
  return named && target.name !== "" ? target.name : undefined;
}
