/** The History page's URL search params ⇄ its range and camera filter. */

export const RANGES = ["day", "week", "month"] as const;
export type HistoryRange = (typeof RANGES)[number];

export interface HistorySearch {
  /** Absent means the default, `week`. */
  range?: HistoryRange;
  camera?: number;
}

export const DEFAULT_RANGE: HistoryRange = "week";

/** Whatever the address bar holds → a search; anything unusable is dropped (the defaults apply). */
export function parseHistorySearch(search: Record<string, unknown>): HistorySearch {
  const parsed: HistorySearch = {};
  if (typeof search.range === "string" && (RANGES as readonly string[]).includes(search.range)) {
    const range = search.range as HistoryRange;
    if (range !== DEFAULT_RANGE) parsed.range = range;
  }
  const camera =
    typeof search.camera === "number"
      ? search.camera
      : typeof search.camera === "string"
        ? Number(search.camera)
        : Number.NaN;
  if (Number.isInteger(camera) && camera > 0) parsed.camera = camera;
  return parsed;
}
