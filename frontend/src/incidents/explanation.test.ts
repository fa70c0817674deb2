import { describe, expect, it } from "vitest";
import { parseExplanation } from "./explanation";

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
    expect(explanation.terms.map((t) => t.share)).toEqual([2 / 3, 1 / 3, 0]);
  });

  it("survives an empty or malformed explanation", () => {
    expect(parseExplanation({})).toEqual({ rule: "", ruleVersion: "", score: 0, threshold: 0, terms: [] });
    expect(parseExplanation({ terms: "nope", score: "high" }).terms).toEqual([]);
  });
});
