import { describe, expect, it } from "vitest";
import type { CameraHealth } from "../client";
import { healthBadge, healthWords } from "./health";

const base: CameraHealth = { camera_id: 1, state: "streaming" };

describe("healthWords", () => {
  it("says nothing while the camera streams or is switched off", () => {
    expect(healthWords({ ...base, last_error: "old" })).toBe("");
    expect(healthWords({ ...base, state: "disabled" })).toBe("");
    expect(healthWords(undefined)).toBe("");
  });

  it("says why a camera is offline, how often it retried and how old its last frame is", () => {
    expect(
      healthWords({
        ...base,
        state: "offline",
        last_error: "connection refused",
        reconnects: 3,
        last_frame_age_s: 125,
      }),
    ).toBe("offline: connection refused · 3 reconnects · last frame 2 min ago");
    expect(healthWords({ ...base, state: "error", last_error: "authentication failed", reconnects: 1 })).toBe(
      "error: authentication failed · 1 reconnect · no frame yet",
    );
    expect(healthWords({ ...base, state: "connecting" })).toBe("connecting");
  });

  it("says when the machine cannot analyse a streaming camera at its rate", () => {
    const busy = { ...base, fps_wanted: 5, fps_analysed: 1.04, fps_unserved: 3.9, analysis_behind: true };
    expect(healthWords(busy)).toBe(
      "analysed at 1.0 of 5 fps: this machine is at capacity " +
        "(fewer cameras, a lower analysis rate or the speed settings help)",
    );
    expect(healthBadge("streaming", true)).toEqual({ text: "streaming", tone: "warn" });
    expect(healthWords({ ...busy, analysis_behind: false })).toBe("");
    expect(healthBadge("streaming", false)).toEqual({ text: "streaming", tone: "ok" });
  });
});
