import { describe, expect, it } from "vitest";
import {
  clampPoint,
  clickToNormPoint,
  closePolygon,
  moveCorner,
  moveCursor,
  type NormPoint,
  nearestCorner,
  nudgeCorner,
  polygonArea,
  polygonProblem,
  removeCorner,
} from "./geometry";

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

describe("editing corners", () => {
  const square: NormPoint[] = [
    [0.2, 0.2],
    [0.6, 0.2],
    [0.6, 0.6],
    [0.2, 0.6],
  ];
  it("finds the nearest corner within the radius, in pixels", () => {
    expect(nearestCorner(square, [0.61, 0.19], 1000, 500, 20)).toBe(1);
    expect(nearestCorner(square, [0.4, 0.4], 1000, 500, 20)).toBeNull();
    // 0.03 of the width is 30 px: out of reach; 0.03 of a 500 px height is 15 px: in reach
    expect(nearestCorner(square, [0.23, 0.2], 1000, 500, 20)).toBeNull();
    expect(nearestCorner(square, [0.2, 0.23], 1000, 500, 20)).toBe(0);
  });
  it("takes the nearer of two corners in reach", () => {
    const close: NormPoint[] = [
      [0.5, 0.5],
      [0.51, 0.5],
      [0.5, 0.9],
    ];
    expect(nearestCorner(close, [0.508, 0.5], 1000, 1000, 20)).toBe(1);
  });
  it("moves a corner, kept in the frame", () => {
    expect(moveCorner(square, 2, [1.3, 0.75])).toEqual([
      [0.2, 0.2],
      [0.6, 0.2],
      [1, 0.75],
      [0.2, 0.6],
    ]);
    expect(moveCorner(square, 9, [0.5, 0.5])).toEqual(square);
    expect(clampPoint([-0.2, 0.123456])).toEqual([0, 0.1235]);
  });
  it("nudges a corner by arrow keys, Shift for bigger steps", () => {
    expect(nudgeCorner(square, 0, "ArrowRight", false)?.[0]).toEqual([0.22, 0.2]);
    expect(nudgeCorner(square, 3, "ArrowDown", true)?.[3]).toEqual([0.2, 0.7]);
    expect(nudgeCorner([[0, 0.5], ...square.slice(1)], 0, "ArrowLeft", true)?.[0]).toEqual([0, 0.5]);
    expect(nudgeCorner(square, 0, "a", false)).toBeNull();
    expect(nudgeCorner(square, 7, "ArrowLeft", false)).toBeNull();
  });
  it("removes a corner but keeps at least three", () => {
    const triangle = removeCorner(square, 1);
    expect(triangle).toEqual([
      [0.2, 0.2],
      [0.6, 0.6],
      [0.2, 0.6],
    ]);
    expect(removeCorner(triangle ?? [], 0)).toBeNull();
    expect(removeCorner(square, 4)).toBeNull();
  });
});
