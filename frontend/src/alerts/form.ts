/** The alert route form: its values (as the inputs hold them) to and from the API's route. */

import type { AlertRouteCreate, AlertRoutePublic, AlertRouteUpdate, ChannelKind } from "../client";
import type { FieldErrors } from "../ui/fieldErrors";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WindowValues {
  start: string;
  end: string;
  /** Empty: every day. */
  days: Weekday[];
}

export interface RouteValues {
  name: string;
  enabled: boolean;
  channel: ChannelKind;
  target: string;
  allCameras: boolean;
  cameras: number[];
  allLabels: boolean;
  labels: string[];
  /** Labels typed in, comma-separated (besides the ticked ones). */
  otherLabels: string;
  /** 0..100 */
  minConfidence: string;
  schedule: WindowValues[];
  timezone: string;
  cooldownS: string;
  /** Percentage points of confidence rise worth an update (API: 0 < step ≤ 1). */
  updateStepPct: string;
  updateIntervalS: string;
  maxUpdates: string;
  notifyClose: boolean;
  /** Write-only: empty keeps the stored secret (or sets none on a new route). */
  webhookSecret: string;
}

export function emptyRoute(): RouteValues {
  return {
    name: "",
    enabled: true,
    channel: "email",
    target: "",
    allCameras: true,
    cameras: [],
    allLabels: true,
    labels: [],
    otherLabels: "",
    minConfidence: "0",
    schedule: [],
    timezone: "",
    cooldownS: "300",
    updateStepPct: "10",
    updateIntervalS: "60",
    maxUpdates: "3",
    notifyClose: true,
    webhookSecret: "",
  };
}

const trimNumber = (value: number) => String(Math.round(value * 1000) / 1000);

/** A stored route in the form (labels the form knows are ticked; the others go to the text field). */
export function routeValues(route: AlertRoutePublic, knownLabels: readonly string[]): RouteValues {
  const defaults = emptyRoute();
  const labels = route.labels ?? null;
  return {
    name: route.name ?? "",
    enabled: route.enabled ?? true,
    channel: route.channel,
    target: route.target ?? "",
    allCameras: route.cameras === null || route.cameras === undefined,
    cameras: route.cameras ?? [],
    allLabels: labels === null,
    labels: (labels ?? []).filter((l) => knownLabels.includes(l)),
    otherLabels: (labels ?? []).filter((l) => !knownLabels.includes(l)).join(", "),
    minConfidence: trimNumber((route.min_confidence ?? 0) * 100),
    schedule: (route.schedule ?? []).map((w) => ({
      start: w.start,
      end: w.end,
      days: (w.days ?? []).filter((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d)),
    })),
    timezone: route.timezone ?? "",
    cooldownS: route.cooldown_s === undefined ? defaults.cooldownS : trimNumber(route.cooldown_s),
    updateStepPct:
      route.update_step === undefined ? defaults.updateStepPct : trimNumber(route.update_step * 100),
    updateIntervalS:
      route.update_interval_s === undefined ? defaults.updateIntervalS : trimNumber(route.update_interval_s),
    maxUpdates: route.max_updates === undefined ? defaults.maxUpdates : String(route.max_updates),
    notifyClose: route.notify_close ?? true,
    webhookSecret: "",
  };
}

export function labelsOf(values: Pick<RouteValues, "labels" | "otherLabels">): string[] {
  const typed = values.otherLabels
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  return [...new Set([...values.labels, ...typed])];
}

function numberIn(
  errors: FieldErrors,
  field: string,
  raw: string,
  { min, max, above, integer }: { min?: number; max?: number; above?: number; integer?: boolean },
): number {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  const bad =
    !Number.isFinite(value) ||
    (min !== undefined && value < min) ||
    (max !== undefined && value > max) ||
    (above !== undefined && value <= above) ||
    (integer === true && !Number.isInteger(value));
  if (bad) {
    const range = [
      above !== undefined ? `more than ${above}` : min !== undefined ? `at least ${min}` : "",
      max !== undefined ? `at most ${max}` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    errors[field] = `Enter ${integer ? "a whole number" : "a number"}${range ? ` ${range}` : ""}.`;
  }
  return value;
}

export interface Checked {
  body: AlertRouteCreate;
  errors: FieldErrors;
}

/** The route the form describes, as the API's create body, and what the form can already tell is wrong
 *  (numbers out of range, a window without start or end, no camera ticked). The target is checked by the
 *  server, which knows each channel's rules; its 422s go to the same fields. Keys are the API's field names. */
export function checkRoute(values: RouteValues): Checked {
  const errors: FieldErrors = {};
  const minConfidence = numberIn(errors, "min_confidence", values.minConfidence, { min: 0, max: 100 });
  const cooldown = numberIn(errors, "cooldown_s", values.cooldownS, { min: 0 });
  const step = numberIn(errors, "update_step", values.updateStepPct, { above: 0, max: 100 });
  const interval = numberIn(errors, "update_interval_s", values.updateIntervalS, { min: 0 });
  const maxUpdates = numberIn(errors, "max_updates", values.maxUpdates, { min: 0, integer: true });
  if (!values.allCameras && values.cameras.length === 0)
    errors.cameras = "Tick at least one camera, or choose every camera.";
  const labels = labelsOf(values);
  if (!values.allLabels && labels.length === 0)
    errors.labels = "Tick or type at least one label, or choose every label.";
  if (values.schedule.some((w) => !w.start || !w.end))
    errors.schedule = "Each active-hours window needs a start and an end time.";
  const body: AlertRouteCreate = {
    name: values.name.trim(),
    enabled: values.enabled,
    channel: values.channel,
    target: values.channel === "webpush" ? "" : values.target.trim(),
    cameras: values.allCameras ? null : [...values.cameras].sort((a, b) => a - b),
    labels: values.allLabels ? null : labels,
    min_confidence: minConfidence / 100,
    schedule: values.schedule.map((w) => ({
      start: w.start,
      end: w.end,
      days: w.days.length ? w.days : null,
    })),
    timezone: values.timezone.trim() || null,
    cooldown_s: cooldown,
    update_step: step / 100,
    update_interval_s: interval,
    max_updates: maxUpdates,
    notify_close: values.notifyClose,
    webhook_secret: values.channel === "webhook" ? values.webhookSecret : "",
  };
  return { body, errors };
}

/** The PATCH body: every field (an empty webhook secret is left out, so the stored one stays). */
export function updateBody(body: AlertRouteCreate): AlertRouteUpdate {
  const { webhook_secret, ...rest } = body;
  return webhook_secret ? { ...rest, webhook_secret } : rest;
}

/** "22:00–06:00 mon, tue" · "always" */
export function scheduleText(
  schedule: AlertRoutePublic["schedule"],
  timezone: string | null | undefined,
): string {
  if (!schedule || schedule.length === 0) return "always";
  const windows = schedule
    .map((w) => `${w.start}–${w.end}${w.days && w.days.length > 0 ? ` ${w.days.join(", ")}` : ""}`)
    .join("; ");
  return `${windows}${timezone ? ` (${timezone})` : ""}`;
}

/** The fusion labels a rule file defines (`label: violence` lines), in order, without repeats. */
export function labelsInRules(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s+label:\s*["']?([A-Za-z0-9_.-]+)["']?\s*(?:#.*)?$/gm)) {
    const label = match[1];
    if (label && !found.includes(label)) found.push(label);
  }
  return found;
}
