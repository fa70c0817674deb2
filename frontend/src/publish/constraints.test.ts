import { describe, expect, it } from "vitest";
import {
  audioConstraints,
  DEFAULT_LENS,
  lensOptions,
  lensValue,
  mediaConstraints,
  parseLens,
  resolution,
  videoConstraints,
} from "./constraints";

describe("videoConstraints", () => {
  it("asks for the back camera at 720p by default, as an ideal (a camera that cannot still opens)", () => {
    expect(videoConstraints(DEFAULT_LENS, "720p")).toEqual({
      facingMode: { ideal: "environment" },
      width: { ideal: 1280 },
      height: { ideal: 720 },
      frameRate: { ideal: 15, max: 30 },
    });
  });

  it("asks for the front camera", () => {
    expect(videoConstraints({ kind: "facing", facing: "user" }, "360p")).toMatchObject({
      facingMode: { ideal: "user" },
      width: { ideal: 640 },
      height: { ideal: 360 },
    });
  });

  it("asks for exactly the chosen device, and no facing mode", () => {
    const constraints = videoConstraints({ kind: "device", deviceId: "abc" }, "1080p");
    expect(constraints.deviceId).toEqual({ exact: "abc" });
    expect(constraints.facingMode).toBeUndefined();
    expect(constraints.width).toEqual({ ideal: 1920 });
  });

  it("falls back to 720p for an unknown resolution", () => {
    expect(resolution("4k").id).toBe("720p");
  });
});

describe("audioConstraints", () => {
  it("asks for raw sound: processing would remove what Vigil listens for", () => {
    expect(audioConstraints(true)).toEqual({
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    });
  });

  it("asks for no microphone when it is off", () => {
    expect(audioConstraints(false)).toBe(false);
    expect(mediaConstraints(DEFAULT_LENS, "720p", false).audio).toBe(false);
  });
});

describe("lenses", () => {
  it("round-trips through the select's value", () => {
    for (const lens of [
      DEFAULT_LENS,
      { kind: "facing", facing: "user" } as const,
      { kind: "device", deviceId: "x:y" } as const,
    ]) {
      expect(parseLens(lensValue(lens))).toEqual(lens);
    }
    expect(parseLens("nonsense")).toEqual(DEFAULT_LENS);
    expect(parseLens("device:")).toEqual(DEFAULT_LENS);
  });

  it("offers back and front, then each named video input once", () => {
    const devices = [
      { kind: "audioinput", deviceId: "m1", label: "Built-in microphone" },
      { kind: "videoinput", deviceId: "c1", label: "Back Camera" },
      { kind: "videoinput", deviceId: "c2", label: "Front Camera" },
      { kind: "videoinput", deviceId: "c2", label: "Front Camera" },
      { kind: "videoinput", deviceId: "", label: "" }, // before permission: no id, no label
    ] as const;
    expect(lensOptions(devices)).toEqual([
      { value: "facing:environment", label: "Back camera" },
      { value: "facing:user", label: "Front camera" },
      { value: "device:c1", label: "Back Camera" },
      { value: "device:c2", label: "Front Camera" },
    ]);
  });

  it("offers back and front alone before permission", () => {
    expect(lensOptions([{ kind: "videoinput", deviceId: "", label: "" }])).toHaveLength(2);
  });
});
