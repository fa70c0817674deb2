import { describe, expect, it } from "vitest";
import { groupRepeats, moveActive, reviewTargets, triageAction } from "./triage";

const at = (id: number, camera: number, label: string, minute: number) => ({
  id,
  camera_id: camera,
  label,
  started_at: new Date(Date.UTC(2026, 11, 6, 12, minute)).toISOString(),
});

describe("groupRepeats", () => {
  it("groups the same label on the same camera within the window, keeping order", () => {
    const rows = groupRepeats([
      at(9, 1, "scream", 50),
      at(8, 1, "scream", 45),
      at(7, 1, "scream", 36),
      at(6, 2, "scream", 35),
      at(5, 1, "scream", 34),
      at(4, 1, "glass_break", 33),
      at(3, 1, "glass_break", 10),
    ]);
    expect(rows.map((r) => r.members.map((m) => m.id))).toEqual([[9, 8, 7], [6], [5], [4], [3]]);
    expect(rows[0]?.head.id).toBe(9);
  });

  it("keeps every incident exactly once", () => {
    const items = Array.from({ length: 40 }, (_, i) => at(40 - i, 1 + (i % 3), "scream", 59 - i));
    const rows = groupRepeats(items);
    expect(rows.flatMap((r) => r.members.map((m) => m.id)).sort((a, b) => a - b)).toEqual(
      items.map((i) => i.id).sort((a, b) => a - b),
    );
  });
});

describe("keyboard", () => {
  it("maps keys to actions and ignores the rest", () => {
    expect(["j", "ArrowDown", "k", "ArrowUp", "x", "r", "o", "Enter", "q"].map(triageAction)).toEqual([
      "next",
      "next",
      "previous",
      "previous",
      "toggle",
      "review",
      "open",
      "open",
      null,
    ]);
  });

  it("moves within the list without leaving it", () => {
    expect(moveActive(0, "previous", 5)).toBe(0);
    expect(moveActive(3, "next", 5)).toBe(4);
    expect(moveActive(4, "next", 5)).toBe(4);
    expect(moveActive(0, "next", 0)).toBe(0);
  });

  it("reviews the selection, else the active row with its repeats", () => {
    const row = { members: [{ id: 3 }, { id: 2 }] };
    expect(reviewTargets(new Set([7, 8]), row)).toEqual([7, 8]);
    expect(reviewTargets(new Set(), row)).toEqual([3, 2]);
    expect(reviewTargets(new Set(), undefined)).toEqual([]);
  });
});
