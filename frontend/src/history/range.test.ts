import { describe, expect, it } from "vitest";
import { rangePhrase, rangeWindow } from "./range";

const NOW = new Date(2026, 4, 20, 14, 37, 12);

describe("rangeWindow", () => {
  it("day: 24 hourly buckets, the first starting on a whole local hour", () => {
    const w = rangeWindow("day", NOW);
    expect(w.bucket).toBe("hour");
    expect(w.until).toEqual(NOW);
    expect(w.since.getMinutes()).toBe(0);
    expect(w.since.getSeconds()).toBe(0);
    expect((NOW.getTime() - w.since.getTime()) / 3_600_000).toBeGreaterThan(23);
    expect((NOW.getTime() - w.since.getTime()) / 3_600_000).toBeLessThan(24);
  });

  it("week: today and the six local days before, from local midnight", () => {
    const w = rangeWindow("week", NOW);
    expect(w.bucket).toBe("day");
    expect(w.since).toEqual(new Date(2026, 4, 14));
    expect(w.since.getHours()).toBe(0);
  });

  it("month: thirty local days, across a month's end", () => {
    expect(rangeWindow("month", NOW).since).toEqual(new Date(2026, 3, 21));
    expect(rangeWindow("month", new Date(2026, 2, 3, 1)).since).toEqual(new Date(2026, 1, 2));
  });

  it("names each range in words", () => {
    expect(rangePhrase("week")).toBe("in the last 7 days");
  });
});
