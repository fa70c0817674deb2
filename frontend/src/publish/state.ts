/** The publisher's states, in words, and the colour of the banner that shows them. */

export type PublishState =
  | "idle"
  | "permission"
  | "connecting"
  | "publishing"
  | "interrupted"
  | "retrying"
  | "ended"
  | "stopped"
  | "failed";

export const RETRY_AFTER_MS = 5000;

export function stateWords(state: PublishState, microphone: boolean): string {
  switch (state) {
    case "idle":
      return "Not publishing.";
    case "permission":
      return microphone
        ? "Asking for permission to use the camera and microphone…"
        : "Asking for permission to use the camera…";
    case "connecting":
      return "Connecting to Vigil…";
    case "publishing":
      return "Publishing: Vigil is receiving this camera.";
    case "interrupted":
      return "Connection interrupted, trying to recover…";
    case "retrying":
      return `Connection lost. Retrying in ${RETRY_AFTER_MS / 1000} s…`;
    case "ended":
      return "Vigil ended this connection: another device may have taken over this camera. Press Start to publish again.";
    case "stopped":
      return "Stopped.";
    case "failed":
      return "Could not publish.";
  }
}

export type StateTone = "ok" | "warn" | "error" | "plain";

export function stateTone(state: PublishState): StateTone {
  switch (state) {
    case "publishing":
      return "ok";
    case "permission":
    case "connecting":
    case "interrupted":
    case "retrying":
    case "ended":
      return "warn";
    case "failed":
      return "error";
    default:
      return "plain";
  }
}

/** Media and a connection are held (Start is off, Stop is on). */
export function isActive(state: PublishState): boolean {
  return ["permission", "connecting", "publishing", "interrupted", "retrying"].includes(state);
}

export interface SendStats {
  width: number;
  height: number;
  fps: number;
  kbps: number | null;
}

/** An `outbound-rtp` video entry of `RTCPeerConnection.getStats()`, the fields used. */
export interface OutboundVideo {
  type: string;
  kind?: string;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  bytesSent?: number;
  timestamp: number;
}

/** What the browser sends, from this and the previous report (for the bitrate); null before the first
 * encoded frame. */
export function sendStats(
  entries: readonly OutboundVideo[],
  previous: OutboundVideo | null,
): SendStats | null {
  const video = entries.find((e) => e.type === "outbound-rtp" && e.kind === "video" && e.frameWidth);
  if (!video?.frameWidth || !video.frameHeight) return null;
  let kbps: number | null = null;
  if (
    previous?.bytesSent !== undefined &&
    video.bytesSent !== undefined &&
    video.timestamp > previous.timestamp
  ) {
    kbps = Math.round(((video.bytesSent - previous.bytesSent) * 8) / (video.timestamp - previous.timestamp));
  }
  return {
    width: video.frameWidth,
    height: video.frameHeight,
    fps: Math.round(video.framesPerSecond ?? 0),
    kbps,
  };
}

export function statsWords(stats: SendStats): string {
  const rate = stats.kbps === null ? "" : `, ${stats.kbps} kb/s`;
  return `Sending ${stats.width}×${stats.height} at ${stats.fps} fps${rate}`;
}
