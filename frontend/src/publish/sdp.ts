/** The few facts the page reads from an SDP: the offer goes out once ICE gathering is complete (no trickle:
 * the API takes one offer and gives one answer), so it must carry its candidates and a video section. */

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((line) => line !== "");
}

/** ICE candidates in the SDP (`a=candidate:` lines, any section). */
export function candidateCount(sdp: string): number {
  return lines(sdp).filter((line) => line.startsWith("a=candidate:")).length;
}

/** The media sections' kinds, in order (`audio`, `video`). */
export function mediaKinds(sdp: string): string[] {
  return lines(sdp)
    .filter((line) => line.startsWith("m="))
    .map((line) => line.slice(2).split(" ")[0] ?? "");
}

/** Why an offer should not be sent, or null: no video to publish, or no address the server could reach. */
export function offerProblem(sdp: string): string | null {
  if (!mediaKinds(sdp).includes("video")) return "The browser made an offer without video.";
  if (candidateCount(sdp) === 0) {
    return "The browser found no network address to send from. Check that this device is on a network.";
  }
  return null;
}

/** The bitrate hints the server puts in its answer (`x-google-start-bitrate`): without them Chrome starts
 * at 300 kb/s and stays below full resolution for seconds. Null when the answer has none. */
export function startBitrateKbps(sdp: string): number | null {
  const match = /x-google-start-bitrate=(\d+)/.exec(sdp);
  return match ? Number(match[1]) : null;
}
