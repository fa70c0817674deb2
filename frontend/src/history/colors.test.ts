import { describe, expect, it, vi } from "vitest";
import { ALL_COLOURS, contrast, labelColor, NEUTRAL } from "./colors";

const DEFAULTS = ["violence", "fall", "intrusion", "loitering", "distress", "glass_break", "alarm"];
const CUSTOM = ["my_custom_rule", "forklift_zone", "door_held_open", "smoke", "night_delivery", "dog"];

describe("labelColor", () => {
  it("gives every label the same colour on the next visit, whatever order labels appear in", async () => {
    const labels = [...DEFAULTS, ...CUSTOM];
    const before = labels.map(labelColor);
    vi.resetModules(); // a fresh load of the module, as on a new visit
    const fresh = await import("./colors");
    const reversed = [...labels].reverse().map(fresh.labelColor);
    expect(reversed.reverse()).toEqual(before);
  });

  it("gives the default labels distinct colours of their own", () => {
    expect(new Set(DEFAULTS.map(labelColor)).size).toBe(DEFAULTS.length);
  });

  it("gives custom rules colours from the palette that no default label or the camera colour uses", () => {
    const taken = new Set([...DEFAULTS, "gunshot_explosion", "crowding"].map(labelColor));
    const custom = CUSTOM.map(labelColor);
    for (const colour of custom) {
      expect(ALL_COLOURS).toContain(colour);
      expect(taken.has(colour)).toBe(false);
      expect(colour).not.toBe(NEUTRAL);
    }
    expect(new Set(custom).size).toBeGreaterThan(2); // spread by the name, not one colour for all
  });

  it("keeps every colour legible on the dark panel and apart from the camera colour", () => {
    for (const colour of ALL_COLOURS) {
      expect(contrast(colour, "#17202a")).toBeGreaterThanOrEqual(4.5);
      expect(colour).not.toBe(NEUTRAL);
    }
  });
});
