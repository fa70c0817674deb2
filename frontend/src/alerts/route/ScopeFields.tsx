/** Which incidents a route hears of: its cameras, its labels and the least confidence. */
import { useCameras } from "../../live/useCameras";
import { EveryOrOnly } from "../../ui/EveryOrOnly";
import { NumberField } from "../../ui/Field";
import type { RoutePartProps } from "./parts";

export function ScopeFields({
  form,
  values,
  set,
  knownLabels,
}: RoutePartProps & { knownLabels: readonly string[] }) {
  const cameras = useCameras();
  return (
    <>
      <EveryOrOnly
        form={form}
        field="cameras"
        legend="Cameras"
        everyLabel="Every camera I may see, now or later"
        every={values.allCameras}
        onEvery={(every) => set("allCameras", every)}
        choices={(cameras.data?.items ?? []).map((camera) => ({ value: camera.id, label: camera.name }))}
        chosen={values.cameras}
        onChosen={(next) => set("cameras", next)}
        markChoices
        status={
          <>
            {cameras.isPending && <span className="hint">Loading cameras…</span>}
            {cameras.data?.items.length === 0 && <span className="hint">No camera yet.</span>}
          </>
        }
      />
      <EveryOrOnly
        form={form}
        field="labels"
        legend="Incident labels"
        everyLabel="Every label"
        every={values.allLabels}
        onEvery={(every) => set("allLabels", every)}
        choices={knownLabels.map((label) => ({ value: label, label }))}
        chosen={values.labels}
        onChosen={(next) => set("labels", next)}
      >
        <label>
          Other labels
          <input
            name="other_labels"
            value={values.otherLabels}
            placeholder="comma-separated, e.g. tailgating"
            aria-invalid={form.errors.labels ? true : undefined}
            aria-describedby={form.hintId("labels")}
            onChange={(e) => set("otherLabels", e.target.value)}
          />
          <span id={form.hintId("labels")} className="hint">
            Labels of your own rules that are not listed, separated by commas.
          </span>
        </label>
      </EveryOrOnly>
      <NumberField
        form={form}
        field="min_confidence"
        label="Minimum confidence %"
        hint="An incident is announced once its confidence reaches this (50 % is a rule's threshold)."
        min={0}
        max={100}
        step={1}
        value={values.minConfidence}
        onValue={(v) => set("minConfidence", v)}
      />
    </>
  );
}
