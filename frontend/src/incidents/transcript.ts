/** What was said around an incident (its `transcript`), as lines placed in time for the incident page. */
import type { SpeechPublic } from "../client";

export interface TranscriptLine {
  /** Seconds from the incident's start (negative: said before its first evidence). */
  offsetS: number;
  durationS: number;
  text: string;
  /** The speech-to-text model's mean word probability, 0..1. */
  conf: number;
}

/** The incident's speech in time order, each line placed relative to the incident's start. */
export function transcriptLines(startedAt: string, speech: readonly SpeechPublic[]): TranscriptLine[] {
  const start = new Date(startedAt).getTime();
  return speech
    .map((line) => {
      const from = new Date(line.started_at).getTime();
      return {
        offsetS: (from - start) / 1000,
        durationS: Math.max(0, (new Date(line.ended_at).getTime() - from) / 1000),
        text: line.text.trim(),
        conf: line.conf,
      };
    })
    .filter((line) => line.text !== "" && Number.isFinite(line.offsetS))
    .sort((a, b) => a.offsetS - b.offsetS);
}

/** "+2.5 s", "−3.0 s": when a line was said, against the incident's start. */
export function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? "\u2212" : "+";
  return `${sign}${Math.abs(seconds).toFixed(1)} s`;
}
