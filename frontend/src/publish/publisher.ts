/** One device publishing to one Vigil camera: media from `getUserMedia`, a send-only peer connection, the
 * offer sent once ICE gathering is complete (the API takes no trickled candidates), the server's answer
 * (which carries `x-google-start-bitrate`, so Chrome starts at full resolution). Retries a lost connection,
 * keeps the screen awake, and releases everything on `stop()`. */
import { webrtcOffer } from "../client";
import { type Lens, mediaConstraints, videoConstraints } from "./constraints";
import {
  describeMediaError,
  describeOfferError,
  insecureContext,
  type Problem,
  unreachable,
  unsupportedBrowser,
} from "./problems";
import { offerProblem } from "./sdp";
import { type OutboundVideo, type PublishState, RETRY_AFTER_MS, type SendStats, sendStats } from "./state";

const ICE_GATHERING_TIMEOUT_MS = 3000;
const STATS_EVERY_MS = 1000;

export interface PublishOptions {
  cameraId: number;
  lens: Lens;
  resolution: string;
  microphone: boolean;
}

export interface PublisherEvents {
  state: (state: PublishState, problem: Problem | null) => void;
  stream: (stream: MediaStream | null) => void;
  stats: (stats: SendStats | null) => void;
  devices: (devices: MediaDeviceInfo[]) => void;
}

/** Why this page cannot have the camera at all, before anything is tried. */
export function environmentProblem(): Problem | null {
  if (!window.isSecureContext) return insecureContext(window.location);
  if (!navigator.mediaDevices?.getUserMedia || typeof RTCPeerConnection === "undefined") {
    return unsupportedBrowser();
  }
  return null;
}

function waitForIceGathering(connection: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (connection.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      connection.removeEventListener("icegatheringstatechange", check);
      window.clearTimeout(timer);
      resolve();
    };
    const check = () => {
      if (connection.iceGatheringState === "complete") done();
    };
    const timer = window.setTimeout(done, timeoutMs);
    connection.addEventListener("icegatheringstatechange", check);
  });
}

function mediaProblem(error: unknown, microphone: boolean): Problem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  return describeMediaError(name, message, microphone);
}

export class Publisher {
  private pc: RTCPeerConnection | null = null;
  private stream: MediaStream | null = null;
  private wakeLock: WakeLockSentinel | null = null;
  private statsTimer: number | undefined;
  private retryTimer: number | undefined;
  private lastVideo: OutboundVideo | null = null;
  private options: PublishOptions | null = null;
  private state: PublishState = "idle";
  /** Bumped by every teardown: an async step that sees another number was cancelled meanwhile. */
  private attempt = 0;

  constructor(private readonly events: PublisherEvents) {
    document.addEventListener("visibilitychange", this.onVisibility);
    navigator.mediaDevices?.addEventListener("devicechange", this.onDeviceChange);
    void this.refreshDevices(); // named already when permission was granted on an earlier visit
  }

  async start(options: PublishOptions): Promise<void> {
    this.teardown();
    const mine = this.attempt;
    this.options = options;
    const blocked = environmentProblem();
    if (blocked) {
      this.fail(blocked);
      return;
    }
    this.setState("permission");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(
        mediaConstraints(options.lens, options.resolution, options.microphone),
      );
    } catch (error) {
      if (mine === this.attempt) this.fail(mediaProblem(error, options.microphone));
      return;
    }
    if (mine !== this.attempt) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.stream = stream;
    this.events.stream(stream);
    for (const track of stream.getTracks()) track.addEventListener("ended", () => this.onTrackEnded(mine));

