import { describe, expect, it } from "vitest";
import type { IncidentStats } from "../client";
import { cellColours, heatCellSpan, heatRows, incidentsSearch, plural, timeRows } from "./chartData";
import { contrast } from "./colors";

function stats(overrides: Partial<IncidentStats> = {}): IncidentStats {
  return {
    since: "2026-03-29T00:00:00+01:00",
    until: "2026-03-29T03:30:00+02:00",
    bucket: "hour",
    tz: "Europe/Paris",
    total: 4,
    labels: ["distress", "fall"],
    buckets: [
      {
        start: "2026-03-29T00:00:00+01:00",
        end: "2026-03-29T01:00:00+01:00",
        counts: { distress: 1, fall: 0 },
      },
      {
        start: "2026-03-29T01:00:00+01:00",
        end: "2026-03-29T03:00:00+02:00",
        counts: { distress: 0, fall: 0 },
      },
      {
        start: "2026-03-29T03:00:00+02:00",
        end: "2026-03-29T04:00:00+02:00",
        counts: { distress: 2, fall: 1 },
      },
    ],
    by_camera: [{ camera_id: 1, name: "Gate", count: 4 }],
    by_label: [
      { label: "distress", count: 3 },
      { label: "fall", count: 1 },
    ],
    hour_of_day: [
      { label: "distress", counts: Array.from({ length: 24 }, (_, h) => (h === 0 ? 1 : h === 3 ? 2 : 0)) },
      { label: "fall", counts: Array.from({ length: 24 }, (_, h) => (h === 3 ? 1 : 0)) },
    ],
    ...overrides,
  };
}

describe("timeRows", () => {
  it("labels hourly buckets on the zone's wall clock, across the spring change", () => {
    const rows = timeRows(stats(), "en-GB");
    expect(rows.map((r) => r.tick)).toEqual(["00:00", "01:00", "03:00"]);
    expect(rows[1]?.title).toBe("Sun 29 Mar, 01:00–03:00");
    expect(rows.map((r) => r.total)).toEqual([1, 0, 3]);
    expect(rows[2]?.start.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(rows.map((r) => r.hour)).toEqual([0, 1, 3]);
  });

  it("labels daily buckets by weekday and date", () => {
    const daily = stats({
      bucket: "day",
      buckets: [{ start: "2026-03-30T00:00:00+02:00", end: "2026-03-31T00:00:00+02:00", counts: {} }],
    });
    const [row] = timeRows(daily, "en-GB");
    expect(row?.tick).toBe("Mon 30");
    expect(row?.title).toBe("Mon 30 Mar");
    expect(row?.total).toBe(0);
  });
});

describe("heatRows", () => {
  it("has an 'all' row first, then each label, 24 named cells each", () => {
    const rows = heatRows(stats());
    expect(rows.map((r) => r.label)).toEqual(["all", "distress", "fall"]);
    expect(rows.every((r) => r.cells.length === 24)).toBe(true);
    expect(rows[0]?.cells[3]?.count).toBe(3);
    expect(rows[0]?.total).toBe(4);
    expect(rows[1]?.cells[3]?.name).toBe("distress, 03:00-04:00: 2 incidents");
    expect(rows[1]?.cells[0]?.name).toBe("distress, 00:00-01:00: 1 incident");
    expect(rows[2]?.cells[23]?.name).toBe("fall, 23:00-24:00: 0 incidents");
  });

  it("scales intensity to the row's busiest hour", () => {
    const [, distress] = heatRows(stats());
    expect(distress?.cells[3]?.intensity).toBe(1);
    expect(distress?.cells[0]?.intensity).toBe(0.5);
    expect(distress?.cells[5]?.intensity).toBe(0);
  });
});

describe("heatCellSpan", () => {
  const whole = {
    since: new Date("2026-03-29T00:00:00+01:00"),
    until: new Date("2026-03-29T04:00:00+02:00"),
  };

  it("opens the one hourly bucket at that local hour", () => {
    const rows = timeRows(stats(), "en-GB");
    expect(heatCellSpan(rows, "hour", 3, whole)).toEqual({ since: rows[2]?.start, until: rows[2]?.end });
  });

  it("opens the whole range for daily buckets or an hour not in the range", () => {
    const rows = timeRows(stats(), "en-GB");
    expect(heatCellSpan(rows, "hour", 2, whole)).toBe(whole);
    expect(heatCellSpan(rows, "day", 3, whole)).toBe(whole);
  });
});

describe("cellColours", () => {
  it("leaves empty cells clear and keeps text readable on any intensity", () => {
    expect(cellColours("#f48fb1", 0).background).toBe("transparent");
    for (const intensity of [0.1, 0.3, 0.5, 0.7, 1]) {
      for (const colour of ["#f48fb1", "#fff176", "#4ea1ff", "#ef5350"]) {
        const { background, text } = cellColours(colour, intensity);
        expect(contrast(background, text)).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});

describe("incidentsSearch", () => {
  const now = new Date(2026, 4, 20, 14, 37);

  it("bounds a past span on both sides, in local minutes, with its filters", () => {
    const span = { since: new Date(2026, 4, 19), until: new Date(2026, 4, 20) };
    expect(incidentsSearch(span, now, { camera: 2, label: "fall" })).toEqual({
      since: "2026-05-19T00:00",
      until: "2026-05-20T00:00",
      camera: 2,
      label: "fall",
    });
  });

  it("leaves the upper bound open when the span reaches now, and 'all' is no label", () => {
    const span = { since: new Date(2026, 4, 20, 14), until: new Date(2026, 4, 20, 15) };
    expect(incidentsSearch(span, now, { label: "all" })).toEqual({ since: "2026-05-20T14:00" });
  });
});

describe("plural", () => {
  it("counts in words", () => {
    expect(plural(1)).toBe("1 incident");
    expect(plural(42)).toBe("42 incidents");
  });
});
