/** Where each incident sits on the incidents page's timeline strip (pure: times in, percentages out). */

import { labelWords } from "../ui/labels";
import { toLocalInput } from "./localTime";

export interface TimelineIncident {
  id: number;
  label: string;
  severity: string;
  started_at: string;
  ended_at: string | null;
}

/** Milliseconds since the epoch. */
export interface TimeWindow {
  start: number;
  end: number;
}

export interface TimelineMark {
  id: number;
  severity: string;
  /** Percent of the strip's width from its left edge, and the mark's width in percent. */
  left: number;
  width: number;
  /** Row of the strip (0 on top), so overlapping incidents stay apart. */
  lane: number;
  /** Still open: it runs up to now. */
  open: boolean;
  name: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The span the strip shows: the From / Until filters where set, else the listed incidents' own span
 * (from the first start to the last end, open ones ending now), padded a little but not past now; the
 * last hour when there is nothing to go on. */
export function timelineWindow(
  incidents: readonly TimelineIncident[],
  filters: { since?: string | undefined; until?: string | undefined },
  now: number,
): TimeWindow {
  const since = filters.since ? new Date(filters.since).getTime() : Number.NaN;
  const until = filters.until ? new Date(filters.until).getTime() : Number.NaN;
  const starts = incidents.map((i) => new Date(i.started_at).getTime()).filter(Number.isFinite);
  const ends = incidents.map((i) => endOf(i, now)).filter(Number.isFinite);
  let start = Number.isFinite(since) ? since : starts.length ? Math.min(...starts) : Number.NaN;
  let end = Number.isFinite(until)
    ? until
    : Number.isFinite(since)
      ? now
      : ends.length
        ? Math.max(...ends)
        : now;
  if (!Number.isFinite(start)) start = end - HOUR;
  if (end - start < MINUTE) end = start + MINUTE;
  if (!Number.isFinite(since) && !Number.isFinite(until) && starts.length) {
    const pad = (end - start) * 0.02;
    start -= pad;
    end = Math.min(end + pad, Math.max(end, now)); // never into the future
  }
  return { start, end };
}

function endOf(incident: TimelineIncident, now: number): number {
  const start = new Date(incident.started_at).getTime();
  const end = incident.ended_at ? new Date(incident.ended_at).getTime() : now;
  return Math.max(start, end);
}

/** "45 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

export interface LayoutOptions {
  /** Narrowest mark, in percent of the strip (an instant still needs something to click). */
  minWidth?: number;
  lanes?: number;
  /** Start time in words for the accessible name (the page passes the browser's locale format). */
  formatTime?: (date: Date) => string;
}

/** One mark per incident inside the window, in start order: at its start, as wide as its duration (at
 * least `minWidth`), in the first lane where it overlaps nothing (the least crowded lane otherwise). */
export function layoutMarks(
  incidents: readonly TimelineIncident[],
  window: TimeWindow,
  now: number,
  { minWidth = 0.8, lanes = 3, formatTime = (d) => d.toLocaleString() }: LayoutOptions = {},
): TimelineMark[] {
  const span = window.end - window.start;
  const percent = (t: number) => Math.min(100, Math.max(0, ((t - window.start) / span) * 100));
  const laneEnds: number[] = Array.from({ length: lanes }, () => Number.NEGATIVE_INFINITY);
  const sorted = incidents
    .map((incident) => ({
      incident,
      start: new Date(incident.started_at).getTime(),
      end: endOf(incident, now),
    }))
    .filter(({ start, end }) => Number.isFinite(start) && end >= window.start && start <= window.end)
    .sort((a, b) => a.start - b.start || a.incident.id - b.incident.id);
  return sorted.map(({ incident, start, end }) => {
    const width = Math.min(100, Math.max(minWidth, percent(end) - percent(start)));
    const left = Math.min(percent(start), 100 - width);
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= left);
    if (lane < 0) lane = laneEnds.indexOf(Math.min(...laneEnds));
    laneEnds[lane] = left + width;
    const open = incident.ended_at === null;
    const lasted = open ? "ongoing" : `lasted ${formatDuration(end - start)}`;
    return {
      id: incident.id,
      severity: incident.severity,
      left,
      width,
      lane,
      open,
      name: `${labelWords(incident.label)}, ${incident.severity} severity, ${formatTime(new Date(start))}, ${lasted}`,
    };
  });
}

/** How many lanes the marks use (the strip's height). */
export function laneCount(marks: readonly TimelineMark[]): number {
  return marks.reduce((n, mark) => Math.max(n, mark.lane + 1), 1);
}

/** Evenly spaced instants for the strip's axis, with their position in percent. */
export function axisTicks(window: TimeWindow, count = 5): { left: number; time: Date }[] {
  return Array.from({ length: count }, (_, i) => {
    const left = (i / (count - 1)) * 100;
    return { left, time: new Date(window.start + ((window.end - window.start) * i) / (count - 1)) };
  });
}

export const QUICK_RANGES = [
  { name: "Last hour", ms: HOUR },
  { name: "24 h", ms: 24 * HOUR },
  { name: "7 days", ms: 7 * 24 * HOUR },
] as const;

/** The From / Until filters of a quick range: from `ms` before now, with no end. */
export function quickRange(ms: number, now: Date): { since: string; until: undefined } {
  return { since: toLocalInput(new Date(now.getTime() - ms)), until: undefined };
}
