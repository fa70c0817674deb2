/** What the page asks the browser for: the lens (front, back or one device), the resolution, the microphone. */

export type Facing = "user" | "environment";

/** A lens: one of the two sides (phones), or one video input by its id (laptops, USB webcams). */
export type Lens = { kind: "facing"; facing: Facing } | { kind: "device"; deviceId: string };

export interface Resolution {
  id: "360p" | "480p" | "720p" | "1080p";
  label: string;
  width: number;
  height: number;
}

export const RESOLUTIONS: readonly Resolution[] = [
  { id: "360p", label: "360p (640×360, least data)", width: 640, height: 360 },
  { id: "480p", label: "480p (854×480)", width: 854, height: 480 },
  { id: "720p", label: "720p (1280×720)", width: 1280, height: 720 },
  { id: "1080p", label: "1080p (1920×1080, most data)", width: 1920, height: 1080 },
];

export const DEFAULT_RESOLUTION: Resolution["id"] = "720p";
export const DEFAULT_LENS: Lens = { kind: "facing", facing: "environment" };
/** The models analyse a few frames a second; 15 keeps motion smooth in clips without costing a phone. */
export const FRAME_RATE = { ideal: 15, max: 30 };

export function resolution(id: string): Resolution {
  return (
    RESOLUTIONS.find((r) => r.id === id) ??
    (RESOLUTIONS.find((r) => r.id === DEFAULT_RESOLUTION) as Resolution)
  );
}

/** Video constraints: `ideal` everywhere except a chosen device, so a camera that cannot do 720p still opens. */
export function videoConstraints(lens: Lens, resolutionId: string): MediaTrackConstraints {
  const { width, height } = resolution(resolutionId);
  const source: MediaTrackConstraints =
    lens.kind === "device" ? { deviceId: { exact: lens.deviceId } } : { facingMode: { ideal: lens.facing } };
  return { ...source, width: { ideal: width }, height: { ideal: height }, frameRate: FRAME_RATE };
}

/** Raw sound: echo cancellation, noise suppression and gain control would remove or flatten the very sounds
 * (screams, glass, alarms) Vigil listens for. */
export function audioConstraints(microphone: boolean): MediaTrackConstraints | false {
  return microphone ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false } : false;
}

export function mediaConstraints(
  lens: Lens,
  resolutionId: string,
  microphone: boolean,
): MediaStreamConstraints {
  return { video: videoConstraints(lens, resolutionId), audio: audioConstraints(microphone) };
}

/** The lens select's value ↔ a Lens. */
export function lensValue(lens: Lens): string {
  return lens.kind === "facing" ? `facing:${lens.facing}` : `device:${lens.deviceId}`;
}

export function parseLens(value: string): Lens {
  if (value === "facing:user") return { kind: "facing", facing: "user" };
  if (value.startsWith("device:") && value.length > "device:".length) {
    return { kind: "device", deviceId: value.slice("device:".length) };
  }
  return DEFAULT_LENS;
}

export interface LensOption {
  value: string;
  label: string;
}

/** Back and front first (what a phone user thinks in), then each video input the browser named. Before
 * permission is granted browsers give no labels (and often no ids): those inputs are left out. */
export function lensOptions(
  devices: readonly Pick<MediaDeviceInfo, "kind" | "deviceId" | "label">[],
): LensOption[] {
  const options: LensOption[] = [
    { value: "facing:environment", label: "Back camera" },
    { value: "facing:user", label: "Front camera" },
  ];
  const inputs = devices.filter((d) => d.kind === "videoinput" && d.deviceId !== "" && d.label !== "");
  const seen = new Set<string>();
  for (const [index, device] of inputs.entries()) {
    if (seen.has(device.deviceId)) continue;
    seen.add(device.deviceId);
    options.push({ value: `device:${device.deviceId}`, label: device.label || `Camera ${index + 1}` });
  }
  return options;
}
