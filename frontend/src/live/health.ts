/** A camera's health state as the badge shows it. */
import type { CameraHealth } from "../client";

export type HealthState = CameraHealth["state"];
export type BadgeTone = "ok" | "warn" | "bad" | "idle";

export function healthBadge(state: HealthState | undefined): { text: string; tone: BadgeTone } {
  switch (state) {
    case "streaming":
      return { text: "streaming", tone: "ok" };
    case "connecting":
    case "reconnecting":
    case "pending":
      return { text: state, tone: "warn" };
    case "offline":
    case "error":
      return { text: state, tone: "bad" };
    case "disabled":
    case "ended":
      return { text: state, tone: "idle" };
    default:
      return { text: "unknown", tone: "idle" };
  }
}
