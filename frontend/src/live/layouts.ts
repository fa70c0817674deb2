/** The wall's arrangement (pure): how many columns or one large tile with a strip, and named groups of
 * cameras. Kept per user in this browser's localStorage (not on the server): another browser starts
 * from the defaults. */

export const LAYOUTS = ["auto", "1", "2", "3", "4", "focus"] as const;
export type Layout = (typeof LAYOUTS)[number];

export const LAYOUT_NAMES: Record<Layout, string> = {
  auto: "Auto",
  "1": "1 column",
  "2": "2 columns",
  "3": "3 columns",
  "4": "4 columns",
  focus: "One large",
};

export interface CameraGroup {
  name: string;
  cameraIds: number[];
}

export interface WallPrefs {
  layout: Layout;
  /** The camera shown large in the focus layout; null: the first shown. */
  focusId: number | null;
  /** The group shown; null: every camera. */
  group: string | null;
  groups: CameraGroup[];
}

export const DEFAULT_WALL: WallPrefs = { layout: "auto", focusId: null, group: null, groups: [] };

export const MAX_GROUP_NAME = 40;

export function wallPrefsKey(userId: string): string {
  return `vigil.wall.${userId}`;
}

const isId = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

function parseGroups(raw: unknown): CameraGroup[] {
  if (!Array.isArray(raw)) return [];
  const groups: CameraGroup[] = [];
  for (const g of raw) {
    if (typeof g !== "object" || g === null) continue;
    const { name, cameraIds } = g as Record<string, unknown>;
    if (typeof name !== "string" || name.trim() === "" || groups.some((k) => k.name === name)) continue;
    groups.push({ name, cameraIds: Array.isArray(cameraIds) ? [...new Set(cameraIds.filter(isId))] : [] });
  }
  return groups;
}

/** Stored preferences read defensively: anything missing or malformed falls back to the default. */
export function parseWallPrefs(stored: string | null): WallPrefs {
  if (stored === null) return DEFAULT_WALL;
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return DEFAULT_WALL;
  }
  if (typeof raw !== "object" || raw === null) return DEFAULT_WALL;
  const r = raw as Record<string, unknown>;
  const groups = parseGroups(r.groups);
  const group = typeof r.group === "string" && groups.some((g) => g.name === r.group) ? r.group : null;
  return {
    layout: LAYOUTS.includes(r.layout as Layout) ? (r.layout as Layout) : "auto",
    focusId: isId(r.focusId) ? r.focusId : null,
    group,
    groups,
  };
}

/** The cameras of the chosen group, in the wall's order; every camera without a group (or an unknown one). */
export function camerasShown<T extends { id: number }>(cameras: readonly T[], prefs: WallPrefs): T[] {
  const group = prefs.groups.find((g) => g.name === prefs.group);
  if (!group) return [...cameras];
  const ids = new Set(group.cameraIds);
  return cameras.filter((c) => ids.has(c.id));
}

/** The focus layout: the chosen camera large (the first when it is not shown), the others in a strip. */
export function focusSplit<T extends { id: number }>(
  cameras: readonly T[],
  focusId: number | null,
): { focus: T | null; strip: T[] } {
  const focus = cameras.find((c) => c.id === focusId) ?? cameras[0] ?? null;
  return { focus, strip: cameras.filter((c) => c !== focus) };
}

/** Why a group cannot be saved, or null. */
export function groupProblem(name: string, cameraIds: readonly number[]): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "Give the group a name.";
  if (trimmed.length > MAX_GROUP_NAME) return `A group name has at most ${MAX_GROUP_NAME} characters.`;
  if (cameraIds.length === 0) return "Choose at least one camera for the group.";
  return null;
}

/** Add a group, or replace the one of the same name; groups stay in name order. */
export function withGroup(
  groups: readonly CameraGroup[],
  name: string,
  cameraIds: readonly number[],
): CameraGroup[] {
  const trimmed = name.trim();
  return [
    ...groups.filter((g) => g.name !== trimmed),
    { name: trimmed, cameraIds: [...new Set(cameraIds)] },
  ].sort((a, b) => a.name.localeCompare(b.name));
}

export function withoutGroup(prefs: WallPrefs, name: string): WallPrefs {
  return {
    ...prefs,
    groups: prefs.groups.filter((g) => g.name !== name),
    group: prefs.group === name ? null : prefs.group,
  };
}
