/** Drawing a frame's overlay (boxes, skeletons, faces, actions, sounds) on a canvas of any size. */
import { labelWords } from "../ui/labels";
import type { NormBox, Overlay, OverlaySound } from "./types";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The canvas calls the overlay makes; a CanvasRenderingContext2D satisfies it, so does a test recorder. */
export interface OverlayCanvas {
  strokeStyle: string | CanvasGradient | CanvasPattern;
  fillStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  font: string;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  arc(x: number, y: number, radius: number, start: number, end: number): void;
  fill(): void;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** A normalised box in canvas pixels, clipped to the canvas; corners may come in either order. */
export function boxToRect(box: NormBox, width: number, height: number): Rect {
  const [a, b, c, d] = box.map(clamp01) as NormBox;
  const x1 = Math.min(a, c) * width;
  const x2 = Math.max(a, c) * width;
  const y1 = Math.min(b, d) * height;
  const y2 = Math.max(b, d) * height;
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** COCO-17 limbs as keypoint index pairs (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles). */
export const SKELETON: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 3],
  [2, 4],
  [5, 6],
  [5, 7],
  [7, 9],
  [6, 8],
  [8, 10],
  [5, 11],
  [6, 12],
  [11, 12],
  [11, 13],
  [13, 15],
  [12, 14],
  [14, 16],
];

/** Keypoints below this confidence are not drawn, nor the limbs that touch them. */
export const KEYPOINT_MIN_CONF = 0.3;

/** Limb segments in canvas pixels for one pose: only limbs whose two ends are confident. */
export function limbSegments(
  keypoints: readonly (readonly [number, number, number])[],
  width: number,
  height: number,
): [number, number, number, number][] {
  const segments: [number, number, number, number][] = [];
  for (const [i, j] of SKELETON) {
    const a = keypoints[i];
    const b = keypoints[j];
    if (!a || !b || a[2] < KEYPOINT_MIN_CONF || b[2] < KEYPOINT_MIN_CONF) continue;
    segments.push([a[0] * width, a[1] * height, b[0] * width, b[1] * height]);
  }
  return segments;
}

export function percent(conf: number): string {
  return `${Math.round(conf * 100)}%`;
}

export function detectionLabel(label: string, conf: number, trackId: number | null): string {
  return trackId === null ? `${label} ${percent(conf)}` : `${label} #${trackId} ${percent(conf)}`;
}

/** Colours by what is drawn; people green, other objects amber, faces cyan, actions red. */
export const COLOURS = {
  person: "#3ddc84",
  object: "#ffb020",
  pose: "#7cc4ff",
  face: "#22d3ee",
  action: "#ff4d4f",
  text: "#0b0f14",
  sound: "#f5f5f5",
} as const;

/** Text size that stays readable on a 375 px phone tile and on an enlarged 1920 px view. */
export function fontSize(width: number): number {
  return Math.round(Math.min(22, Math.max(11, width / 45)));
}

/** A label on a filled background, above (x, y) when there is room, kept inside the canvas. */
export function tag(
  ctx: OverlayCanvas,
  text: string,
  at: [number, number],
  colour: string,
  size: number,
  width: number,
): void {
  const pad = Math.round(size / 4);
  const w = ctx.measureText(text).width + 2 * pad;
  const h = size + 2 * pad;
  const x = Math.max(0, Math.min(at[0], width - w));
  const top = at[1] - h < 0 ? at[1] : at[1] - h;
  ctx.fillStyle = colour;
  ctx.fillRect(x, top, w, h);
  ctx.fillStyle = COLOURS.text;
  ctx.fillText(text, x + pad, top + pad + size * 0.85);
}

/** One sound per label, at its highest confidence: several models (or overlapping windows of one) often
 * name the same sound, and the overlay says it once. Strongest first. */
export function mergeSounds(sounds: readonly OverlaySound[]): OverlaySound[] {
  const best = new Map<string, OverlaySound>();
  for (const sound of sounds) {
    const kept = best.get(sound.label);
    if (kept === undefined || sound.conf > kept.conf) best.set(sound.label, sound);
  }
  return [...best.values()].sort((a, b) => b.conf - a.conf);
}

/** Draw every part of the overlay onto a canvas already holding the frame, `width`×`height` pixels. */
export function drawOverlay(ctx: OverlayCanvas, overlay: Overlay, width: number, height: number): void {
  const size = fontSize(width);
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.lineWidth = Math.max(2, width / 400);

  for (const pose of overlay.poses) {
    ctx.strokeStyle = COLOURS.pose;
    ctx.beginPath();
    for (const [x1, y1, x2, y2] of limbSegments(pose.keypoints, width, height)) {
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
    }
    ctx.stroke();
    ctx.fillStyle = COLOURS.pose;
    for (const [x, y, conf] of pose.keypoints) {
      if (conf < KEYPOINT_MIN_CONF) continue;
      ctx.beginPath();
      ctx.arc(x * width, y * height, ctx.lineWidth * 1.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  for (const d of overlay.detections) {
    const colour = d.label === "person" ? COLOURS.person : COLOURS.object;
    const r = boxToRect(d.box, width, height);
    ctx.strokeStyle = colour;
    ctx.strokeRect(r.x, r.y, r.width, r.height);
    tag(ctx, detectionLabel(d.label, d.conf, d.track_id), [r.x, r.y], colour, size, width);
  }

  for (const f of overlay.faces) {
    const r = boxToRect(f.box, width, height);
    ctx.strokeStyle = COLOURS.face;
    ctx.strokeRect(r.x, r.y, r.width, r.height);
    if (f.emotion) {
      const text = `${f.emotion} ${percent(f.emotion_conf ?? f.conf)}`;
      tag(ctx, text, [r.x, r.y + r.height + size * 1.5], COLOURS.face, size, width);
    }
  }

  for (const a of overlay.actions) {
    const r = boxToRect(a.box, width, height);
    ctx.strokeStyle = COLOURS.action;
    ctx.lineWidth = Math.max(3, width / 250);
    ctx.strokeRect(r.x, r.y, r.width, r.height);
    tag(
      ctx,
      `${labelWords(a.label)} ${percent(a.conf)}`,
      [r.x, r.y + r.height + size * 1.5],
      COLOURS.action,
      size,
      width,
    );
  }

  let y = height - size;
  for (const s of mergeSounds(overlay.sounds)) {
    tag(ctx, `♪ ${labelWords(s.label)} ${percent(s.conf)}`, [size / 2, y], COLOURS.sound, size, width);
    y -= size * 2;
  }
}
