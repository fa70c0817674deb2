/** Zone polygons in frame coordinates (0..1 from the top-left corner), as the API stores them. */

export type NormPoint = [number, number];

export const MIN_ZONE_POINTS = 3;

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/** Where a click at (clientX, clientY) lands on an element showing the frame, normalised 0..1. */
export function clickToNormPoint(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
): NormPoint {
  if (rect.width <= 0 || rect.height <= 0) return [0, 0];
  const round = (value: number) => Math.round(clamp01(value) * 10_000) / 10_000;
  return [round((clientX - rect.left) / rect.width), round((clientY - rect.top) / rect.height)];
}

/** Why these points cannot be a zone yet, or null when they can. */
export function polygonProblem(points: readonly NormPoint[]): string | null {
  if (points.length < MIN_ZONE_POINTS) return `A zone needs at least ${MIN_ZONE_POINTS} points.`;
  if (points.some(([x, y]) => x < 0 || x > 1 || y < 0 || y > 1)) return "Every point must lie in the frame.";
  if (Math.abs(polygonArea(points)) < 1e-6) return "The points lie on one line.";
  return null;
}

/** Signed area (shoelace); 0 for a degenerate polygon. */
export function polygonArea(points: readonly NormPoint[]): number {
  let twice = 0;
  for (let i = 0; i < points.length; i += 1) {
    const [x1, y1] = points[i] as NormPoint;
    const [x2, y2] = points[(i + 1) % points.length] as NormPoint;
    twice += x1 * y2 - x2 * y1;
  }
  return twice / 2;
}

/**
 * Close the polygon being drawn: the draft's points, without a last click repeated on the first point,
 * or null when they do not make a zone.
 */
export function closePolygon(draft: readonly NormPoint[], tolerance = 0.01): NormPoint[] | null {
  const points = [...draft];
  const first = points[0];
  const last = points.at(-1);
  if (points.length > 1 && first && last && Math.hypot(first[0] - last[0], first[1] - last[1]) <= tolerance) {
    points.pop();
  }
  return polygonProblem(points) === null ? points : null;
}

/** The points in pixels of a canvas of this size, for drawing. */
export function toPixels(points: readonly NormPoint[], width: number, height: number): NormPoint[] {
  return points.map(([x, y]) => [x * width, y * height]);
}

const ARROWS: Record<string, NormPoint> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** The keyboard cursor moved by an arrow key (a bigger step with Shift), kept in the frame; null: not an arrow. */
export function moveCursor(cursor: NormPoint, key: string, big: boolean): NormPoint | null {
  const direction = ARROWS[key];
  if (!direction) return null;
  const step = big ? 0.1 : 0.02;
  const round = (value: number) => Math.round(clamp01(value) * 10_000) / 10_000;
  return [round(cursor[0] + direction[0] * step), round(cursor[1] + direction[1] * step)];
}

/** A point kept inside the frame, rounded to 4 decimals as the other points are. */
export function clampPoint([x, y]: NormPoint): NormPoint {
  const round = (value: number) => Math.round(clamp01(value) * 10_000) / 10_000;
  return [round(x), round(y)];
}

/**
 * The corner of `points` nearest to `target` on a picture of `width` × `height` px, or null when none is
 * within `radiusPx` (distances are measured in pixels, so a corner is as easy to grab in x as in y).
 */
export function nearestCorner(
  points: readonly NormPoint[],
  target: NormPoint,
  width: number,
  height: number,
  radiusPx: number,
): number | null {
  let best: number | null = null;
  let bestDistance = radiusPx;
  points.forEach(([x, y], index) => {
    const distance = Math.hypot((x - target[0]) * width, (y - target[1]) * height);
    if (distance <= bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/** The polygon with corner `index` moved to `to` (kept in the frame); the same points for a bad index. */
export function moveCorner(points: readonly NormPoint[], index: number, to: NormPoint): NormPoint[] {
  if (index < 0 || index >= points.length) return [...points];
  return points.map((point, i) => (i === index ? clampPoint(to) : point));
}

/** The polygon with corner `index` moved by an arrow key (Shift: a bigger step); null: not an arrow. */
export function nudgeCorner(
  points: readonly NormPoint[],
  index: number,
  key: string,
  big: boolean,
): NormPoint[] | null {
  const corner = points[index];
  if (!corner) return null;
  const moved = moveCursor(corner, key, big);
  return moved ? moveCorner(points, index, moved) : null;
}

/** The polygon without corner `index`, or null when that would leave fewer than 3 corners. */
export function removeCorner(points: readonly NormPoint[], index: number): NormPoint[] | null {
  if (points.length <= MIN_ZONE_POINTS || index < 0 || index >= points.length) return null;
  return points.filter((_, i) => i !== index);
}
