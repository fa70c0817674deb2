import { describe, expect, it } from "vitest";
import { ALL_COLOURS, contrast, labelColor, NEUTRAL } from "./colors";

describe("labelColor", () => {
  it("gives a label the same colour every time and the default labels distinct ones", () => {
    expect(labelColor("distress")).toBe(labelColor("distress"));
    expect(labelColor("my_custom_rule")).toBe(labelColor("my_custom_rule"));
    const defaults = ["violence", "fall", "intrusion", "loitering", "distress", "glass_break", "alarm"];
    expect(new Set(defaults.map(labelColor)).size).toBe(defaults.length);
  });

  it("keeps every colour legible on the dark panel and apart from the camera colour", () => {
    for (const colour of ALL_COLOURS) {
      expect(contrast(colour, "#17202a")).toBeGreaterThanOrEqual(4.5);
      expect(colour).not.toBe(NEUTRAL);
    }
  });
});
