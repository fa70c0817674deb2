import { describe, expect, it } from "vitest";
import type { ZoneSpec } from "../client";
import { drawZones, tagCorner, ZONE_COLOURS, type ZoneCanvas, zonePixels, zoneTag } from "./zones";

class Recorder implements ZoneCanvas {
  strokeStyle: string | CanvasGradient | CanvasPattern = "";
  fillStyle: string | CanvasGradient | CanvasPattern = "";
  lineWidth = 1;
  font = "";
  texts: string[] = [];
  fills: string[] = [];
  strokes: { colour: string; dash: number[] }[] = [];
  paths: [number, number][][] = [];
  private dash: number[] = [];
  strokeRect() {}
  fillRect() {}
  fillText(text: string) {
    this.texts.push(text);
  }
  measureText(text: string) {
    return { width: text.length * 7 };
  }
  beginPath() {
    this.paths.push([]);
  }
  moveTo(x: number, y: number) {
    this.paths.at(-1)?.push([x, y]);
  }
  lineTo(x: number, y: number) {
    this.paths.at(-1)?.push([x, y]);
  }
  closePath() {}
  setLineDash(segments: number[]) {
    this.dash = segments;
  }
  stroke() {
    this.strokes.push({ colour: String(this.strokeStyle), dash: this.dash });
  }
  arc() {}
  fill() {
    this.fills.push(String(this.fillStyle));
  }
}

const yard: ZoneSpec = {
  name: "yard",
  kind: "restricted",
  points: [
    [0.1, 0.5],
    [0.5, 0.4],
    [0.5, 0.9],
  ],
};
const mask: ZoneSpec = {
  name: "windows",
  kind: "privacy",
  points: [
    [0.4, 0],
    [0.8, 0],
    [0.8, 0.2],
  ],
};

describe("drawZones", () => {
  it("draws each zone where it is, tinted by its kind and named", () => {
    const ctx = new Recorder();
    drawZones(ctx, [yard], 640, 360);
    expect(ctx.paths[0]).toEqual([
      [64, 180],
      [320, 144],
      [320, 324],
    ]);
    expect(ctx.fills[0]).toBe(`${ZONE_COLOURS.restricted}40`);
    expect(ctx.texts).toEqual(["yard · restricted"]);
  });

  it("gives a privacy mask (already black in the picture) a dashed outline and no tint", () => {
    const ctx = new Recorder();
    drawZones(ctx, [mask], 640, 360);
    expect(ctx.fills).toHaveLength(0);
    expect(ctx.strokes[0]?.dash.length).toBe(2);
    expect(ctx.texts).toEqual(["windows · privacy mask"]);
  });
});

describe("zone helpers", () => {
  it("puts the name by the top-most, then left-most corner", () => {
    expect(tagCorner(zonePixels(yard.points, 100, 100))).toEqual([50, 40]);
    expect(tagCorner([])).toEqual([0, 0]);
    expect(zoneTag({ name: "bench", kind: "loiter" })).toBe("bench · loiter");
  });
});
