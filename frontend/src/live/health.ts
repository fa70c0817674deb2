/** A camera's health state as the badge shows it. */
import type { CameraHealth } from "../client";

export type HealthState = CameraHealth["state"];
export type BadgeTone = "ok" | "warn" | "bad" | "idle";

export function healthBadge(
  state: HealthState | undefined,
  behind = false,
): { text: string; tone: BadgeTone } {
  switch (state) {
    case "streaming":
      return { text: "streaming", tone: behind ? "warn" : "ok" }; // behind: the words say at what rate
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

/** Why a camera is not streaming, in words: its state, last error, reconnects and how old its last frame
 * is; or, while it streams, that this machine cannot analyse it at its rate. Empty while it streams
 * normally (the badge says enough). */
export function healthWords(health: CameraHealth | undefined): string {
  if (health?.state === "streaming" && health.analysis_behind) {
    const analysed = (health.fps_analysed ?? 0).toFixed(1);
    const wanted = formatFps(health.fps_wanted ?? 0);
    return (
      `analysed at ${analysed} of ${wanted} fps: this machine is at capacity ` +
      "(fewer cameras, a lower analysis rate or the speed settings help)"
    );
  }
  if (!health || health.state === "streaming" || health.state === "disabled") return "";
  const parts: string[] = [health.state];
  if (health.last_error) parts[0] = `${health.state}: ${health.last_error}`;
  if ((health.reconnects ?? 0) > 0)
    parts.push(`${health.reconnects} reconnect${health.reconnects === 1 ? "" : "s"}`);
  const age = health.last_frame_age_s;
  if (age !== null && age !== undefined) parts.push(`last frame ${formatAge(age)} ago`);
  else if (health.state !== "pending" && health.state !== "connecting") parts.push("no frame yet");
  return parts.join(" · ");
}

function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(1);
}

function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** A frame's wall-clock time as the camera's own clock shows it (the server's send time otherwise). */
export function cameraTime(wallTimeS: number | undefined): string {
  if (wallTimeS === undefined || !Number.isFinite(wallTimeS)) return "";
  return new Date(wallTimeS * 1000).toLocaleTimeString();
}
