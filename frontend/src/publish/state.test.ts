import { describe, expect, it } from "vitest";
import { isActive, sendStats, stateTone, stateWords, statsWords } from "./state";

describe("states", () => {
  it("are said in words", () => {
    expect(stateWords("permission", true)).toBe("Asking for permission to use the camera and microphone…");
    expect(stateWords("permission", false)).toBe("Asking for permission to use the camera…");
    expect(stateWords("publishing", true)).toBe("Publishing: Vigil is receiving this camera.");
    expect(stateWords("stopped", true)).toBe("Stopped.");
    expect(stateWords("retrying", true)).toBe("Connection lost. Retrying in 5 s…");
  });

  it("hold the media only while starting or publishing", () => {
    expect(
      ["permission", "connecting", "publishing", "interrupted", "retrying"].every((s) =>
        isActive(s as never),
      ),
    ).toBe(true);
    expect(["idle", "stopped", "ended", "failed"].some((s) => isActive(s as never))).toBe(false);
    expect(stateTone("publishing")).toBe("ok");
    expect(stateTone("failed")).toBe("error");
  });
});

describe("sendStats", () => {
  const video = {
    type: "outbound-rtp",
    kind: "video",
    frameWidth: 640,
    frameHeight: 480,
    framesPerSecond: 9.6,
  };

  it("reads the outbound video, and the bitrate from two reports", () => {
    const before = { ...video, bytesSent: 100_000, timestamp: 1000 };
    const now = { ...video, bytesSent: 350_000, timestamp: 2000 };
    const stats = sendStats([{ type: "codec", timestamp: 2000 }, now], before);
    expect(stats).toEqual({ width: 640, height: 480, fps: 10, kbps: 2000 });
    expect(stats && statsWords(stats)).toBe("Sending 640×480 at 10 fps, 2000 kb/s");
  });

  it("has no bitrate from the first report, and nothing before the first frame", () => {
    expect(sendStats([{ ...video, bytesSent: 10, timestamp: 1 }], null)?.kbps).toBeNull();
    expect(sendStats([{ type: "outbound-rtp", kind: "video", timestamp: 1 }], null)).toBeNull();
    expect(sendStats([{ ...video, kind: "audio", timestamp: 1 }], null)).toBeNull();
  });
});
