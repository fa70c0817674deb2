/** Triage helpers (pure): repeats grouped, the keyboard's moves and keys. */

export interface Groupable {
  id: number;
  camera_id: number;
  label: string;
  started_at: string;
}

/** A row of the list: an incident and the repeats that follow it (same camera and label, each within
 * `windowMs` of the previous one), newest first as listed. */
export interface IncidentRow<T extends Groupable> {
  head: T;
  members: T[];
}

export const REPEAT_WINDOW_MS = 10 * 60 * 1000;

export function groupRepeats<T extends Groupable>(
  items: readonly T[],
  windowMs = REPEAT_WINDOW_MS,
): IncidentRow<T>[] {
  const rows: IncidentRow<T>[] = [];
  for (const item of items) {
    const last = rows.at(-1);
    const previous = last?.members.at(-1);
    if (
      last &&
      previous &&
      previous.camera_id === item.camera_id &&
      previous.label === item.label &&
      Math.abs(Date.parse(previous.started_at) - Date.parse(item.started_at)) <= windowMs
    ) {
      last.members.push(item);
    } else {
      rows.push({ head: item, members: [item] });
    }
  }
  return rows;
}

export type TriageAction = "next" | "previous" | "toggle" | "review" | "open";

/** Keys of the list (Gmail's and Frigate's): j/↓ next, k/↑ previous, x select, r mark reviewed, o/Enter open. */
export function triageAction(key: string): TriageAction | null {
  switch (key) {
    case "j":
    case "ArrowDown":
      return "next";
    case "k":
    case "ArrowUp":
      return "previous";
    case "x":
    case " ":
      return "toggle";
    case "r":
      return "review";
    case "o":
    case "Enter":
      return "open";
    default:
      return null;
  }
}

export function moveActive(active: number, action: "next" | "previous", length: number): number {
  if (length === 0) return 0;
  const next = action === "next" ? active + 1 : active - 1;
  return Math.min(length - 1, Math.max(0, next));
}

/** The ids a review acts on: the selection when there is one, else the active row's incidents. */
export function reviewTargets(
  selected: ReadonlySet<number>,
  activeRow: { members: { id: number }[] } | undefined,
): number[] {
  if (selected.size > 0) return [...selected];
  return activeRow ? activeRow.members.map((m) => m.id) : [];
}
