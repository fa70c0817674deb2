import { describe, expect, it } from "vitest";
import { fieldErrors } from "./fieldErrors";
import { clickToNormPoint, closePolygon, moveCursor, polygonArea, polygonProblem } from "./geometry";

const rect = { left: 100, top: 50, width: 400, height: 200 };

describe("clickToNormPoint", () => {
  it("maps a click inside the frame to 0..1", () => {
    expect(clickToNormPoint(300, 150, rect)).toEqual([0.5, 0.5]);
    expect(clickToNormPoint(100, 50, rect)).toEqual([0, 0]);
    expect(clickToNormPoint(500, 250, rect)).toEqual([1, 1]);
  });
  it("clamps clicks on the border outside the frame", () => {
    expect(clickToNormPoint(90, 260, rect)).toEqual([0, 1]);
  });
  it("does not divide by an empty rectangle", () => {
    expect(clickToNormPoint(10, 10, { left: 0, top: 0, width: 0, height: 0 })).toEqual([0, 0]);
  });
});

describe("polygons", () => {
  const square: [number, number][] = [
    [0.1, 0.1],
    [0.5, 0.1],
    [0.5, 0.5],
    [0.1, 0.5],
  ];
  it("needs three points that are not on one line", () => {
    expect(polygonProblem(square.slice(0, 2))).toMatch(/at least 3/);
    expect(
      polygonProblem([
        [0, 0],
        [0.5, 0.5],
        [1, 1],
      ]),
    ).toMatch(/one line/);
    expect(polygonProblem(square)).toBeNull();
  });
  it("refuses points outside the frame", () => {
    expect(
      polygonProblem([
        [0, 0],
        [1.2, 0],
        [0, 1],
      ]),
    ).toMatch(/frame/);
  });
  it("computes the area", () => {
    expect(Math.abs(polygonArea(square))).toBeCloseTo(0.16);
  });
  it("closes a polygon, dropping a last click on the first point", () => {
    expect(closePolygon([...square, [0.105, 0.1]])).toEqual(square);
    expect(closePolygon(square)).toEqual(square);
    expect(closePolygon(square.slice(0, 2))).toBeNull();
  });
});

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

describe("moveCursor", () => {
  it("moves by small or big steps and stays in the frame", () => {
    expect(moveCursor([0.5, 0.5], "ArrowRight", false)).toEqual([0.52, 0.5]);
    expect(moveCursor([0.5, 0.5], "ArrowUp", true)).toEqual([0.5, 0.4]);
    expect(moveCursor([0.05, 0.99], "ArrowLeft", true)).toEqual([0, 0.99]);
    expect(moveCursor([0.5, 0.99], "ArrowDown", true)).toEqual([0.5, 1]);
  });
  it("ignores other keys", () => {
    expect(moveCursor([0.5, 0.5], "a", false)).toBeNull();
  });
});
