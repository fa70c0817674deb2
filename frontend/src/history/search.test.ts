import { describe, expect, it } from "vitest";
import { parseHistorySearch } from "./search";

describe("parseHistorySearch", () => {
  it("keeps a known range and a camera id", () => {
    expect(parseHistorySearch({ range: "day", camera: 3 })).toEqual({ range: "day", camera: 3 });
    expect(parseHistorySearch({ range: "month", camera: "12" })).toEqual({ range: "month", camera: 12 });
  });

  it("leaves the default range out of the address", () => {
    expect(parseHistorySearch({ range: "week" })).toEqual({});
  });

  it("drops what it cannot use", () => {
    expect(parseHistorySearch({ range: "year", camera: "x" })).toEqual({});
    expect(parseHistorySearch({ range: 7, camera: -1 })).toEqual({});
    expect(parseHistorySearch({ camera: 1.5, other: "y" })).toEqual({});
  });
});
