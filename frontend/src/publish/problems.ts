/** Every way publishing fails, in words that say what to do. */

export type ProblemKind =
  | "insecure"
  | "unsupported"
  | "permission-denied"
  | "no-camera"
  | "camera-busy"
  | "lens-unavailable"
  | "media"
  | "no-address"
  | "not-webrtc"
  | "disabled"
  | "negotiation-timeout"
  | "offer-refused"
  | "not-found"
  | "forbidden"
  | "unreachable"
  | "server";

export interface Problem {
  kind: ProblemKind;
  /** What happened. */
  text: string;
  /** What to do about it. */
  action: string;
}

export interface PageLocation {
  protocol: string;
  hostname: string;
  host: string;
  port: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname) || hostname.endsWith(".localhost");
}

/** Browsers give the camera only to secure contexts: HTTPS, or `localhost` on the machine itself. */
export function insecureContext(location: PageLocation): Problem {
  const port = location.port ? `:${location.port}` : "";
  return {
    kind: "insecure",
    text:
      `This page is not a secure context (${location.protocol}//${location.host}): browsers give the camera ` +
      "and microphone only to pages served over HTTPS, or from localhost on the same machine.",
    action:
      `On the computer running Vigil, open http://localhost${port}/publish. ` +
      "From a phone or another device, a LAN address such as http://192.168.1.20 is not enough: serve Vigil " +
      "over HTTPS (a reverse proxy with a certificate) and open https://…/publish.",
  };
}

export function unsupportedBrowser(): Problem {
  return {
    kind: "unsupported",
    text: "This browser offers no camera access or no WebRTC here.",
    action: "Use a recent Chrome, Safari, Firefox or Edge.",
  };
}

/** A `getUserMedia` rejection (a DOMException's `name`). */
export function describeMediaError(name: string, message: string, hadMicrophone: boolean): Problem {
  const devices = hadMicrophone ? "camera and microphone" : "camera";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return {
        kind: "permission-denied",
        text: `Permission to use the ${devices} was denied.`,
        action:
          "Allow them for this site (the camera icon in the address bar, or the browser's site settings), then press Start.",
      };
    case "NotFoundError":
    case "DevicesNotFoundError":
      return {
        kind: "no-camera",
        text: hadMicrophone ? "No camera or no microphone was found." : "No camera was found.",
        action: hadMicrophone
          ? "Connect a camera, or turn the microphone off if this device has none, then press Start."
          : "Connect a camera, then press Start.",
      };
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return {
        kind: "camera-busy",
        text: `The ${devices} could not be started: another app or tab may be using it.`,
        action: "Close the other app or tab (or a call), then press Start.",
      };
    case "OverconstrainedError":
    case "ConstraintNotSatisfiedError":
      return {
        kind: "lens-unavailable",
        text: "The chosen camera is not available any more.",
        action: "Choose Back camera or Front camera, or another camera in the list, then press Start.",
      };
    default:
      return {
        kind: "media",
        text: `The ${devices} could not be opened${message ? `: ${message}` : "."}`,
        action: "Press Start to try again.",
      };
  }
}

function detailCode(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("detail" in body)) return null;
  const detail = (body as { detail: unknown }).detail;
  return typeof detail === "string" ? detail : null;
}

function detailMessage(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("detail" in body)) return null;
  const detail = (body as { detail: unknown }).detail;
  if (!Array.isArray(detail)) return null;
  const first: unknown = detail[0];
  if (typeof first === "object" && first !== null && "msg" in first) {
    const msg = (first as { msg: unknown }).msg;
    return typeof msg === "string" ? msg : null;
  }
  return null;
}

/** The server's answer to `POST /cameras/{id}/webrtc/offer` when it is not 200. */
export function describeOfferError(status: number, body: unknown): Problem {
  const code = detailCode(body);
  if (code === "CAMERA_NOT_WEBRTC") {
    return {
      kind: "not-webrtc",
      text: "This Vigil camera is not a phone (WebRTC) camera: it reads its video from elsewhere.",
      action: "Choose another camera, or create a new phone camera.",
    };
  }
  if (code === "CAMERA_DISABLED") {
    return {
      kind: "disabled",
      text: "This camera is disabled in Vigil.",
      action: "Enable it on its page (Cameras), then press Start.",
    };
  }
  if (status === 503 || code === "WEBRTC_NEGOTIATION_TIMEOUT") {
    return {
      kind: "negotiation-timeout",
      text: "Vigil took too long to answer the connection request (it may be busy).",
      action: "Press Start to try again.",
    };
  }
  if (status === 404) {
    return {
      kind: "not-found",
      text: "This camera no longer exists, or you may no longer see it.",
      action: "Choose another camera, or create a new phone camera.",
    };
  }
  if (status === 403) {
    return {
      kind: "forbidden",
      text: "You may not publish to this camera: only its owner or an administrator may.",
      action: "Choose one of your cameras, or create a new phone camera.",
    };
  }
  if (status === 422) {
    const message = detailMessage(body);
    return {
      kind: "offer-refused",
      text: `Vigil refused this browser's offer${message ? `: ${message}` : "."}`,
      action: "Try another browser (a recent Chrome, Safari or Firefox).",
    };
  }
  return {
    kind: "server",
    text: `Vigil answered ${status}${code ? ` (${code})` : ""}.`,
    action: "Press Start to try again.",
  };
}

export function unreachable(): Problem {
  return {
    kind: "unreachable",
    text: "Vigil could not be reached.",
    action: "Check this device's network connection, then press Start.",
  };
}
