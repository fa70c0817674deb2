import { describe, expect, it } from "vitest";
import { fieldErrors } from "./fieldErrors";

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
