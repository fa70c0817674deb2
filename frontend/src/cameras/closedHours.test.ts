import { describe, expect, it } from "vitest";
import { formatClosedHours, parseClosedHours } from "./closedHours";

describe("parseClosedHours", () => {
  it("reads windows with and without days", () => {
    expect(parseClosedHours("22:00-06:00; 12:00 – 13:00 Sat, sunday")).toEqual({
      windows: [
        { start: "22:00", end: "06:00", days: null },
        { start: "12:00", end: "13:00", days: ["sat", "sun"] },
      ],
      problem: null,
    });
  });

  it("is empty for an empty field: the zone is never closed", () => {
    expect(parseClosedHours("  ")).toEqual({ windows: [], problem: null });
  });

  it("names the part it cannot read", () => {
    expect(parseClosedHours("22:00-6:00").problem).toContain('"6:00"');
    expect(parseClosedHours("at night").problem).toContain('"at night"');
    expect(parseClosedHours("22:00-06:00 someday").problem).toContain('"som"');
  });

  it("round-trips what it formats", () => {
    const text = "22:00-06:00 sat,sun; 12:00-13:00";
    const parsed = parseClosedHours(text);
    expect(parsed.windows).not.toBeNull();
    expect(formatClosedHours(parsed.windows ?? [])).toBe(text);
  });
});
