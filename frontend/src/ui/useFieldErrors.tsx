/** A form's per-field errors: the message beside its input, tied to it for screen readers, and the
 * keyboard moved to the first field named after a refusal. */
import { type ReactNode, useEffect, useRef, useState } from "react";
import type { FieldErrors } from "./fieldErrors";

export function useFieldErrors(formId: string) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  const errorId = (field: string) => `${formId}-${field}-error`;
  /** `aria-describedby` of a field: its hint, and its error while it has one. */
  const describe = (field: string, hintId?: string) =>
    [hintId, errors[field] ? errorId(field) : undefined].filter(Boolean).join(" ") || undefined;
  const fieldError = (field: string): ReactNode =>
    errors[field] ? (
      <span id={errorId(field)} className="field-error">
        {errors[field]}
      </span>
    ) : null;
  return { errors, setErrors, formRef, describe, fieldError };
}
