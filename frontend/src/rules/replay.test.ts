import { describe, expect, it } from "vitest";
import type { IncidentListItem } from "../client";
import { clipMayCome, clipTime, hasClip, replayChoices } from "./replay";

function incident(
  id: number,
  label: string,
  ended_at: string | null = "2026-12-02T06:00:10Z",
): IncidentListItem {
  return {
    id,
    camera_id: 3,
    label,
    confidence: 0.66,
    severity: "high",
    status: "new",
    started_at: "2026-12-02T06:00:00Z",
    ended_at,
    keep: false,
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_at: null,
  };
}

const artifact = (kind: "clip" | "snapshot" | "audio") => ({ kind });

describe("replayChoices", () => {
  it("offers only incidents whose details list a clip, in the listed order, with camera and time", () => {
    const details = new Map([
      [1, { artifacts: [artifact("snapshot"), artifact("clip")] }],
      [2, { artifacts: [artifact("snapshot")] }],
      [4, { artifacts: [artifact("clip")] }],
    ]);
    const choices = replayChoices(
      [incident(4, "fall"), incident(2, "distress"), incident(1, "distress"), incident(3, "alarm")],
      details,
      (id) => `Camera ${id}`,
      () => "06:00",
    );
    expect(choices).toEqual([
      { id: 4, text: "fall · Camera 3 · 06:00" },
      { id: 1, text: "distress · Camera 3 · 06:00" },
    ]);
  });

  it("knows an incident without details has no clip", () => {
    expect(hasClip(undefined)).toBe(false);
  });
});

describe("clipMayCome", () => {
  const now = Date.parse("2026-12-02T06:01:00Z");
  it("is true for an open incident or one closed a moment ago, false for an old one", () => {
    expect(clipMayCome(incident(1, "a", null), now)).toBe(true);
    expect(clipMayCome(incident(1, "a", "2026-12-02T06:00:50Z"), now)).toBe(true);
    expect(clipMayCome(incident(1, "a", "2026-12-02T05:00:00Z"), now)).toBe(false);
  });
});

describe("clipTime", () => {
  it("writes seconds into the clip as m:ss.s", () => {
    expect(clipTime(4.24)).toBe("0:04.2");
    expect(clipTime(62)).toBe("1:02.0");
    expect(clipTime(-1)).toBe("0:00.0");
    expect(clipTime(Number.NaN)).toBe("0:00.0");
  });
});
