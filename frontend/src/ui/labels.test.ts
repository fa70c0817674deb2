import { describe, expect, it } from "vitest";
import { evidenceWords, labelWords } from "./labels";

describe("labelWords", () => {
  it("reads the platform's labels as words", () => {
    expect(labelWords("glass_break")).toBe("Glass breaking");
    expect(labelWords("gunshot_explosion")).toBe("Gunshot or explosion");
    expect(labelWords("dog_bark")).toBe("Dog barking");
    expect(labelWords("distress")).toBe("Distress");
    expect(labelWords("unknown_loud")).toBe("Loud unknown sound");
  });

  it("gives a custom rule's label its underscores as spaces", () => {
    expect(labelWords("forklift_too_fast")).toBe("Forklift too fast");
    expect(labelWords("")).toBe("");
  });
});

describe("evidenceWords", () => {
  it("reads a rule term's selector as what was seen or heard", () => {
    expect(evidenceWords("audio.scream")).toBe("Scream");
    expect(evidenceWords("audio.call_for_help")).toBe("Call for help");
    expect(evidenceWords("action.fight")).toBe("Fight");
    expect(evidenceWords("face.fear")).toBe("Fearful face");
    expect(evidenceWords("object.person")).toBe("Person");
    expect(evidenceWords("object.count.person")).toBe("Number of people");
    expect(evidenceWords("object.count.car")).toBe("Number of cars");
  });
});
