import type { SourceKind } from "../client";

export const SOURCE_KINDS: { kind: SourceKind; label: string; hint: string; placeholder: string }[] = [
  {
    kind: "rtsp",
    label: "RTSP stream",
    hint: "The stream's address, with the password if it needs one.",
    placeholder: "rtsp://user:pass@host/stream",
  },
  {
    kind: "file",
    label: "Video file",
    hint: "A video file's absolute path on the server, under one of its allowed folders.",
    placeholder: "/srv/videos/entrance.mp4",
  },
  { kind: "usb", label: "USB camera", hint: "The device on the server.", placeholder: "/dev/video0" },
  {
    kind: "webrtc",
    label: "WebRTC (browser)",
    hint: "WebRTC needs no URL: a browser sends the video.",
    placeholder: "",
  },
];

export function sourceKind(kind: SourceKind) {
  return (
    SOURCE_KINDS.find((entry) => entry.kind === kind) ?? (SOURCE_KINDS[0] as (typeof SOURCE_KINDS)[number])
  );
}
