import { describe, expect, it } from "vitest";
import {
  axisTicks,
  formatDuration,
  laneCount,
  layoutMarks,
  quickRange,
  type TimelineIncident,
  timelineWindow,
} from "./timeline";

const T0 = Date.UTC(2026, 4, 20, 12, 0, 0);
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const MIN = 60_000;

function incident(id: number, startMin: number, endMin: number | null, severity = "high"): TimelineIncident {
  return {
    id,
    label: "distress",
    severity,
    started_at: iso(startMin * MIN),
    ended_at: endMin === null ? null : iso(endMin * MIN),
  };
}

describe("timelineWindow", () => {
  it("spans the listed incidents, open ones up to now, padded 2 % but not into the future", () => {
    const open = timelineWindow([incident(1, 0, 10), incident(2, 50, null)], {}, T0 + 100 * MIN);
    expect(open.start).toBe(T0 - 2 * MIN);
    expect(open.end).toBe(T0 + 100 * MIN);
    const closed = timelineWindow([incident(1, 0, 10), incident(2, 50, 100)], {}, T0 + 200 * MIN);
    expect(closed.end).toBe(T0 + 102 * MIN);
  });

  it("follows the From / Until filters when they are set", () => {
    const since = "2026-05-20T10:00";
    const until = "2026-05-20T11:00";
    const w = timelineWindow([incident(1, 0, 10)], { since, until }, T0);
    expect(w).toEqual({ start: new Date(since).getTime(), end: new Date(until).getTime() });
    const open = timelineWindow([], { since }, T0 + 5 * 3_600_000);
    expect(open.end).toBe(T0 + 5 * 3_600_000);
  });

  it("shows the last hour when there is nothing, and never less than a minute", () => {
    expect(timelineWindow([], {}, T0)).toEqual({ start: T0 - 3_600_000, end: T0 });
    const single = timelineWindow([incident(1, 0, 0)], {}, T0);
    expect(single.end - single.start).toBeGreaterThanOrEqual(MIN);
  });
});

describe("layoutMarks", () => {
  const window = { start: T0, end: T0 + 100 * MIN };

  it("places a mark at its start, as wide as its duration", () => {
    const [mark] = layoutMarks([incident(1, 20, 30)], window, T0 + 100 * MIN);
    expect(mark?.left).toBeCloseTo(20);
    expect(mark?.width).toBeCloseTo(10);
    expect(mark?.lane).toBe(0);
  });

  it("gives instants a minimum width and keeps the last one inside the strip", () => {
    const marks = layoutMarks([incident(1, 10, 10), incident(2, 100, 100)], window, T0, { minWidth: 2 });
    expect(marks.map((m) => m.width)).toEqual([2, 2]);
    expect(marks[1]?.left).toBe(98);
  });

  it("runs open incidents up to now and says so", () => {
    const [mark] = layoutMarks([incident(1, 50, null)], window, T0 + 75 * MIN, {
      formatTime: () => "12:50",
    });
    expect(mark?.width).toBeCloseTo(25);
    expect(mark?.open).toBe(true);
    expect(mark?.name).toBe("Distress, high severity, 12:50, ongoing");
  });

  it("names a closed incident with its duration", () => {
    const [mark] = layoutMarks([incident(1, 0, 2.5)], window, T0, { formatTime: () => "12:00" });
    expect(mark?.name).toBe("Distress, high severity, 12:00, lasted 2 min 30 s");
  });

  it("puts overlapping incidents on separate lanes, in start order", () => {
    const marks = layoutMarks([incident(3, 40, 60), incident(1, 0, 50), incident(2, 70, 80)], window, T0);
    expect(marks.map((m) => [m.id, m.lane])).toEqual([
      [1, 0],
      [3, 1],
      [2, 0],
    ]);
    expect(laneCount(marks)).toBe(2);
  });

  it("shares the least crowded lane once all lanes are taken", () => {
    const marks = layoutMarks([incident(1, 0, 90), incident(2, 5, 20), incident(3, 10, 30)], window, T0, {
      lanes: 2,
    });
    expect(marks.map((m) => m.lane)).toEqual([0, 1, 1]);
  });

  it("leaves out incidents outside the window", () => {
    expect(layoutMarks([incident(1, -30, -20), incident(2, 120, 130)], window, T0)).toEqual([]);
  });
});

describe("the rest", () => {
  it("formats durations", () => {
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(3_780_000)).toBe("1 h 3 min");
    expect(formatDuration(7_200_000)).toBe("2 h");
  });

  it("spaces axis ticks evenly", () => {
    const ticks = axisTicks({ start: 0, end: 4000 }, 5);
    expect(ticks.map((t) => [t.left, t.time.getTime()])).toEqual([
      [0, 0],
      [25, 1000],
      [50, 2000],
      [75, 3000],
      [100, 4000],
    ]);
  });

  it("turns a quick range into a From filter with no Until", () => {
    const now = new Date(2026, 4, 20, 14, 37);
    expect(quickRange(3_600_000, now)).toEqual({ since: "2026-05-20T13:37", until: undefined });
  });
});
