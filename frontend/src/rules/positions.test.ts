import { describe, expect, it } from "vitest";
import { describeProblem, placeProblem, placeProblems, problemsOfRefusal } from "./positions";

const TEXT = 'version: "1"\nrules:\n  violence:\n    threshold: high\n';

describe("placeProblem", () => {
  it("turns a 1-based line and column into offsets from the column to the line's end", () => {
    const placed = placeProblem(TEXT, {
      line: 4,
      column: 16,
      path: "rules.violence.threshold",
      message: "Input should be a valid number",
    });
    expect(TEXT.slice(placed.from, placed.to)).toBe("high");
    expect(placed.line).toBe(4);
    expect(placed.column).toBe(16);
    expect(placed.message).toBe("rules.violence.threshold: Input should be a valid number");
  });

  it("column 1 is the line's first character", () => {
    const placed = placeProblem(TEXT, { line: 2, column: 1, path: "", message: "x" });
    expect(TEXT.slice(placed.from, placed.to)).toBe("rules:");
    expect(placed.message).toBe("x");
  });

  it("marks the whole line for a column past its end, keeping the column the API gave", () => {
    const placed = placeProblem(TEXT, { line: 2, column: 40, path: "rules", message: "expected a mapping" });
    expect(TEXT.slice(placed.from, placed.to)).toBe("rules:");
    expect(describeProblem(placed)).toBe("line 2, column 40: rules: expected a mapping");
  });

  it("marks the whole line when there is no column", () => {
    const placed = placeProblem(TEXT, { line: 3, column: null, path: "", message: "m" });
    expect(TEXT.slice(placed.from, placed.to)).toBe("  violence:");
    expect(describeProblem(placed)).toBe("line 3: m");
  });

  it("puts a problem without a line on the first line and says it is about the whole file", () => {
    const placed = placeProblem(TEXT, { line: null, column: null, path: "", message: "empty file" });
    expect(placed).toMatchObject({ from: 0, to: 12, line: 1, hasLine: false, column: null });
    expect(describeProblem(placed)).toBe("whole file: empty file");
  });

  it("clamps a line past the end to the last line (the empty one after the final newline)", () => {
    const placed = placeProblem(TEXT, { line: 99, column: 3, path: "", message: "m" });
    expect(placed.line).toBe(5);
    expect(placed.from).toBe(TEXT.length);
    expect(placed.to).toBe(TEXT.length);
  });

  it("counts columns in characters, as Python does, not in UTF-16 units", () => {
    const text = "a: '😀😀' x\n";
    // the API's column 9 is the "x" after two emoji (each two UTF-16 units)
    const placed = placeProblem(text, { line: 1, column: 9, path: "", message: "m" });
    expect(text.slice(placed.from, placed.to)).toBe("x");
  });

  it("leaves the \\r of a CRLF line out of the marked range", () => {
    const text = "a: 1\r\nb: bad\r\n";
    const placed = placeProblem(text, { line: 2, column: 4, path: "", message: "m" });
    expect(text.slice(placed.from, placed.to)).toBe("bad");
  });

  it("places a problem in an empty text at offset 0", () => {
    expect(placeProblem("", { line: 1, column: 1, path: "", message: "m" })).toMatchObject({
      from: 0,
      to: 0,
    });
  });
});

describe("placeProblems", () => {
  it("orders the whole-file problems first, then by position", () => {
    const placed = placeProblems(TEXT, [
      { line: 4, column: 5, path: "", message: "b" },
      { line: 2, column: 1, path: "", message: "a" },
      { line: null, column: null, path: "", message: "file" },
    ]);
    expect(placed.map((p) => p.message)).toEqual(["file", "a", "b"]);
  });
});

describe("problemsOfRefusal", () => {
  it("reads the problems of a RULES_INVALID refusal", () => {
    const refusal = {
      detail: {
        code: "RULES_INVALID",
        message: "line 4, column 16: ...",
        problems: [
          { line: 4, column: 16, path: "rules.violence.threshold", message: "not a number" },
          "junk",
        ],
      },
    };
    expect(problemsOfRefusal(refusal)).toEqual([
      { line: 4, column: 16, path: "rules.violence.threshold", message: "not a number" },
    ]);
  });

  it("is null for any other error", () => {
    expect(problemsOfRefusal({ detail: "FORBIDDEN" })).toBeNull();
    expect(problemsOfRefusal(new Error("network"))).toBeNull();
    expect(problemsOfRefusal(undefined)).toBeNull();
  });
});
