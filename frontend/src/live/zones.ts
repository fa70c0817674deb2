/** A camera's saved zones drawn over its live picture (the wall's "Zones" switch). Privacy masks are
 * already black in the picture (the server blacks them out); they get a dashed outline only. */
import type { ZoneKind, ZoneSpec } from "../client";
import { fontSize, type OverlayCanvas, tag } from "./overlay";

export interface ZoneCanvas extends OverlayCanvas {
  closePath(): void;
  setLineDash(segments: number[]): void;
}

/** The zone editor's colours: restricted red, loiter amber, privacy grey. */
export const ZONE_COLOURS: Record<ZoneKind, string> = {
  restricted: "#ef5350",
  loiter: "#e8a33d",
  privacy: "#b0bec5",
};

const ZONE_WORDS: Record<ZoneKind, string> = {
  restricted: "restricted",
  loiter: "loiter",
  privacy: "privacy mask",
};

/** A zone's corners in canvas pixels. */
export function zonePixels(
  points: readonly [number, number][],
  width: number,
  height: number,
): [number, number][] {
  return points.map(([x, y]) => [x * width, y * height]);
}

/** What a zone's name tag says: `yard · loiter`. */
export function zoneTag(zone: Pick<ZoneSpec, "name" | "kind">): string {
  return `${zone.name} · ${ZONE_WORDS[zone.kind]}`;
}

/** The corner its name goes by: the top-most, then left-most. */
export function tagCorner(pixels: readonly [number, number][]): [number, number] {
  let best: [number, number] = pixels[0] ?? [0, 0];
  for (const p of pixels) if (p[1] < best[1] || (p[1] === best[1] && p[0] < best[0])) best = p;
  return best;
}

export function drawZones(ctx: ZoneCanvas, zones: readonly ZoneSpec[], width: number, height: number): void {
  const size = fontSize(width);
  const line = Math.max(2, width / 320);
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  for (const zone of zones) {
    const pixels = zonePixels(zone.points, width, height);
    if (pixels.length < 3) continue;
    const colour = ZONE_COLOURS[zone.kind];
    const privacy = zone.kind === "privacy";
    ctx.lineWidth = line;
    ctx.strokeStyle = colour;
    ctx.setLineDash(privacy ? [line * 4, line * 3] : []);
    ctx.beginPath();
    pixels.forEach(([x, y], i) => {
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.closePath();
    if (!privacy) {
      ctx.fillStyle = `${colour}40`; // a quarter opaque: the picture stays readable under it
      ctx.fill();
    }
    ctx.stroke();
    ctx.setLineDash([]);
    const [x, y] = tagCorner(pixels);
    tag(ctx, zoneTag(zone), [x, y + size * 1.6], colour, size, width);
  }
}
