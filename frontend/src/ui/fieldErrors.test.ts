import { describe, expect, it } from "vitest";
import { fieldErrors, withoutStale } from "./fieldErrors";

describe("fieldErrors", () => {
  const fallback = () => "fallback";
  it("puts each 422 message on the field its loc names", () => {
    const error = {
      detail: [
        { loc: ["body", "url"], msg: "Value error, not under an allowed folder" },
        { loc: ["body", "analysis_fps"], msg: "Input should be less than or equal to 30" },
      ],
    };
    expect(fieldErrors(error, fallback)).toEqual({
      url: "not under an allowed folder",
      analysis_fps: "Input should be less than or equal to 30",
    });
  });
  it("keeps a code error for the whole form", () => {
    expect(fieldErrors({ detail: "FORBIDDEN" }, fallback)).toEqual({ _: "fallback" });
  });
});

describe("withoutStale", () => {
  it("drops the edited field's message and the form's, keeping the others", () => {
    const errors = { url: "bad URL", name: "taken", _: "Not added." };
    expect(withoutStale(errors, "url")).toEqual({ name: "taken" });
    expect(withoutStale(errors)).toEqual({ url: "bad URL", name: "taken" });
  });
  it("returns the same object when nothing was stale", () => {
    const errors = { name: "taken" };
    expect(withoutStale(errors, "url")).toBe(errors);
  });
});
