import { describe, expect, it } from "vitest";
import { candidateCount, mediaKinds, offerProblem, startBitrateKbps } from "./sdp";

const OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "a=candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host",
  "a=rtpmap:96 VP8/90000",
  "",
].join("\r\n");

describe("offers", () => {
  it("counts candidates and media sections", () => {
    expect(candidateCount(OFFER)).toBe(2);
    expect(mediaKinds(OFFER)).toEqual(["audio", "video"]);
    expect(offerProblem(OFFER)).toBeNull();
  });

  it("refuses an offer gathered without candidates (no trickle: the server could not reach us)", () => {
    const bare = OFFER.replace(/a=candidate:[^\r\n]*\r\n/g, "");
    expect(candidateCount(bare)).toBe(0);
    expect(offerProblem(bare)).toMatch(/no network address/);
  });

  it("refuses an offer without video", () => {
    const audioOnly = OFFER.slice(0, OFFER.indexOf("m=video"));
    expect(offerProblem(audioOnly)).toMatch(/without video/);
  });

  it("reads LF-only SDP too", () => {
    expect(candidateCount(OFFER.replace(/\r\n/g, "\n"))).toBe(2);
  });
});

describe("answers", () => {
  it("reads the start bitrate the server asks Chrome for", () => {
    const answer = "a=fmtp:96 x-google-start-bitrate=2000;x-google-min-bitrate=300;x-google-max-bitrate=6000";
    expect(startBitrateKbps(answer)).toBe(2000);
    expect(startBitrateKbps(OFFER)).toBeNull();
  });
});
