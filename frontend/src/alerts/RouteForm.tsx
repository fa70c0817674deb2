/** Create or edit one alert route; each server refusal shows at its field. */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useMemo, useState } from "react";
import { type AlertRoutePublic, alertRoutesCreate, alertRoutesUpdate, type ChannelKind } from "../client";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { fieldErrors } from "../ui/fieldErrors";
import { useFieldErrors } from "../ui/useFieldErrors";
import { CHANNELS, channelInfo } from "./channels";
import {
  checkRoute,
  emptyRoute,
  type RouteValues,
  routeValues,
  updateBody,
  WEEKDAYS,
  type Weekday,
} from "./form";
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
  "cooldown_s",
  "update_step",
  "update_interval_s",
  "max_updates",
];

const zones = (): string[] => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
};

export function RouteForm({ route, knownLabels, onDone, onCancel }: Props) {
  const id = useId();
  const queryClient = useQueryClient();
  const cameras = useCameras();
  const [values, setValues] = useState<RouteValues>(() =>
    route ? routeValues(route, knownLabels) : emptyRoute(),
  );
  const { errors, setErrors, formRef, describe, fieldError } = useFieldErrors(id);
  const [busy, setBusy] = useState(false);
  const timeZones = useMemo(zones, []);
  const channel = channelInfo(values.channel);
  const availability = useChannelAvailability();
  const usable = (kind: ChannelKind) => availability.data?.get(kind)?.usable !== false;
  const unusable = CHANNELS.filter((c) => !usable(c.kind));
  const chosen = availability.data?.get(values.channel);
  useEffect(() => {
    // a new route starts on a channel that can send, once the server said which can
    if (route !== null || !availability.data || availability.data.get(values.channel)?.usable !== false)
      return;
    const first = CHANNELS.find((c) => availability.data.get(c.kind)?.usable);
    if (first) setValues((old) => ({ ...old, channel: first.kind }));
  }, [availability.data, route, values.channel]);
  const set = <K extends keyof RouteValues>(key: K, value: RouteValues[K]) =>
    setValues((old) => ({ ...old, [key]: value }));

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

  const invalid = (field: string) => (errors[field] ? true : undefined);

  const setWindow = (index: number, change: Partial<RouteValues["schedule"][number]>) =>
    set(
      "schedule",
      values.schedule.map((w, i) => (i === index ? { ...w, ...change } : w)),
    );
  const toggleDay = (index: number, day: Weekday, on: boolean) => {
    const window = values.schedule[index];
    if (!window) return;
    const days = on ? [...window.days, day] : window.days.filter((d) => d !== day);
    setWindow(index, { days: WEEKDAYS.filter((d) => days.includes(d)) });
  };
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
      <label>
        Name
        <input
          name="name"
          maxLength={100}
          value={values.name}
          placeholder="e.g. Night desk"
          aria-invalid={invalid("name")}
          aria-describedby={describe("name")}
          onChange={(e) => set("name", e.target.value)}
        />
        {fieldError("name")}
      </label>
      <label>
        Channel
        <select
          name="channel"
          value={values.channel}
          aria-invalid={invalid("channel")}
          aria-describedby={describe("channel", `${id}-channel-hint`)}
          onChange={(e) => set("channel", e.target.value as ChannelKind)}
        >
          {CHANNELS.map((c) => (
            <option key={c.kind} value={c.kind} disabled={!usable(c.kind) && c.kind !== route?.channel}>
              {usable(c.kind) ? c.label : `${c.label} (not configured)`}
            </option>
          ))}
        </select>
        <span id={`${id}-channel-hint`} className="hint channel-hint">
          {chosen?.note ?? ""}
          {unusable.length > 0 && (
            <span className="unusable-channels">
              {unusable.map((c) => (
                <span key={c.kind} data-channel={c.kind}>
                  {c.label}: {availability.data?.get(c.kind)?.reason}.{" "}
                </span>
              ))}
            </span>
          )}
        </span>
        {fieldError("channel")}
      </label>
      {values.channel === "webpush" ? (
        <p className="hint">{channel.hint}</p>
      ) : (
        <label>
          {channel.targetLabel}
          {channel.targetOptional && <span className="hint"> (optional)</span>}
          <input
            name="target"
            value={values.target}
            inputMode={channel.inputMode}
            autoComplete="off"
            spellCheck={false}
            placeholder={channel.placeholder}
            aria-invalid={invalid("target")}
            aria-describedby={describe("target", `${id}-target-hint`)}
            onChange={(e) => set("target", e.target.value)}
          />
          <span id={`${id}-target-hint`} className="hint">
            {channel.hint} For example {channel.placeholder}.
          </span>
          {fieldError("target")}
        </label>
      )}
      {values.channel === "webhook" && (
        <label>
          Webhook secret
          <input
            name="webhook_secret"
            type="password"
            autoComplete="new-password"
            value={values.webhookSecret}
            aria-invalid={invalid("webhook_secret")}
            aria-describedby={describe("webhook_secret", `${id}-secret-hint`)}
            onChange={(e) => set("webhookSecret", e.target.value)}
          />
          <span id={`${id}-secret-hint`} className="hint">
            {route?.has_webhook_secret
              ? "A secret is set. Leave this empty to keep it; type a new one to replace it."
              : "The HMAC key receivers verify signatures with. Empty: the server's VIGIL_WEBHOOK_SECRET."}{" "}
            It is never shown again.
          </span>
          {fieldError("webhook_secret")}
        </label>
      )}

      <fieldset className="choice" aria-describedby={describe("cameras")}>
        <legend>Cameras</legend>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-cameras`}
            checked={values.allCameras}
            onChange={() => set("allCameras", true)}
          />
          Every camera I may see, now or later
        </label>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-cameras`}
            checked={!values.allCameras}
            onChange={() => set("allCameras", false)}
          />
          Only these:
        </label>
        {!values.allCameras && (
          <div className="checks">
            {cameras.isPending && <span className="hint">Loading cameras…</span>}
            {cameras.data?.items.length === 0 && <span className="hint">No camera yet.</span>}
            {cameras.data?.items.map((camera) => (
              <label key={camera.id} className="inline">
                <input
                  type="checkbox"
                  checked={values.cameras.includes(camera.id)}
                  aria-invalid={invalid("cameras")}
                  onChange={(e) =>
                    set(
                      "cameras",
                      e.target.checked
                        ? [...values.cameras, camera.id]
                        : values.cameras.filter((c) => c !== camera.id),
                    )
                  }
                />
                {camera.name}
              </label>
            ))}
          </div>
        )}
        {fieldError("cameras")}
      </fieldset>

      <fieldset className="choice" aria-describedby={describe("labels")}>
        <legend>Incident labels</legend>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-labels`}
            checked={values.allLabels}
            onChange={() => set("allLabels", true)}
          />
          Every label
        </label>
        <label className="inline">
          <input
            type="radio"
            name={`${id}-labels`}
            checked={!values.allLabels}
            onChange={() => set("allLabels", false)}
          />
          Only these:
        </label>
        {!values.allLabels && (
          <>
            <div className="checks">
              {knownLabels.map((label) => (
                <label key={label} className="inline">
                  <input
                    type="checkbox"
                    checked={values.labels.includes(label)}
                    onChange={(e) =>
                      set(
                        "labels",
                        e.target.checked
                          ? [...values.labels, label]
                          : values.labels.filter((l) => l !== label),
                      )
                    }
                  />
                  {label}
                </label>
              ))}
            </div>
            <label>
              Other labels
              <input
                name="other_labels"
                value={values.otherLabels}
                placeholder="comma-separated, e.g. tailgating"
                aria-invalid={invalid("labels")}
                aria-describedby={`${id}-labels-hint`}
                onChange={(e) => set("otherLabels", e.target.value)}
              />
              <span id={`${id}-labels-hint`} className="hint">
                Labels of your own rules that are not listed, separated by commas.
              </span>
            </label>
          </>
        )}
        {fieldError("labels")}
      </fieldset>

      <label>
        Minimum confidence %
        <input
          name="min_confidence"
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          step={1}
          value={values.minConfidence}
          aria-invalid={invalid("min_confidence")}
          aria-describedby={describe("min_confidence", `${id}-conf-hint`)}
          onChange={(e) => set("minConfidence", e.target.value)}
        />
        <span id={`${id}-conf-hint`} className="hint">
          An incident is announced once its confidence reaches this (50 % is a rule's threshold).
        </span>
        {fieldError("min_confidence")}
      </label>

      <fieldset className="choice schedule" aria-describedby={describe("schedule", `${id}-schedule-hint`)}>
        <legend>Active hours</legend>
        <p id={`${id}-schedule-hint`} className="hint">
          {values.schedule.length === 0
            ? "Always active. Add a window to alert only at some hours."
            : "Active inside any of these windows. A window past midnight (22:00–06:00) belongs to the day it starts on; no day ticked: every day."}
        </p>
        {values.schedule.map((window, index) => (
          <fieldset
            // biome-ignore lint/suspicious/noArrayIndexKey: windows have no identity besides their place
            key={index}
            className="window"
          >
            <legend className="visually-hidden">Window {index + 1}</legend>
            <div className="row">
              <label>
                From
                <input
                  type="time"
                  value={window.start}
                  aria-invalid={invalid("schedule")}
                  onChange={(e) => setWindow(index, { start: e.target.value })}
                />
              </label>
              <label>
                Until
                <input
                  type="time"
                  value={window.end}
                  aria-invalid={invalid("schedule")}
                  onChange={(e) => setWindow(index, { end: e.target.value })}
                />
              </label>
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  set(
                    "schedule",
                    values.schedule.filter((_, i) => i !== index),
                  )
                }
              >
                Remove window {index + 1}
              </button>
            </div>
            <div className="days">
              {WEEKDAYS.map((day) => (
                <label key={day} className="inline day">
                  <input
                    type="checkbox"
                    checked={window.days.includes(day)}
                    onChange={(e) => toggleDay(index, day, e.target.checked)}
                  />
                  {day}
                </label>
              ))}
            </div>
          </fieldset>
        ))}
        <div className="row">
          <button
            type="button"
            className="secondary"
            onClick={() => set("schedule", [...values.schedule, { start: "22:00", end: "06:00", days: [] }])}
          >
            Add a window
          </button>
        </div>
        {fieldError("schedule")}
        <label>
          Time zone
          <input
            name="timezone"
            list={`${id}-zones`}
            value={values.timezone}
            placeholder="the server's time zone"
            autoComplete="off"
            aria-invalid={invalid("timezone")}
            aria-describedby={describe("timezone", `${id}-tz-hint`)}
            onChange={(e) => set("timezone", e.target.value)}
          />
          <datalist id={`${id}-zones`}>
            {timeZones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <span id={`${id}-tz-hint`} className="hint">
            An IANA name like Europe/Paris; empty: the server's.
          </span>
          {fieldError("timezone")}
        </label>
      </fieldset>

      <details
        className="limits"
        open={["cooldown_s", "update_step", "update_interval_s", "max_updates"].some((f) => errors[f])}
      >
        <summary>Repeats and updates</summary>
        <div className="stack">
          <label>
            Cooldown (seconds)
            <input
              name="cooldown_s"
              type="number"
              inputMode="decimal"
              min={0}
              value={values.cooldownS}
              aria-invalid={invalid("cooldown_s")}
              aria-describedby={describe("cooldown_s", `${id}-cooldown-hint`)}
              onChange={(e) => set("cooldownS", e.target.value)}
            />
            <span id={`${id}-cooldown-hint`} className="hint">
              A new incident of the same camera and label this soon after an alert is folded into it.
            </span>
            {fieldError("cooldown_s")}
          </label>
          <label>
            Update when confidence rose by (%)
            <input
              name="update_step"
              type="number"
              inputMode="decimal"
              min={1}
              max={100}
              value={values.updateStepPct}
              aria-invalid={invalid("update_step")}
              aria-describedby={describe("update_step")}
              onChange={(e) => set("updateStepPct", e.target.value)}
            />
            {fieldError("update_step")}
          </label>
          <label>
            At most one update every (seconds)
            <input
              name="update_interval_s"
              type="number"
              inputMode="decimal"
              min={0}
              value={values.updateIntervalS}
              aria-invalid={invalid("update_interval_s")}
              aria-describedby={describe("update_interval_s")}
              onChange={(e) => set("updateIntervalS", e.target.value)}
            />
            {fieldError("update_interval_s")}
          </label>
          <label>
            Updates per incident (at most)
            <input
              name="max_updates"
              type="number"
              inputMode="numeric"
              min={0}
              step={1}
              value={values.maxUpdates}
              aria-invalid={invalid("max_updates")}
              aria-describedby={describe("max_updates")}
              onChange={(e) => set("maxUpdates", e.target.value)}
            />
            {fieldError("max_updates")}
          </label>
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
