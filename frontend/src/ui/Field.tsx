/** One form field: its label, its control, its hint and its error, tied together for screen readers
 * (`aria-invalid` while the field is refused, `aria-describedby` naming its hint and its error). The
 * control is given as the child; the field adds those attributes to it (as the template's `FormControl`). */
import { type AriaAttributes, cloneElement, type ReactElement, type ReactNode } from "react";
import type { FieldForm } from "./useFieldErrors";

/** What the field adds to its control. */
export interface ControlProps {
  id?: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

export interface FieldProps {
  form: FieldForm;
  /** The API field whose refusal shows here; it also names the hint's and the error's ids. */
  field: string;
  label: ReactNode;
  /** Words under the control, read with it; left out: none. */
  hint?: ReactNode;
  hintClassName?: string;
  /**
   * - `inside` (default): the label holds its words, the control, the hint and the error.
   * - `beside`: the label holds its words and the control; the hint and the error follow it.
   * - `labelFor`: the label holds only its words and points at the control by id.
   *
   * `beside` and `labelFor` put the field in a `div`, and the control's name is the label's words alone.
   */
  layout?: "inside" | "beside" | "labelFor";
  /** The class of the label (`inside`) or of the `div` around the field (others; default `field`). */
  className?: string;
  /** Shown last in the field, e.g. a checkbox that belongs to it. */
  after?: ReactNode;
  /** The input or select, without the attributes above. */
  children: ReactElement<{ id?: string } & Pick<AriaAttributes, "aria-invalid" | "aria-describedby">>;
}

export function Field({
  form,
  field,
  label,
  hint,
  hintClassName = "hint",
  layout = "inside",
  className,
  after,
  children,
}: FieldProps) {
  const hintId = hint === undefined ? undefined : form.hintId(field);
  const controlId = layout === "labelFor" ? form.controlId(field) : undefined;
  const control = cloneElement(children, {
    ...(controlId ? { id: controlId } : {}),
    "aria-invalid": form.errors[field] ? true : undefined,
    "aria-describedby": form.describe(field, hintId),
  });
  const rest = (
    <>
      {hint !== undefined && (
        <span id={hintId} className={hintClassName}>
          {hint}
        </span>
      )}
      {form.fieldError(field)}
      {after}
    </>
  );
  if (layout === "inside") {
    return (
      // biome-ignore lint/a11y/noLabelWithoutControl: the control is the render prop's, inside this label
      <label className={className}>
        {label}
        {control}
        {rest}
      </label>
    );
  }
  return (
    <div className={className ?? "field"}>
      {layout === "labelFor" ? (
        <>
          <label htmlFor={controlId}>{label}</label>
          {control}
        </>
      ) : (
        // biome-ignore lint/a11y/noLabelWithoutControl: the control is the render prop's, inside this label
        <label>
          {label}
          {control}
        </label>
      )}
      {rest}
    </div>
  );
}

/** A number field: its value as typed, and the bounds the browser's spinner keeps to. */
export function NumberField({
  value,
  onValue,
  name,
  min,
  max,
  step,
  inputMode = "decimal",
  ...field
}: Omit<FieldProps, "children"> & {
  value: string;
  onValue: (value: string) => void;
  /** The input's name; default: the field's. */
  name?: string;
  min?: number;
  max?: number;
  step?: number;
  inputMode?: "decimal" | "numeric";
}) {
  return (
    <Field {...field}>
      <input
        name={name ?? field.field}
        type="number"
        inputMode={inputMode}
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onValue(e.target.value)}
      />
    </Field>
  );
}
