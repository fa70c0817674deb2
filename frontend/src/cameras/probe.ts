/** A connection test's answer (POST /cameras/probe) in words for the form that asked for it. */

import type { ProbeAudio, ProbeResult, ProbeVideo } from "../client";

const CODEC_NAMES: Record<string, string> = {
  h264: "H.264",
  hevc: "H.265",
  mjpeg: "MJPEG",
  mpeg4: "MPEG-4",
  aac: "AAC",
  opus: "Opus",
  pcm_alaw: "G.711 A-law",
  pcm_mulaw: "G.711 µ-law",
};

export function codecName(codec: string): string {
  return CODEC_NAMES[codec] ?? codec;
}

/** `1280 × 720 · 10 fps · H.264` */
export function describeVideo(video: ProbeVideo): string {
  const fps =
    video.fps === null || video.fps <= 0 ? "frame rate not declared" : `${Number(video.fps.toFixed(2))} fps`;
  return `${video.width} × ${video.height} · ${fps} · ${codecName(video.codec)}`;
}

/** `sound: AAC, 48 kHz, mono`, or `no sound`. */
export function describeAudio(audio: ProbeAudio | null): string {
  if (audio === null) return "no sound";
  const channels =
    audio.channels === 1 ? "mono" : audio.channels === 2 ? "stereo" : `${audio.channels} channels`;
  const rate = `${Number((audio.sample_rate / 1000).toFixed(1))} kHz`;
  return `sound: ${codecName(audio.codec)}, ${rate}, ${channels}`;
}

export interface ProbeSummary {
  ok: boolean;
  /** One sentence: what came back, or what went wrong. */
  headline: string;
  /** The facts, one per line. */
  details: string[];
  /** A data: URL of the still, when there is one. */
  still: string | null;
}

export function summariseProbe(result: ProbeResult): ProbeSummary {
  const seconds = `${(result.elapsed_ms / 1000).toFixed(1)} s`;
  const details: string[] = [];
  if (result.video) details.push(describeVideo(result.video));
  if (result.video || result.audio) details.push(describeAudio(result.audio));
  return {
    ok: result.reachable,
    headline: result.reachable
      ? `Connected in ${seconds}.`
      : `Not reachable: ${result.error ?? "no picture came back"}.`.replace(/\.\.$/, "."),
    details,
    still: result.snapshot_jpeg ? `data:image/jpeg;base64,${result.snapshot_jpeg}` : null,
  };
}

/** Where a connection test of the form's source stands. */
export type ProbeState =
  | { status: "idle" }
  | { status: "testing" }
  | { status: "done"; result: ProbeResult }
  | { status: "refused"; message: string }
  | { status: "failed"; message: string };

/** Why adding this source needs a yes first: its test failed or was not run (or is still running);
 * null when the last test of this very source connected. */
export function untestedReason(state: ProbeState): string | null {
  switch (state.status) {
    case "idle":
      return "The connection was not tested.";
    case "testing":
      return "The connection test has not finished.";
    case "refused":
      return "The source was refused: see the message at its field.";
    case "failed":
      return `The connection test failed: ${state.message.replace(/\.$/, "")}.`;
    case "done":
      return state.result.reachable
        ? null
        : `The connection test failed: ${(state.result.error ?? "no picture came back").replace(/\.$/, "")}.`;
  }
}
