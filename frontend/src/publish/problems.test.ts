import { describe, expect, it } from "vitest";
import { describeMediaError, describeOfferError, insecureContext, isLoopback } from "./problems";

describe("insecureContext", () => {
  it("explains that localhost works and LAN addresses need HTTPS", () => {
    const problem = insecureContext({
      protocol: "http:",
      hostname: "192.168.1.20",
      host: "192.168.1.20:8000",
      port: "8000",
    });
    expect(problem.kind).toBe("insecure");
    expect(problem.text).toContain("http://192.168.1.20:8000");
    expect(problem.text).toContain("HTTPS");
    expect(problem.action).toContain("http://localhost:8000/publish");
    expect(problem.action).toMatch(/LAN address .* not enough: serve Vigil over HTTPS/);
  });

  it("knows loopback names", () => {
    expect(["localhost", "127.0.0.1", "[::1]", "cam.localhost"].every(isLoopback)).toBe(true);
    expect(isLoopback("192.168.1.20")).toBe(false);
  });
});

describe("describeMediaError", () => {
  it("says how to allow a denied permission", () => {
    const problem = describeMediaError("NotAllowedError", "Permission denied", true);
    expect(problem.kind).toBe("permission-denied");
    expect(problem.text).toBe("Permission to use the camera and microphone was denied.");
    expect(problem.action).toMatch(/Allow them for this site/);
  });

  it("suggests turning the microphone off when a device is missing", () => {
    expect(describeMediaError("NotFoundError", "", true).action).toMatch(/turn the microphone off/);
    expect(describeMediaError("NotFoundError", "", false)).toMatchObject({
      kind: "no-camera",
      text: "No camera was found.",
    });
  });

  it("names a busy camera and a vanished device", () => {
    expect(describeMediaError("NotReadableError", "", false).kind).toBe("camera-busy");
    expect(describeMediaError("OverconstrainedError", "", false).kind).toBe("lens-unavailable");
  });

  it("keeps the browser's words for anything else", () => {
    expect(describeMediaError("WeirdError", "it broke", false).text).toBe(
      "The camera could not be opened: it broke",
    );
  });
});

describe("describeOfferError", () => {
  it("turns the server's refusals into what to do", () => {
    expect(describeOfferError(409, { detail: "CAMERA_NOT_WEBRTC" })).toMatchObject({
      kind: "not-webrtc",
      action: "Choose another camera, or create a new phone camera.",
    });
    expect(describeOfferError(409, { detail: "CAMERA_DISABLED" }).action).toMatch(/Enable it on its page/);
    expect(describeOfferError(503, { detail: "WEBRTC_NEGOTIATION_TIMEOUT" }).kind).toBe(
      "negotiation-timeout",
    );
    expect(describeOfferError(404, { detail: "CAMERA_NOT_FOUND" }).kind).toBe("not-found");
    expect(describeOfferError(403, { detail: "FORBIDDEN" }).kind).toBe("forbidden");
  });

  it("quotes the server's reason for a refused offer", () => {
    const body = {
      detail: [{ loc: ["body", "sdp"], msg: "the offer has no video: publish a camera track" }],
    };
    expect(describeOfferError(422, body).text).toBe(
      "Vigil refused this browser's offer: the offer has no video: publish a camera track",
    );
  });

  it("names an unexpected status", () => {
    expect(describeOfferError(500, null).text).toBe("Vigil answered 500.");
  });
});