    this.setState("connecting");
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.addEventListener("connectionstatechange", () => this.onConnectionState(pc));
    for (const track of stream.getTracks())
      pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await waitForIceGathering(pc, ICE_GATHERING_TIMEOUT_MS);
    } catch (error) {
      if (mine === this.attempt) this.fail(mediaProblem(error, options.microphone));
      return;
    }
    if (mine !== this.attempt) return;
    const sdp = pc.localDescription?.sdp ?? "";
    const problem = offerProblem(sdp);
    if (problem) {
      this.fail({ kind: "no-address", text: problem, action: "Press Start to try again." });
      return;
    }

    let answer: Awaited<ReturnType<typeof webrtcOffer<false>>>;
    try {
      answer = await webrtcOffer<false>({
        path: { camera_id: options.cameraId },
        body: { sdp, type: "offer" },
      });
    } catch {
      if (mine === this.attempt) this.fail(unreachable());
      return;
    }
    if (mine !== this.attempt) return;
    if (answer.error !== undefined || answer.data === undefined) {
      this.fail(describeOfferError(answer.response?.status ?? 0, answer.error));
      return;
    }
    try {
      await pc.setRemoteDescription(answer.data);
    } catch (error) {
      if (mine === this.attempt) {
        this.fail({
          kind: "offer-refused",
          text: `This browser refused Vigil's answer: ${error instanceof Error ? error.message : String(error)}`,
          action: "Try another browser (a recent Chrome, Safari or Firefox).",
        });
      }
      return;
    }
    // The server closing DTLS (a new publisher took over, or Vigil stopped) is the end, not a network blip.
    const dtls = pc.getSenders()[0]?.transport;
    dtls?.addEventListener("statechange", () => {
      if (this.pc === pc && dtls.state === "closed") this.teardown("ended");
    });
    this.statsTimer = window.setInterval(() => void this.readStats(pc), STATS_EVERY_MS);
    void this.requestWakeLock();
  }

  /** Stop publishing: tracks stopped (the camera light goes off), connection closed, screen lock released. */
  stop(): void {
    this.teardown("stopped");
  }

  /** Another lens or resolution while publishing: the new track replaces the old one on the same
   * connection (phones open one camera at a time, so the old one is released first). */
  async changeVideo(lens: Lens, resolution: string): Promise<Problem | null> {
    if (this.options) this.options = { ...this.options, lens, resolution };
    const pc = this.pc;
    const stream = this.stream;
    if (!pc || !stream) return null;
    const old = stream.getVideoTracks()[0];
    old?.stop();
    if (old) stream.removeTrack(old);
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(lens, resolution) });
      const track = fresh.getVideoTracks()[0];
      if (!track || this.pc !== pc) {
        for (const t of fresh.getTracks()) t.stop();
        return null;
      }
      const sender = pc.getTransceivers().find((t) => t.receiver.track.kind === "video")?.sender;
      await sender?.replaceTrack(track);
      stream.addTrack(track);
      const mine = this.attempt;
      track.addEventListener("ended", () => this.onTrackEnded(mine));
      this.events.stream(new MediaStream(stream.getTracks()));
      void this.refreshDevices();
      return null;
    } catch (error) {
      return mediaProblem(error, false);
    }
  }

  /** The microphone on or off while publishing; false when the connection carries no sound (start again). */
  setMicrophone(on: boolean): boolean {
    if (this.options) this.options = { ...this.options, microphone: on };
    const tracks = this.stream?.getAudioTracks() ?? [];
    for (const track of tracks) track.enabled = on;
    return tracks.length > 0 || !on;
  }

  retryNow(): void {
    if (this.options && this.state === "retrying") void this.start(this.options);
  }

  dispose(): void {
    document.removeEventListener("visibilitychange", this.onVisibility);
    navigator.mediaDevices?.removeEventListener("devicechange", this.onDeviceChange);
    this.teardown("idle");
  }

  private setState(state: PublishState, problem: Problem | null = null): void {
    this.state = state;
    this.events.state(state, problem);
  }

  private fail(problem: Problem): void {
    this.teardown("failed", problem);
  }

  private teardown(state?: PublishState, problem: Problem | null = null): void {
    this.attempt += 1;
    window.clearInterval(this.statsTimer);
    window.clearTimeout(this.retryTimer);
    this.statsTimer = this.retryTimer = undefined;
    this.lastVideo = null;
    if (this.pc) {
      this.pc.close();
      this.pc = null;
    }
    if (this.stream) {
      for (const track of this.stream.getTracks()) track.stop();
      this.stream = null;
      this.events.stream(null);
    }
    if (this.wakeLock) {
      void this.wakeLock.release().catch(() => undefined);
      this.wakeLock = null;
    }
    this.events.stats(null);
    if (state) this.setState(state, problem);
  }

  private onConnectionState(pc: RTCPeerConnection): void {
    if (this.pc !== pc) return;
    switch (pc.connectionState) {
      case "connected":
        this.setState("publishing");
        void this.refreshDevices(); // with permission granted, the video inputs have their names
        break;
      case "disconnected":
        this.setState("interrupted");
        break;
      case "failed": {
        const options = this.options;
        this.teardown("retrying");
        if (options) this.retryTimer = window.setTimeout(() => void this.start(options), RETRY_AFTER_MS);
        break;
      }
      default:
        break;
    }
  }

  private onTrackEnded(attempt: number): void {
    if (attempt !== this.attempt) return;
    this.fail({
      kind: "camera-busy",
      text: "The camera or microphone stopped (another app may have taken it, or permission was withdrawn).",
      action: "Press Start to publish again.",
    });
  }

  private async readStats(pc: RTCPeerConnection): Promise<void> {
    const report = await pc.getStats();
    if (this.pc !== pc) return;
    const entries: OutboundVideo[] = [];
    report.forEach((entry: OutboundVideo) => {
      entries.push(entry);
    });
    const stats = sendStats(entries, this.lastVideo);
    this.lastVideo = entries.find((e) => e.type === "outbound-rtp" && e.kind === "video") ?? null;
    this.events.stats(stats);
  }

  private readonly onDeviceChange = (): void => void this.refreshDevices();

  private async refreshDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    try {
      this.events.devices(await navigator.mediaDevices.enumerateDevices());
    } catch {
      // the lens list stays at Back / Front
    }
  }

  private async requestWakeLock(): Promise<void> {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || this.pc === null) return;
    try {
      const lock = await navigator.wakeLock.request("screen");
      if (this.pc === null) {
        void lock.release();
        return;
      }
      this.wakeLock = lock;
      lock.addEventListener("release", () => {
        if (this.wakeLock === lock) this.wakeLock = null;
      });
    } catch {
      // refused (battery saver): the screen may dim, publishing goes on while the page is visible
    }
  }

  /** The browser releases the wake lock when the page is hidden; take it again on return. */
  private readonly onVisibility = (): void => {
    if (document.visibilityState === "visible" && this.pc !== null && this.wakeLock === null) {
      void this.requestWakeLock();
    }
  };
}
