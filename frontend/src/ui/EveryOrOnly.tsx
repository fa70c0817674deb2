/** "Every X, or only these": a pair of radios, and the ticks of the chosen ones under "Only these:". */
import type { ReactNode } from "react";
import type { FieldForm } from "./useFieldErrors";

export interface Choice<T extends string | number> {
  value: T;
  label: ReactNode;
}

/** A checkbox per choice, ticked while it is among `chosen`. */
export function Checkboxes<T extends string | number>({
  choices,
  chosen,
  onChange,
  invalid,
}: {
  choices: readonly Choice<T>[];
  chosen: readonly T[];
  onChange: (next: T[]) => void;
  /** `aria-invalid` of each box (the set is refused). */
  invalid?: true;
}) {
  return (
    <>
      {choices.map((choice) => (
        <label key={choice.value} className="inline">
          <input
            type="checkbox"
            checked={chosen.includes(choice.value)}
            aria-invalid={invalid}
            onChange={(e) =>
              onChange(
                e.target.checked ? [...chosen, choice.value] : chosen.filter((c) => c !== choice.value),
              )
            }
          />
          {choice.label}
        </label>
      ))}
    </>
  );
}

export function EveryOrOnly<T extends string | number>({
  form,
  field,
  legend,
  everyLabel,
  every,
  onEvery,
  choices,
  chosen,
  onChosen,
  markChoices = false,
  status,
  children,
}: {
  form: FieldForm;
  /** The API field whose refusal shows here (and names the radio group). */
  field: string;
  legend: string;
  /** The words of the "every" radio. */
  everyLabel: string;
  every: boolean;
  onEvery: (every: boolean) => void;
  choices: readonly Choice<T>[];
  chosen: readonly T[];
  onChosen: (next: T[]) => void;
  /** Whether the checkboxes themselves are marked invalid when the field is refused. */
  markChoices?: boolean;
  /** Said among the ticks (loading, none yet). */
  status?: ReactNode;
  /** Shown under the ticks while "only these" is chosen (e.g. a field to type others). */
  children?: ReactNode;
}) {
  const group = `${form.formId}-${field}`;
  return (
    <fieldset className="choice" aria-describedby={form.describe(field)}>
      <legend>{legend}</legend>
      <label className="inline">
        <input type="radio" name={group} checked={every} onChange={() => onEvery(true)} />
        {everyLabel}
      </label>
      <label className="inline">
        <input type="radio" name={group} checked={!every} onChange={() => onEvery(false)} />
        Only these:
      </label>
      {!every && (
        <>
          <div className="checks">
            {status}
            <Checkboxes
              choices={choices}
              chosen={chosen}
              onChange={onChosen}
              invalid={markChoices && form.errors[field] ? true : undefined}
            />
          </div>
          {children}
        </>
      )}
      {form.fieldError(field)}
    </fieldset>
  );
}
