import { describe, expect, it } from "vitest";
import type { ActivityPoint, ExpectedHour } from "../client";
import {
  absorbedText,
  activityError,
  anomalyFindings,
  bandRows,
  dayHours,
  dayWords,
  formatRange,
  formatValue,
  hasActivity,
  hourLabel,
  knownZone,
  learningText,
  measureTitle,
  shiftDay,
  slotPoints,
  unusualCount,
  verdictOf,
} from "./activityData";

function hour(h: number, low: number, mid: number, high: number): ExpectedHour {
  return {
    hour: h,
    starts_at: `2026-03-13T${String(h).padStart(2, "0")}:00:00Z`,
    low,
    mid,
    high,
    history: 30,
  };
}

function slot(startedAt: string, value: number, extra: Partial<ActivityPoint> = {}): ActivityPoint {
  return { started_at: startedAt, slot_s: 60, value, low: 0, mid: 0.5, high: 2, direction: null, ...extra };
}

describe("learningText", () => {
  it("says how far learning is, that detection is off, or what the baseline rests on", () => {
    expect(learningText({ enabled: true, days: 2, days_needed: 7, learning: true })).toBe(
      "Learning, 2 of 7 days",
    );
    expect(learningText({ enabled: true, days: 0, days_needed: 3, learning: true })).toBe(
      "Learning, 0 of 3 days",
    );
    expect(learningText({ enabled: true, days: 9, days_needed: 7, learning: false })).toBe(
      "Baseline from 9 days",
    );
    expect(learningText({ enabled: true, days: 1, days_needed: 0, learning: false })).toBe(
      "Baseline from 1 day",
    );
    expect(learningText({ enabled: false, days: 0, days_needed: 7, learning: true })).toBe(
      "Anomaly detection is off on this server",
    );
  });
});

describe("formatting with units", () => {
  it("writes whole numbers as they are and others to a useful precision", () => {
    expect(formatValue(7, "people")).toBe("7 people");
    expect(formatValue(1.25, "people")).toBe("1.3 people");
    expect(formatValue(-62.44, "dBFS")).toBe("-62.4 dBFS");
    expect(formatValue(0.083, "frame widths/s")).toBe("0.08 frame widths/s");
    expect(formatValue(312.6, "s")).toBe("313 s");
    expect(formatValue(3.5, "")).toBe("3.5");
  });

  it("writes ranges with a dash, or with 'to' where a minus sign would run into it", () => {
    expect(formatRange(0, 2, "people")).toBe("0–2 people");
    expect(formatRange(-70.2, -58, "dBFS")).toBe("-70.2 to -58 dBFS");
  });

  it("titles a chart with its measure in words and its unit", () => {
    expect(measureTitle({ label: "people in view", unit: "people" })).toBe("People in view (people)");
    expect(measureTitle({ label: "time spent in zone Gate", unit: "s" })).toBe("Time spent in zone Gate (s)");
  });

  it("labels the hour axis as a clock, up to the day's end", () => {
    expect(hourLabel(0)).toBe("00:00");
    expect(hourLabel(3.5)).toBe("03:30");
    expect(hourLabel(24)).toBe("24:00");
  });
});

describe("bandRows", () => {
  it("holds each hour's range flat over its hour, in hour order, leaving hours without history out", () => {
    const rows = bandRows([hour(4, 1, 2, 3), hour(3, 0, 0.5, 2)]);
    expect(rows).toEqual([
      { x: 3, band: [0, 2], mid: 0.5 },
      { x: 4, band: [0, 2], mid: 0.5 },
      { x: 4, band: [1, 3], mid: 2 },
      { x: 5, band: [1, 3], mid: 2 },
    ]);
    expect(bandRows([])).toEqual([]);
  });
});

