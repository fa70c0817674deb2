/** A camera's activity answer → what its charts and tables show (pure, so it is tested). */
import type {
  ActivityMeasure,
  ActivityPoint,
  BaselineLearning,
  CameraActivity,
  ExpectedHour,
} from "../client";

const pad = (n: number) => String(n).padStart(2, "0");

/** The status line above the charts: learning, off, or how much history the baseline rests on. */
export function learningText(learning: BaselineLearning): string {
  if (!learning.enabled) return "Anomaly detection is off on this server";
  const days = `${learning.days} day${learning.days === 1 ? "" : "s"}`;
  if (learning.learning) return `Learning, ${learning.days} of ${learning.days_needed} days`;
  return `Baseline from ${days}`;
}

/** A number the way the charts write it: whole numbers as they are, small ones with two decimals. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  return value.toFixed(size < 1 ? 2 : size < 100 ? 1 : 0);
}

/** "7 people", "-62.5 dBFS", "3.2 % of frame", "1.5 a minute", "45 s". */
export function formatValue(value: number, unit: string): string {
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

/** "0–2 people", "-70 to -60 dBFS": the expected range in words. */
export function formatRange(low: number, high: number, unit: string): string {
  const span = `${formatNumber(low)}${low < 0 ? " to " : "–"}${formatNumber(high)}`;
  return unit ? `${span} ${unit}` : span;
}

/** A chart's title: the measure's words with its unit, "People in view (people)". */
export function measureTitle(measure: Pick<ActivityMeasure, "label" | "unit">): string {
  const words = measure.label.charAt(0).toUpperCase() + measure.label.slice(1);
  return measure.unit ? `${words} (${measure.unit})` : words;
}

/** "03:00" for 3, "24:00" for the day's end, "03:30" for 3.5: the chart's hour axis. */
export function hourLabel(hours: number): string {
  const minutes = Math.round(hours * 60);
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The time zone the answer speaks of, when the browser knows it (else the browser's own). */
export function knownZone(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return timezone;
  } catch {
    return undefined;
  }
}

function wallClock(iso: string, timezone: string | undefined) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { hour: part("hour") % 24, minute: part("minute"), second: part("second") };
}

/** Hours since the local midnight on the camera's clock: where a moment sits on a day's hour axis. */
export function dayHours(iso: string, timezone: string | undefined): number {
  const { hour, minute, second } = wallClock(iso, timezone);
  return hour + minute / 60 + second / 3600;
}

function clock(hours: number, seconds: boolean): string {
  const total = Math.round(hours * 3600);
  const hh = pad(Math.floor(total / 3600));
  const mm = pad(Math.floor(total / 60) % 60);
  return seconds ? `${hh}:${mm}:${pad(total % 60)}` : `${hh}:${mm}`;
}

/** A point of the expected band: at each hour's start and end, so the band is flat over its hour. */
export interface BandRow {
  x: number;
  band: [number, number];
  mid: number;
}

/** The band rows of the hours with history; hours without any leave a gap in the band. */
export function bandRows(expected: readonly ExpectedHour[]): BandRow[] {
  return [...expected]
    .sort((a, b) => a.hour - b.hour)
    .flatMap((hour) => {
      const row = { band: [hour.low, hour.high] as [number, number], mid: hour.mid };
      return [
        { x: hour.hour, ...row },
        { x: hour.hour + 1, ...row },
      ];
    });
}

export type Verdict = "high" | "low" | "usual" | "unjudged";

/** One observed slot, placed on the day's hour axis, with its words for the table. */
export interface SlotPoint {
  x: number;
  value: number;
  verdict: Verdict;
  /** "03:00–03:01" on the camera's clock. */
  time: string;
  /** "7 people" */
  seen: string;
  /** "0–2 people", or words when the baseline had no range then. */
  expected: string;
  /** "unusual: more than expected", "usual", ... */
  verdictText: string;
}

const VERDICT_WORDS: Record<Verdict, string> = {
  high: "unusual: more than expected",
  low: "unusual: less than expected",
  usual: "usual",
  unjudged: "not judged (no baseline yet)",
};

export function verdictOf(point: Pick<ActivityPoint, "direction" | "low" | "high">): Verdict {
  if (point.direction) return point.direction;
  return point.low === null || point.high === null ? "unjudged" : "usual";
}

/** The observed slots in time order, each placed on the hour axis and put in words. */
export function slotPoints(
  observed: readonly ActivityPoint[],
  unit: string,
  timezone: string | undefined,
): SlotPoint[] {
  return [...observed]
    .sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at))
    .map((point) => {
      const x = dayHours(point.started_at, timezone);
      const seconds = point.slot_s % 60 !== 0;
      const verdict = verdictOf(point);
      return {
        x,
        value: point.value,
        verdict,
        time: `${clock(x, seconds)}–${clock(x + point.slot_s / 3600, seconds)}`,
        seen: formatValue(point.value, unit),
        expected:
          point.low === null || point.high === null
            ? "no range yet"
            : formatRange(point.low, point.high, unit),
        verdictText: VERDICT_WORDS[verdict],
      };
    });
}

export const isUnusual = (point: Pick<SlotPoint, "verdict">) =>
  point.verdict === "high" || point.verdict === "low";

/** "2 unusual slots", for a chart's caption. */
export function unusualCount(points: readonly SlotPoint[]): string {
  const count = points.filter(isUnusual).length;
  return count === 0 ? "nothing unusual" : `${count} unusual slot${count === 1 ? "" : "s"}`;
}

/** Whether the day has any observed slot at all (else the section says so in words). */
export function hasActivity(activity: Pick<CameraActivity, "measures">): boolean {
  return activity.measures.some((measure) => measure.observed.length > 0);
}

/** `YYYY-MM-DD` moved by whole days (calendar arithmetic: no time zone involved). */
export function shiftDay(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const moved = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days));
  return moved.toISOString().slice(0, 10);
}

/** "Fri 13 Mar 2026" for `2026-03-13`, the same whatever the browser's time zone. */
export function dayWords(day: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  }).format(new Date(`${day}T00:00:00Z`));
}

/** The confirmation once an anomaly is marked as normal. */
export function absorbedText(absorbed: number): string {
  return `Marked as normal: the baseline took in ${absorbed} measure${absorbed === 1 ? "" : "s"}`;
}

const MARK_NORMAL_ERRORS: Record<string, string> = {
  NOT_AN_ANOMALY: "Only anomaly incidents can be marked as normal.",
  INCIDENT_OPERATE_FORBIDDEN: "Only the camera's owner, its operators and administrators can do this.",
  CAMERA_MANAGE_FORBIDDEN: "Only the camera's owner and administrators can reset its baseline.",
};

/** The activity API's refusals in words; `undefined` for anything else (the app's own messages apply). */
export function activityError(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return MARK_NORMAL_ERRORS[detail];
  }
  return undefined;
}

/** What an anomaly incident found, in the baseline's words ("people in view: 7 at Fri 03:00-04:00, expected
 * 0-2 people (from 5 days, 60 slots)"), one line per measure, from its explanation's evidence items. */
export function anomalyFindings(explanation: unknown): string[] {
  const objects = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value)
      ? value.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null)
      : [];
  const terms =
    typeof explanation === "object" && explanation !== null ? (explanation as { terms?: unknown }).terms : [];
  const found = objects(terms)
    .flatMap((term) => objects(term.evidence_items))
    .map((item) => (typeof item.detail === "string" ? item.detail.trim() : ""))
    .filter((detail) => detail.length > 0);
  return [...new Set(found)];
}
