import { describe, expect, it } from "vitest";
import type { CameraHealth } from "../client";
import { healthWords } from "./health";

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
});
