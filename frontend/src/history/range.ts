/** What each History range asks the server for: local-time aligned windows in this browser's zone. */
import type { HistoryRange } from "./search";

export type Bucket = "hour" | "day";

export interface RangeWindow {
  since: Date;
  until: Date;
  bucket: Bucket;
}

const HOUR_MS = 3_600_000;

/** `day`: the current local hour and the 23 before it, by hour; `week` / `month`: today and the 6 / 29
 * local days before it, by day (a day starts at local midnight, whatever its length). */
export function rangeWindow(range: HistoryRange, now: Date): RangeWindow {
  if (range === "day") {
    const hour = new Date(now);
    hour.setMinutes(0, 0, 0);
    return { since: new Date(hour.getTime() - 23 * HOUR_MS), until: now, bucket: "hour" };
  }
  const days = range === "week" ? 7 : 30;
  const since = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return { since, until: now, bucket: "day" };
}

/** "this week": how the page's sentences name each range. */
export function rangePhrase(range: HistoryRange): string {
  return { day: "in the last 24 hours", week: "in the last 7 days", month: "in the last 30 days" }[range];
}

export const RANGE_NAMES: Record<HistoryRange, string> = { day: "Day", week: "Week", month: "Month" };

/** The browser's IANA time zone (what `tz` sends), UTC when the browser has none. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
