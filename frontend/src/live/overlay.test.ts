import { describe, expect, it } from "vitest";
import { boxToRect, drawOverlay, limbSegments, mergeSounds, type OverlayCanvas } from "./overlay";
import type { Overlay, OverlaySound } from "./types";

class Recorder implements OverlayCanvas {
  strokeStyle: string | CanvasGradient | CanvasPattern = "";
  fillStyle: string | CanvasGradient | CanvasPattern = "";
  lineWidth = 1;
  font = "";
  rects: { x: number; y: number; w: number; h: number; colour: string }[] = [];
  texts: string[] = [];
  lines: number[][] = [];
  dots = 0;
  strokeRect(x: number, y: number, w: number, h: number) {
    this.rects.push({ x, y, w, h, colour: String(this.strokeStyle) });
  }
  fills: { x: number; w: number }[] = [];
  fillRect(x: number, _y: number, w: number) {
    this.fills.push({ x, w });
  }
  fillText(text: string) {
    this.texts.push(text);
  }
  measureText(text: string) {
    return { width: text.length * 7 };
  }
  beginPath() {}
  private from: [number, number] = [0, 0];
  moveTo(x: number, y: number) {
    this.from = [x, y];
  }
  lineTo(x: number, y: number) {
    this.lines.push([...this.from, x, y]);
  }
  stroke() {}
  arc() {
    this.dots += 1;
  }
  fill() {}
}

const EMPTY: Overlay = { t_s: 0, motion: 0, detections: [], poses: [], faces: [], actions: [], sounds: [] };

describe("boxToRect", () => {
  it("scales a normalised box to canvas pixels", () => {
    expect(boxToRect([0.25, 0.5, 0.75, 1], 640, 360)).toEqual({ x: 160, y: 180, width: 320, height: 180 });
  });

  it("clips to the frame and accepts swapped corners", () => {
    expect(boxToRect([1.2, 0.9, -0.1, 0.1], 100, 100)).toEqual({ x: 0, y: 10, width: 100, height: 80 });
  });
});

describe("limbSegments", () => {
  const keypoints = Array.from({ length: 17 }, (_, i) => [i / 20, i / 20, 0.9] as [number, number, number]);

  it("draws all 16 COCO limbs when every keypoint is confident", () => {
    const segments = limbSegments(keypoints, 200, 100);
    expect(segments).toHaveLength(16);
    // left shoulder (5) to left elbow (7)
    expect(segments).toContainEqual([50, 25, 70, 35]);
  });

  it("leaves out limbs that touch an unconfident keypoint", () => {
    const lowElbow = keypoints.map((k, i) => (i === 7 ? ([k[0], k[1], 0.1] as [number, number, number]) : k));
    const segments = limbSegments(lowElbow, 200, 100);
    expect(segments).toHaveLength(14); // shoulder–elbow and elbow–wrist gone
    expect(segments).not.toContainEqual([50, 25, 70, 35]);
  });
});

describe("drawOverlay", () => {
  it("draws each detection's box where it is, labelled with track and confidence", () => {
    const ctx = new Recorder();
    drawOverlay(
      ctx,
      {
        ...EMPTY,
        detections: [
          { label: "person", conf: 0.876, box: [0.1, 0.2, 0.3, 0.8], track_id: 7 },
          { label: "backpack", conf: 0.5, box: [0.5, 0.5, 0.6, 0.7], track_id: null },
        ],
      },
      1000,
      500,
    );
    expect(ctx.rects).toHaveLength(2);
    expect(ctx.rects[0]).toMatchObject({ x: 100, y: 100, w: 200, h: 300 });
    expect(ctx.rects[0]?.colour).not.toBe(ctx.rects[1]?.colour);
    expect(ctx.texts).toEqual(["person #7 88%", "backpack 50%"]);
  });

  it("draws a pose's limbs and confident keypoints, faces, actions and sounds", () => {
    const ctx = new Recorder();
    const keypoints = Array.from({ length: 17 }, () => [0.5, 0.5, 0.9] as [number, number, number]);
    keypoints[0] = [0.5, 0.5, 0.0];
    drawOverlay(
      ctx,
      {
        ...EMPTY,
        poses: [{ box: [0, 0, 1, 1], conf: 0.9, keypoints }],
        faces: [{ box: [0.4, 0.1, 0.5, 0.2], conf: 0.9, emotion: "angry", emotion_conf: 0.61 }],
        actions: [{ label: "fight", conf: 0.72, box: [0.1, 0.1, 0.9, 0.9], track_ids: [1, 2] }],
        sounds: [{ label: "scream", conf: 0.93, t_s: 1, end_s: 2, source: "yamnet" }],
      },
      640,
      360,
    );
    expect(ctx.lines).toHaveLength(14); // 16 limbs less the 2 (nose–eyes) that touch the unconfident nose
    expect(ctx.dots).toBe(16);
    expect(ctx.rects).toHaveLength(2); // face and action
    expect(ctx.texts).toEqual(["angry 61%", "Fight 72%", "♪ Scream 93%"]);
  });

  it("keeps a label inside the canvas when its box touches the right edge", () => {
    const ctx = new Recorder();
    const box: [number, number, number, number] = [0.95, 0.5, 1, 0.9];
    drawOverlay(ctx, { ...EMPTY, detections: [{ label: "truck", conf: 0.9, box, track_id: 12 }] }, 640, 360);
    const label = ctx.fills[0];
    expect(label).toBeDefined();
    expect((label?.x ?? 0) + (label?.w ?? 0)).toBeLessThanOrEqual(640);
    expect(ctx.rects[0]?.x).toBe(608); // the box itself stays where it is
  });

  it("draws nothing for an empty overlay", () => {
    const ctx = new Recorder();
    drawOverlay(ctx, EMPTY, 640, 360);
    expect(ctx.rects).toHaveLength(0);
    expect(ctx.texts).toHaveLength(0);
  });
});

describe("mergeSounds", () => {
  const sound = (label: string, conf: number, source: string, t_s = 1): OverlaySound => ({
    label,
    conf,
    t_s,
    end_s: t_s + 1,
    source,
  });

  it("keeps one sound per label, the most confident, strongest first", () => {
    const merged = mergeSounds([
      sound("dog_bark", 0.55, "yamnet", 1),
      sound("scream", 0.4, "yamnet"),
      sound("dog_bark", 0.81, "acoustic_dog", 1.5),
      sound("dog_bark", 0.6, "yamnet", 2), // an overlapping window of the same bark
    ]);
    expect(merged.map((s) => [s.label, s.conf, s.source])).toEqual([
      ["dog_bark", 0.81, "acoustic_dog"],
      ["scream", 0.4, "yamnet"],
    ]);
  });

  it("draws a sound heard by two models once, in words, at its best confidence", () => {
    const ctx = new Recorder();
    drawOverlay(
      ctx,
      { ...EMPTY, sounds: [sound("glass_break", 0.7, "yamnet"), sound("glass_break", 0.9, "panns")] },
      640,
      360,
    );
    expect(ctx.texts).toEqual(["♪ Glass breaking 90%"]);
  });
});
