import { describe, expect, it } from "vitest";
import { clockTime, itemWords, parseExplanation, scheduleWords, termSum, whenWords } from "./explanation";

// 2026-07-01 22:14:05 in this process's time zone, as the camera's clock read 100 s then
const WALL = new Date(2026, 6, 1, 22, 14, 5);
const OFFSET = WALL.getTime() / 1000 - 100;

const intrusion = {
  rule: "intrusion",
  rule_version: "2026.12.1",
  score: 3.15,
  threshold: 1,
  schedule_factor: 1.5,
  schedule: "night",
  wall_offset_s: OFFSET,
  terms: [
    {
      evidence: "object.person",
      modality: "object",
      read: "mean",
      weight: 0.6,
      value: 3.5,
      contribution: 3.15,
      evidence_items: [
        {
          label: "person",
          score: 0.8,
          t_s: 100,
          end_s: 100,
          track_ids: [3],
          zone: "yard (closed 22:00–06:00)",
          zone_factor: 3.5,
          source: "",
          detail: "",
        },
      ],
    },
  ],
};

describe("parseExplanation", () => {
  it("orders terms by contribution and gives each its share of the positive score", () => {
    const explanation = parseExplanation({
      rule: "fight",
      rule_version: "3",
      score: 1.5,
      threshold: 1,
      terms: [
        {
          evidence: "audio.scream",
          modality: "audio",
          read: "max",
          weight: 0.5,
          value: 1,
          contribution: 0.5,
        },
        { evidence: "action.fight", modality: "action", read: "max", weight: 1, value: 1, contribution: 1.0 },
        {
          evidence: "object.dog",
          modality: "object",
          read: "count",
          weight: -0.5,
          value: 0,
          contribution: 0,
        },
      ],
    });
    expect(explanation.rule).toBe("fight");
    expect(explanation.terms.map((t) => t.evidence)).toEqual(["action.fight", "audio.scream", "object.dog"]);
    expect(explanation.terms.map((t) => t.words)).toEqual(["Fight", "Scream", "Dog"]);
    expect(explanation.terms.map((t) => t.share)).toEqual([2 / 3, 1 / 3, 0]);
  });

  it("survives an empty or malformed explanation", () => {
    expect(parseExplanation({})).toEqual({
      rule: "",
      ruleVersion: "",
      score: 0,
      threshold: 0,
      scheduleFactor: 1,
      schedule: null,
      wallOffsetS: null,
      terms: [],
    });
    expect(parseExplanation({ terms: "nope", score: "high" }).terms).toEqual([]);
    expect(parseExplanation({ terms: [{ evidence_items: [null, 3] }] }).terms[0]?.items).toEqual([]);
  });
});

describe("a row adds up", () => {
  const explanation = parseExplanation(intrusion);
  const term = explanation.terms[0];

  it("names every factor: value × weight × schedule = contribution, the contributions summing to the score", () => {
    expect(term).toBeDefined();
    if (!term) return;
    expect(termSum(term)).toBe("3.50 × 0.6 × 1.5 = 3.15");
    expect(term.value * term.weight * term.scheduleFactor).toBeCloseTo(term.contribution);
    expect(explanation.terms.reduce((sum, t) => sum + t.contribution, 0)).toBeCloseTo(explanation.score);
    expect(scheduleWords(explanation)).toBe("×1.5 (night)");
    expect(scheduleWords(parseExplanation({}))).toBe("×1 (no schedule window)");
  });

  it("says the evidence in words at its wall-clock time, with its track and the zone that weighed it", () => {
    const item = term?.items[0];
    expect(item?.start?.getTime()).toBe(WALL.getTime());
    expect(item && itemWords(item, false)).toBe(
      "Person 80% at 22:14:05 · track 3 · zone yard (closed 22:00–06:00) ×3.5",
    );
  });
});

describe("whenWords", () => {
  it("gives a span on the wall clock, or a single time for an instant", () => {
    const end = new Date(WALL.getTime() + 2000);
    expect(whenWords({ start: WALL, end, tS: 100, endS: 102 })).toBe("22:14:05–22:14:07");
    expect(whenWords({ start: WALL, end: WALL, tS: 100, endS: 100 })).toBe("22:14:05");
    expect(clockTime(new Date(2026, 0, 1, 7, 3, 9))).toBe("07:03:09");
  });

  it("falls back to the camera's clock for an incident stored without the mapping", () => {
    const old = parseExplanation({ ...intrusion, wall_offset_s: undefined });
    const item = old.terms[0]?.items[0];
    expect(item?.start).toBeNull();
    expect(item && whenWords(item)).toBe("100.0 s on the camera's clock");
  });
});
