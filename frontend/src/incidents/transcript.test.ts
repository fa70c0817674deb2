import { describe, expect, it } from "vitest";
import { formatOffset, transcriptLines } from "./transcript";

const line = (started_at: string, ended_at: string, text: string) => ({
  started_at,
  ended_at,
  text,
  conf: 0.75,
  source: "whisper-tiny-en",
});

describe("transcriptLines", () => {
  it("orders the lines and places each against the incident's start", () => {
    const lines = transcriptLines("2026-12-06T10:00:05Z", [
      line("2026-12-06T10:00:07.5Z", "2026-12-06T10:00:09Z", " Let me go. "),
      line("2026-12-06T10:00:02Z", "2026-12-06T10:00:04Z", "Help!"),
    ]);
    expect(lines).toEqual([
      { offsetS: -3, durationS: 2, text: "Help!", conf: 0.75 },
      { offsetS: 2.5, durationS: 1.5, text: "Let me go.", conf: 0.75 },
    ]);
  });

  it("drops empty or unreadable lines", () => {
    expect(transcriptLines("2026-12-06T10:00:00Z", [line("nonsense", "nonsense", "hi")])).toEqual([]);
    expect(
      transcriptLines("2026-12-06T10:00:00Z", [line("2026-12-06T10:00:00Z", "2026-12-06T10:00:01Z", " ")]),
    ).toEqual([]);
  });
});

describe("formatOffset", () => {
  it("signs the seconds", () => {
    expect(formatOffset(2.54)).toBe("+2.5 s");
    expect(formatOffset(-3)).toBe("\u22123.0 s");
  });
});
