import { describe, expect, it } from "vitest";
import {
  camerasShown,
  DEFAULT_WALL,
  focusSplit,
  groupProblem,
  parseWallPrefs,
  type WallPrefs,
  wallPrefsKey,
  withGroup,
  withoutGroup,
} from "./layouts";

const cams = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({ id, name: `cam ${id}` }));

describe("parseWallPrefs", () => {
  it("reads back what was stored", () => {
    const prefs: WallPrefs = {
      layout: "focus",
      focusId: 3,
      group: "Gates",
      groups: [{ name: "Gates", cameraIds: [1, 3] }],
    };
    expect(parseWallPrefs(JSON.stringify(prefs))).toEqual(prefs);
  });

  it("falls back to the defaults for anything missing or malformed", () => {
    expect(parseWallPrefs(null)).toEqual(DEFAULT_WALL);
    expect(parseWallPrefs("{not json")).toEqual(DEFAULT_WALL);
    expect(parseWallPrefs("42")).toEqual(DEFAULT_WALL);
    expect(
      parseWallPrefs(
        JSON.stringify({
          layout: "9",
          focusId: -1,
          group: "gone",
          groups: [
            { name: "" },
            { name: "Yard", cameraIds: [2, 2, "x", 0] },
            { name: "Yard", cameraIds: [5] },
          ],
        }),
      ),
    ).toEqual({ layout: "auto", focusId: null, group: null, groups: [{ name: "Yard", cameraIds: [2] }] });
  });

  it("keeps each user's wall apart", () => {
    expect(wallPrefsKey("a")).not.toBe(wallPrefsKey("b"));
  });
});

describe("camerasShown", () => {
  it("shows a group's cameras in the wall's order, and every camera without a group", () => {
    const groups = [{ name: "Gates", cameraIds: [7, 2, 99] }];
    expect(camerasShown(cams, { ...DEFAULT_WALL, groups, group: "Gates" }).map((c) => c.id)).toEqual([2, 7]);
    expect(camerasShown(cams, { ...DEFAULT_WALL, groups })).toHaveLength(8);
    expect(camerasShown(cams, { ...DEFAULT_WALL, groups, group: "unknown" })).toHaveLength(8);
  });
});

describe("focusSplit", () => {
  it("puts the chosen camera large and the others in the strip", () => {
    const { focus, strip } = focusSplit(cams, 5);
    expect(focus?.id).toBe(5);
    expect(strip.map((c) => c.id)).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });

  it("takes the first camera when the chosen one is not shown", () => {
    expect(focusSplit(cams.slice(0, 3), 8).focus?.id).toBe(1);
    expect(focusSplit(cams, null).focus?.id).toBe(1);
    expect(focusSplit([], 1)).toEqual({ focus: null, strip: [] });
  });
});

describe("groups", () => {
  it("adds, replaces by name and keeps groups in name order", () => {
    let groups = withGroup([], " Yard ", [3, 3, 4]);
    groups = withGroup(groups, "Gates", [1]);
    groups = withGroup(groups, "Yard", [5]);
    expect(groups).toEqual([
      { name: "Gates", cameraIds: [1] },
      { name: "Yard", cameraIds: [5] },
    ]);
  });

  it("removing the group shown shows every camera again", () => {
    const prefs = { ...DEFAULT_WALL, group: "Yard", groups: [{ name: "Yard", cameraIds: [1] }] };
    expect(withoutGroup(prefs, "Yard")).toEqual({ ...DEFAULT_WALL, group: null, groups: [] });
  });

  it("says why a group cannot be saved", () => {
    expect(groupProblem("  ", [1])).toBe("Give the group a name.");
    expect(groupProblem("Yard", [])).toBe("Choose at least one camera for the group.");
    expect(groupProblem("x".repeat(41), [1])).toMatch(/at most 40/);
    expect(groupProblem("Yard", [1])).toBeNull();
  });
});
