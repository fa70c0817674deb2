/** The zones editor's picture: the live frame, the zones over it, the zone being drawn and the keyboard's
 * cross, drawn on a canvas. */
import type { ZoneKind, ZoneSpec } from "../../client";
import { type NormPoint, toPixels } from "../geometry";

export const ZONE_COLOURS: Record<ZoneKind, string> = {
  restricted: "#ef5350",
  loiter: "#e8a33d",
  privacy: "#b39ddb",
};
const SELECTED_COLOUR = "#ffd54f";
const DRAFT_COLOUR = "#4ea1ff";

interface DrawStyle {
  closed: boolean;
  privacy?: boolean;
  selected?: boolean;
  activeCorner?: number | null;
}

function drawPolygon(ctx: CanvasRenderingContext2D, points: NormPoint[], colour: string, style: DrawStyle) {
  const { width, height } = ctx.canvas;
  const pixels = toPixels(points, width, height);
  const line = Math.max(2, width / 320);
  ctx.strokeStyle = style.selected ? SELECTED_COLOUR : colour;
  // A privacy mask is shown dark and dashed: it is what nobody will see (the server blacks it out).
  ctx.fillStyle = style.privacy ? "rgba(0, 0, 0, 0.75)" : `${colour}40`;
  ctx.lineWidth = style.selected ? line * 1.5 : line;
  ctx.setLineDash(style.privacy ? [line * 4, line * 3] : []);
  ctx.beginPath();
  pixels.forEach(([x, y], i) => {
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  if (style.closed) {
    ctx.closePath();
    ctx.fill();
  }
  ctx.stroke();
  ctx.setLineDash([]);
  pixels.forEach(([x, y], index) => {
    const handle = style.selected ? line * 4 : line * 2;
    ctx.beginPath();
    ctx.arc(x, y, handle, 0, 2 * Math.PI);
    ctx.fillStyle = style.selected ? "#000" : colour;
    ctx.fill();
    if (style.selected) {
      ctx.lineWidth = index === style.activeCorner ? line * 2 : line;
      ctx.strokeStyle = index === style.activeCorner ? SELECTED_COLOUR : colour;
      ctx.stroke();
      if (index === style.activeCorner) {
        ctx.beginPath();
        ctx.arc(x, y, line * 1.5, 0, 2 * Math.PI);
        ctx.fillStyle = SELECTED_COLOUR;
        ctx.fill();
      }
    }
  });
}

function drawZone(ctx: CanvasRenderingContext2D, zone: ZoneSpec, selected: { corner: number } | null) {
  drawPolygon(ctx, zone.points as NormPoint[], ZONE_COLOURS[zone.kind], {
    closed: true,
    privacy: zone.kind === "privacy",
    ...(selected ? { selected: true, activeCorner: selected.corner } : {}),
  });
}

/** The keyboard's cross, where Space adds a corner. */
function drawCross(ctx: CanvasRenderingContext2D, [cx, cy]: NormPoint) {
  const { width, height } = ctx.canvas;
  const [x, y] = [cx * width, cy * height];
  const arm = width / 40;
  ctx.strokeStyle = SELECTED_COLOUR;
  ctx.lineWidth = Math.max(2, width / 320);
  ctx.beginPath();
  ctx.moveTo(x - arm, y);
  ctx.lineTo(x + arm, y);
  ctx.moveTo(x, y - arm);
  ctx.lineTo(x, y + arm);
  ctx.stroke();
}

export interface Scene {
  frame: ImageBitmap | null;
  zones: readonly ZoneSpec[];
  /** The zone being edited (drawn last, on top, with its corners) and its chosen corner. */
  selected: number | null;
  corner: number;
  draft: NormPoint[];
  cursor: NormPoint | null;
}

/** Draw the scene; the canvas takes the frame's size. */
export function drawScene(canvas: HTMLCanvasElement, scene: Scene) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { frame, zones, selected, corner, draft, cursor } = scene;
  if (frame && (canvas.width !== frame.width || canvas.height !== frame.height)) {
    canvas.width = frame.width;
    canvas.height = frame.height;
  }
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (frame) ctx.drawImage(frame, 0, 0);
  zones.forEach((zone, index) => {
    if (index !== selected) drawZone(ctx, zone, null);
  });
  const chosen = selected !== null ? zones[selected] : undefined;
  if (chosen) drawZone(ctx, chosen, { corner });
  if (draft.length > 0) drawPolygon(ctx, draft, DRAFT_COLOUR, { closed: false });
  if (cursor && !chosen) drawCross(ctx, cursor);
}
