/** How often a route speaks about one incident: the cooldown, updates as confidence rises, the close. */
import { NumberField } from "../../ui/Field";
import type { RoutePartProps } from "./parts";

/** The number fields of this part: the API field, its words and its input's bounds. */
const NUMBERS: readonly {
  field: string;
  value: "cooldownS" | "updateStepPct" | "updateIntervalS" | "maxUpdates";
  label: string;
  hint?: string;
  bounds: { min: number; max?: number; step?: number; inputMode?: "numeric" };
}[] = [
  {
    field: "cooldown_s",
    value: "cooldownS",
    label: "Cooldown (seconds)",
    hint: "A new incident of the same camera and label this soon after an alert is folded into it.",
    bounds: { min: 0 },
  },
  {
    field: "update_step",
    value: "updateStepPct",
    label: "Update when confidence rose by (%)",
    bounds: { min: 1, max: 100 },
  },
  {
    field: "update_interval_s",
    value: "updateIntervalS",
    label: "At most one update every (seconds)",
    bounds: { min: 0 },
  },
  {
    field: "max_updates",
    value: "maxUpdates",
    label: "Updates per incident (at most)",
    bounds: { min: 0, step: 1, inputMode: "numeric" },
  },
];

/** The API fields this part shows; a refusal about one of them opens it. */
export const REPEAT_FIELDS = NUMBERS.map((n) => n.field);

export function RepeatFields({ form, values, set }: RoutePartProps) {
  return (
    <details className="limits" open={REPEAT_FIELDS.some((f) => form.errors[f])}>
      <summary>Repeats and updates</summary>
      <div className="stack">
        {NUMBERS.map(({ field, value, label, hint, bounds }) => (
          <NumberField
            key={field}
            form={form}
            field={field}
            label={label}
            hint={hint}
            {...bounds}
            value={values[value]}
            onValue={(v) => set(value, v)}
          />
        ))}
        <label className="inline">
          <input
            type="checkbox"
            checked={values.notifyClose}
            onChange={(e) => set("notifyClose", e.target.checked)}
          />
          Also say when the incident ends
        </label>
      </div>
    </details>
  );
}
