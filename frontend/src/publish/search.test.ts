import { describe, expect, it } from "vitest";
import { parsePublishSearch } from "./search";

describe("parsePublishSearch", () => {
  it("keeps a camera id, as a number or digits", () => {
    expect(parsePublishSearch({ camera: 7 })).toEqual({ camera: 7 });
    expect(parsePublishSearch({ camera: "12" })).toEqual({ camera: 12 });
  });

  it("drops anything else", () => {
    for (const camera of [0, -3, 1.5, "x", "7a", null, undefined, {}]) {
      expect(parsePublishSearch({ camera })).toEqual({});
    }
  });
});
