import { describe, expect, it } from "vitest";
import type { ProbeResult } from "../client";
import { describeAudio, describeVideo, summariseProbe, untestedReason } from "./probe";

const reachable: ProbeResult = {
  reachable: true,
  error: null,
  elapsed_ms: 1234,
  video: { codec: "h264", width: 1280, height: 720, fps: 10 },
  audio: { codec: "aac", sample_rate: 48000, channels: 1 },
  snapshot_jpeg: "AAAA",
};

describe("summariseProbe", () => {
  it("says what a reachable source sends, with the still", () => {
    expect(summariseProbe(reachable)).toEqual({
      ok: true,
      headline: "Connected in 1.2 s.",
      details: ["1280 × 720 · 10 fps · H.264", "sound: AAC, 48 kHz, mono"],
      still: "data:image/jpeg;base64,AAAA",
    });
  });
  it("gives the server's reason when it is not reachable, without a doubled full stop", () => {
    const refused = { ...reachable, reachable: false, video: null, audio: null, snapshot_jpeg: null };
    expect(summariseProbe({ ...refused, error: "connection refused: nothing listens at cam:554" })).toEqual({
      ok: false,
      headline: "Not reachable: connection refused: nothing listens at cam:554.",
      details: [],
      still: null,
    });
    expect(summariseProbe({ ...refused, error: "no such file." }).headline).toBe(
      "Not reachable: no such file.",
    );
  });
  it("keeps what is known of a source without a picture", () => {
    const soundOnly = {
      ...reachable,
      reachable: false,
      error: "no video stream: the file has only sound",
      video: null,
      snapshot_jpeg: null,
    };
    expect(summariseProbe(soundOnly).details).toEqual(["sound: AAC, 48 kHz, mono"]);
  });
});

describe("describeVideo and describeAudio", () => {
  it("names an undeclared frame rate and odd rates", () => {
    expect(describeVideo({ codec: "hevc", width: 640, height: 480, fps: null })).toBe(
      "640 × 480 · frame rate not declared · H.265",
    );
    expect(describeVideo({ codec: "vp9", width: 640, height: 480, fps: 29.97 })).toBe(
      "640 × 480 · 29.97 fps · vp9",
    );
  });
  it("says stereo, many channels and no sound", () => {
    expect(describeAudio({ codec: "opus", sample_rate: 16000, channels: 2 })).toBe(
      "sound: Opus, 16 kHz, stereo",
    );
    expect(describeAudio({ codec: "pcm_alaw", sample_rate: 8000, channels: 6 })).toBe(
      "sound: G.711 A-law, 8 kHz, 6 channels",
    );
    expect(describeAudio(null)).toBe("no sound");
  });
});

describe("untestedReason", () => {
  it("lets a source whose test connected be added without a question", () => {
    expect(untestedReason({ status: "done", result: reachable })).toBeNull();
  });
  it("asks before adding a source that was not tested, is still being tested, or failed", () => {
    expect(untestedReason({ status: "idle" })).toBe("The connection was not tested.");
    expect(untestedReason({ status: "testing" })).toBe("The connection test has not finished.");
    expect(untestedReason({ status: "failed", message: "unreachable." })).toBe(
      "The connection test failed: unreachable.",
    );
    const refused = { ...reachable, reachable: false, error: "connection refused", video: null };
    expect(untestedReason({ status: "done", result: refused })).toBe(
      "The connection test failed: connection refused.",
    );
    expect(untestedReason({ status: "refused", message: "see the URL" })).toMatch(/refused/);
  });
});
