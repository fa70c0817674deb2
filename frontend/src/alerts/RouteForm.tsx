/** Create or edit one alert route; each server refusal shows at its field. The channel's own fields live
 * with the channel (./channels), the other parts of the form in ./route. */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
import { type AlertRoutePublic, alertRoutesCreate, alertRoutesUpdate } from "../client";
import { errorMessage } from "../ui/errors";
import { Field } from "../ui/Field";
import { fieldErrors } from "../ui/fieldErrors";
import { useFieldErrors } from "../ui/useFieldErrors";
import { CHANNELS } from "./channels";
import { checkRoute, emptyRoute, type RouteValues, routeValues, updateBody } from "./form";
import { ChannelChoice } from "./route/ChannelChoice";
import { REPEAT_FIELDS, RepeatFields } from "./route/RepeatFields";
import { ScheduleFields } from "./route/ScheduleFields";
import { ScopeFields } from "./route/ScopeFields";
import { useChannelAvailability } from "./useChannels";

interface Props {
  /** The route being edited; null: a new one. */
  route: AlertRoutePublic | null;
  knownLabels: readonly string[];
  onDone(saved: AlertRoutePublic, created: boolean): void;
  onCancel(): void;
}

/** The fields that show their own error; a refusal about any other one is said in the banner. */
const SHOWN_FIELDS = [
  "name",
  "channel",
  "target",
  "webhook_secret",
  "cameras",
  "labels",
  "min_confidence",
  "schedule",
  "timezone",
  ...REPEAT_FIELDS,
];

export function RouteForm({ route, knownLabels, onDone, onCancel }: Props) {
  const id = useId();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<RouteValues>(() =>
    route ? routeValues(route, knownLabels) : emptyRoute(),
  );
  const form = useFieldErrors(id);
  const { errors, setErrors, formRef } = form;
  const [busy, setBusy] = useState(false);
  const availability = useChannelAvailability();
  useEffect(() => {
    // a new route starts on a channel that can send, once the server said which can
    if (route !== null || !availability.data || availability.data.get(values.channel)?.usable !== false)
      return;
    const first = CHANNELS.find((c) => availability.data.get(c.kind)?.usable);
    if (first) setValues((old) => ({ ...old, channel: first.kind }));
  }, [availability.data, route, values.channel]);
  const set = <K extends keyof RouteValues>(key: K, value: RouteValues[K]) =>
    setValues((old) => ({ ...old, [key]: value }));
  const parts = { form, values, set };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = checkRoute(values);
    setErrors(checked.errors);
    if (Object.keys(checked.errors).length > 0) return;
    setBusy(true);
    const { data, error } = route
      ? await alertRoutesUpdate({ path: { route_id: route.id }, body: updateBody(checked.body) })
      : await alertRoutesCreate({ body: checked.body });
    setBusy(false);
    if (error !== undefined || data === undefined) {
      setErrors(fieldErrors(error, errorMessage));
      return;
    }
    await queryClient.invalidateQueries({ queryKey: ["alert-routes"] });
    onDone(data, route === null);
  }

  const title = route ? `Edit route ${route.name || `#${route.id}`}` : "New alert route";

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      className="stack route-form"
      aria-labelledby={`${id}-title`}
      noValidate
      data-route-id={route?.id}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <Field form={form} field="name" label="Name">
        <input
          name="name"
          maxLength={100}
          value={values.name}
          placeholder="e.g. Night desk"
          onChange={(e) => set("name", e.target.value)}
        />
      </Field>
      <ChannelChoice {...parts} route={route} availability={availability.data} />
      <ScopeFields {...parts} knownLabels={knownLabels} />
      <ScheduleFields {...parts} />
      <RepeatFields {...parts} />
      <label className="inline">
        <input type="checkbox" checked={values.enabled} onChange={(e) => set("enabled", e.target.checked)} />
        Enabled
      </label>
      {errors._ && (
        <p className="banner error" role="alert">
          {errors._}
        </p>
      )}
      {Object.keys(errors).length > 0 && !errors._ && (
        <p className="banner error" role="alert">
          Not saved: {Object.keys(errors).length === 1 ? "one field needs" : "some fields need"} a change
          (marked above).
          {Object.entries(errors)
            .filter(([field]) => !SHOWN_FIELDS.includes(field))
            .map(([field, message]) => ` ${field}: ${message}`)
            .join("")}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : route ? "Save route" : "Add route"}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