describe("slotPoints", () => {
  it("places slots on the camera's clock and says which are unusual, in time order", () => {
    const points = slotPoints(
      [
        slot("2026-03-13T03:01:00Z", 7, { direction: "high" }),
        slot("2026-03-13T03:00:00Z", 1),
        slot("2026-03-13T03:02:00Z", 0, { low: null, mid: null, high: null }),
      ],
      "people",
      "UTC",
    );
    expect(points.map((p) => p.x)).toEqual([3, 3 + 1 / 60, 3 + 2 / 60]);
    expect(points.map((p) => p.time)).toEqual(["03:00–03:01", "03:01–03:02", "03:02–03:03"]);
    expect(points.map((p) => p.verdictText)).toEqual([
      "usual",
      "unusual: more than expected",
      "not judged (no baseline yet)",
    ]);
    expect(points[1]?.seen).toBe("7 people");
    expect(points[1]?.expected).toBe("0–2 people");
    expect(points[2]?.expected).toBe("no range yet");
    expect(unusualCount(points)).toBe("1 unusual slot");
    expect(unusualCount(points.slice(0, 1))).toBe("nothing unusual");
  });

  it("reads the wall clock of the answer's zone, and shows seconds for slots shorter than a minute", () => {
    // 01:30 UTC on the spring change is 03:30 in Paris (summer time)
    expect(dayHours("2026-03-29T01:30:00Z", "Europe/Paris")).toBe(3.5);
    const [point] = slotPoints([slot("2026-03-29T01:30:00Z", 2, { slot_s: 30 })], "people", "Europe/Paris");
    expect(point?.time).toBe("03:30:00–03:30:30");
  });

  it("tells an unusual low from a usual slot", () => {
    expect(verdictOf({ direction: "low", low: 5, high: 9 })).toBe("low");
    expect(verdictOf({ direction: null, low: 5, high: 9 })).toBe("usual");
  });
});

describe("days", () => {
  it("moves calendar days across months, years and clock changes", () => {
    expect(shiftDay("2026-03-01", -1)).toBe("2026-02-28");
    expect(shiftDay("2026-12-31", 1)).toBe("2027-01-01");
    expect(shiftDay("2026-03-28", 1)).toBe("2026-03-29");
  });

  it("names a day the same whatever the browser's zone", () => {
    expect(dayWords("2026-03-13", "en-GB")).toBe("Fri, 13 Mar 2026");
  });

  it("knows a zone the browser can use, and not one it cannot", () => {
    expect(knownZone("Europe/Paris")).toBe("Europe/Paris");
    expect(knownZone("UTC+01:00")).toBeUndefined();
  });

  it("says whether anything was seen on the day", () => {
    const measure = { measure: "people", kind: "people", label: "people", unit: "people", zone: null };
    expect(hasActivity({ measures: [{ ...measure, expected: [hour(3, 0, 0, 1)], observed: [] }] })).toBe(
      false,
    );
    expect(
      hasActivity({ measures: [{ ...measure, expected: [], observed: [slot("2026-03-13T03:00:00Z", 1)] }] }),
    ).toBe(true);
  });
});

describe("mark as normal", () => {
  it("confirms how many measures the baseline took in", () => {
    expect(absorbedText(3)).toBe("Marked as normal: the baseline took in 3 measures");
    expect(absorbedText(1)).toBe("Marked as normal: the baseline took in 1 measure");
  });

  it("puts the activity API's refusals in words and leaves others to the app's messages", () => {
    expect(activityError({ detail: "NOT_AN_ANOMALY" })).toBe(
      "Only anomaly incidents can be marked as normal.",
    );
    expect(activityError({ detail: "INCIDENT_OPERATE_FORBIDDEN" })).toMatch(/operators/);
    expect(activityError({ detail: "CAMERA_NOT_FOUND" })).toBeUndefined();
    expect(activityError(new Error("offline"))).toBeUndefined();
  });
});

describe("anomalyFindings", () => {
  it("lists each evidence item's words once, and nothing from an explanation without them", () => {
    const words = "people in view: 7 at Fri 03:00-04:00, expected 0-2 people (from 5 days, 60 slots)";
    const explanation = {
      terms: [
        {
          evidence: "anomaly.people",
          evidence_items: [{ source: "people", detail: words }, { detail: words }],
        },
        { evidence: "anomaly.motion", evidence_items: [{ source: "motion", detail: "" }] },
        { evidence: "anomaly.vehicles", evidence_items: "not a list" },
      ],
    };
    expect(anomalyFindings(explanation)).toEqual([words]);
    expect(anomalyFindings({ summary: "old incident" })).toEqual([]);
    expect(anomalyFindings(null)).toEqual([]);
  });
});
