import { describe, expect, it } from "vitest";
import { ceilMinute, toLocalInput } from "./localTime";

describe("toLocalInput", () => {
  it("writes the local wall clock to the minute, zero-padded", () => {
    expect(toLocalInput(new Date(2026, 0, 5, 7, 3, 59))).toBe("2026-01-05T07:03");
    expect(toLocalInput(new Date(2026, 11, 31, 23, 59))).toBe("2026-12-31T23:59");
  });

  it("reads back as the same local minute", () => {
    const date = new Date(2026, 6, 14, 18, 45);
    expect(new Date(toLocalInput(date)).getTime()).toBe(date.getTime());
  });
});

describe("ceilMinute", () => {
  it("moves a time inside a minute to the next minute and keeps a whole minute", () => {
    expect(ceilMinute(new Date(2026, 0, 5, 7, 3, 1)).getTime()).toBe(new Date(2026, 0, 5, 7, 4).getTime());
    expect(ceilMinute(new Date(2026, 0, 5, 7, 3)).getTime()).toBe(new Date(2026, 0, 5, 7, 3).getTime());
  });
});
