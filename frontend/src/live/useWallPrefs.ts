import { useCallback, useMemo, useState } from "react";
import { DEFAULT_WALL, parseWallPrefs, type WallPrefs, wallPrefsKey } from "./layouts";

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage switched off: the wall still works, it just forgets
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // full or switched off: the choice lasts for this page only
  }
}

/** The wall's layout and camera groups of this user, kept in this browser (localStorage). */
export function useWallPrefs(userId: string | undefined): [WallPrefs, (next: WallPrefs) => void] {
  const key = userId === undefined ? null : wallPrefsKey(userId);
  const stored = useMemo(() => (key === null ? DEFAULT_WALL : parseWallPrefs(read(key))), [key]);
  const [changed, setChanged] = useState<{ key: string | null; prefs: WallPrefs } | null>(null);
  const prefs = changed !== null && changed.key === key ? changed.prefs : stored;
  const update = useCallback(
    (next: WallPrefs) => {
      if (key !== null) write(key, JSON.stringify(next));
      setChanged({ key, prefs: next });
    },
    [key],
  );
  return [prefs, update];
}
