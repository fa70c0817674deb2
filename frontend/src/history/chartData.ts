/** The stats answer → what each chart draws, and where a click on it leads (pure, so it is tested). */
import type { IncidentStats } from "../client";
import type { IncidentFilters } from "../incidents/filters";
import { toLocalInput } from "../incidents/localTime";
import { labelColor, luminance, NEUTRAL } from "./colors";

export const ALL = "all";

export interface TimeRow {
  /** Short axis text: "14:00" or "Wed 20". */
  tick: string;
  /** The whole span in words: "Wed 20 May, 14:00–15:00" or "Wed 20 May". */
  title: string;
  start: Date;
  end: Date;
  /** The local hour (0-23) the bucket starts at, in the answer's time zone. */
  hour: number;
  total: number;
  counts: Readonly<Record<string, number>>;
}

export interface HeatCell {
  hour: number;
  count: number;
  /** 0 (none) to 1 (the row's busiest hour). */
  intensity: number;
  /** "distress, 14:00-15:00: 3 incidents": the cell's accessible name. */
  name: string;
  background: string;
  text: string;
}

export interface HeatRow {
  label: string;
  colour: string;
  total: number;
  cells: HeatCell[];
}

const pad = (n: number) => String(n).padStart(2, "0");

export function plural(count: number, word = "incident"): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function formatter(tz: string, locale: string | undefined, options: Intl.DateTimeFormatOptions) {
  return new Intl.DateTimeFormat(locale, { timeZone: tz, ...options });
}

/** One row per bucket, in the server's time zone (`stats.tz`, the browser's own). */
export function timeRows(stats: IncidentStats, locale?: string): TimeRow[] {
  const time = formatter(stats.tz, locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayTick = formatter(stats.tz, locale, { weekday: "short", day: "numeric" });
  const dayTitle = formatter(stats.tz, locale, { weekday: "short", day: "numeric", month: "short" });
  return stats.buckets.map((bucket) => {
    const start = new Date(bucket.start);
    const end = new Date(bucket.end);
    const total = Object.values(bucket.counts).reduce((sum, n) => sum + n, 0);
    const hourly = stats.bucket === "hour";
    const hour = Number(time.formatToParts(start).find((part) => part.type === "hour")?.value ?? 0) % 24;
    return {
      tick: hourly ? time.format(start) : dayTick.format(start),
      title: hourly
        ? `${dayTitle.format(start)}, ${time.format(start)}–${time.format(end)}`
        : dayTitle.format(start),
      start,
      end,
      hour,
      total,
      counts: bucket.counts,
    };
  });
}

const PANEL = "#17202a";
const LIGHT_TEXT = "#ffffff";
const DARK_TEXT = "#000000"; // any colour reads at ≥ 4.58:1 on white or on black

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function toHex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b]
    .map((c) =>
      Math.round(c ?? 0)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** A cell's colour: the label's colour over the panel, stronger with the count; and the text colour
 * (light or dark) that reads best on it. */
export function cellColours(colour: string, intensity: number): { background: string; text: string } {
  if (intensity <= 0) return { background: "transparent", text: LIGHT_TEXT };
  const alpha = 0.2 + 0.8 * Math.min(1, intensity);
  const [base, over] = [rgb(PANEL), rgb(colour)];
  const mixed = toHex(base.map((c, i) => c + ((over[i] ?? c) - c) * alpha));
  const lum = luminance(mixed);
  const light = (luminance(LIGHT_TEXT) + 0.05) / (lum + 0.05);
  const dark = (lum + 0.05) / (luminance(DARK_TEXT) + 0.05);
  return { background: mixed, text: light >= dark ? LIGHT_TEXT : DARK_TEXT };
}

function hourSpan(hour: number): string {
  return `${pad(hour)}:00-${pad(hour + 1)}:00`;
}

function heatRow(label: string, colour: string, counts: readonly number[]): HeatRow {
  const max = Math.max(0, ...counts);
  const cells = Array.from({ length: 24 }, (_, hour) => {
    const count = counts[hour] ?? 0;
    const intensity = max > 0 ? count / max : 0;
    return {
      hour,
      count,
      intensity,
      name: `${label}, ${hourSpan(hour)}: ${plural(count)}`,
      ...cellColours(colour, intensity),
    };
  });
  return { label, colour, total: counts.reduce((sum, n) => sum + n, 0), cells };
}

/** "all" first, then one row per label (most frequent first), 24 local hours each. */
export function heatRows(stats: IncidentStats): HeatRow[] {
  const all = Array.from({ length: 24 }, (_, hour) =>
    stats.hour_of_day.reduce((sum, row) => sum + (row.counts[hour] ?? 0), 0),
  );
  return [
    heatRow(ALL, NEUTRAL, all),
    ...stats.hour_of_day.map((row) => heatRow(row.label, labelColor(row.label), row.counts)),
  ];
}

/** The incidents page's search for a span and filters: local `YYYY-MM-DDTHH:MM` bounds, no upper bound
 * when the span reaches `now` (the end of the answer's range: nothing that started since is left out,
 * and minutes would cut the last one short). */
export function incidentsSearch(
  span: { since: Date; until: Date },
  now: Date,
  filter: { camera?: number | undefined; label?: string | undefined },
): IncidentFilters {
  const search: IncidentFilters = { since: toLocalInput(span.since) };
  if (span.until.getTime() < now.getTime()) search.until = toLocalInput(span.until);
  if (filter.camera !== undefined) search.camera = filter.camera;
  if (filter.label && filter.label !== ALL) search.label = filter.label;
  return search;
}

/** The span a heat-strip cell opens: with hourly buckets, the one bucket at that local hour (a day's
 * range holds each hour once); otherwise (or on a day with a repeated hour) the whole range. */
export function heatCellSpan(
  rows: readonly TimeRow[],
  bucket: IncidentStats["bucket"],
  hour: number,
  whole: { since: Date; until: Date },
): { since: Date; until: Date } {
  if (bucket === "hour") {
    const matching = rows.filter((row) => row.hour === hour);
    if (matching.length === 1 && matching[0]) return { since: matching[0].start, until: matching[0].end };
  }
  return whole;
}
