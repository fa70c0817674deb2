import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { type CameraPublic, camerasHealth } from "../client";
import { healthBadge } from "./health";
import { drawOverlay } from "./overlay";
import { useSocket } from "./socket";
import type { FrameEvent } from "./types";

const HEALTH_POLL_MS = 3000;

/** A camera's live video: JPEG frames from socket.io with the overlay drawn over them. */
export function CameraTile({ camera }: { camera: CameraPublic }) {
  const socket = useSocket();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [enlarged, setEnlarged] = useState(false);
  const [frames, setFrames] = useState(0);
  const [watchError, setWatchError] = useState<string | null>(null);
  const health = useQuery({
    queryKey: ["camera-health", camera.id],
    queryFn: async () => (await camerasHealth({ path: { camera_id: camera.id }, throwOnError: true })).data,
    refetchInterval: HEALTH_POLL_MS,
  });

  useEffect(() => {
    if (!socket) return;
    let drawing = false;
    let received = 0;
    const watch = () =>
      socket.emit("watch", { camera_id: camera.id }, (ack: { ok: boolean; detail?: string }) =>
        setWatchError(ack.ok ? null : (ack.detail ?? "cannot watch")),
      );
    const onFrame = async (frame: FrameEvent) => {
      const canvas = canvasRef.current;
      if (frame.camera_id !== camera.id || !canvas) return;
      received += 1;
      canvas.dataset.received = String(received);
      if (drawing) return; // drop frames while one decodes: the newest matters, not every one
      drawing = true;
      try {
        const bitmap = await createImageBitmap(new Blob([frame.jpeg as BlobPart], { type: "image/jpeg" }));
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        const ctx = canvas.getContext("2d");
        if (ctx) {
          ctx.drawImage(bitmap, 0, 0);
          drawOverlay(ctx, frame.overlay, canvas.width, canvas.height);
        }
        bitmap.close();
        setFrames((n) => n + 1);
      } finally {
        drawing = false;
      }
    };
    socket.on("frame", onFrame);
    socket.on("connect", watch);
    if (socket.connected) watch();
    return () => {
      socket.off("frame", onFrame);
      socket.off("connect", watch);
      socket.emit("unwatch", { camera_id: camera.id });
    };
  }, [socket, camera.id]);

  useEffect(() => {
    if (!enlarged) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setEnlarged(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enlarged]);

  const badge = healthBadge(health.data?.state);
  return (
    <figure className={enlarged ? "tile enlarged" : "tile"} data-camera-id={camera.id}>
      <button
        type="button"
        className="tile-video"
        aria-label={enlarged ? `Shrink ${camera.name}` : `Enlarge ${camera.name}`}
        aria-pressed={enlarged}
        onClick={() => setEnlarged((e) => !e)}
      >
        <canvas ref={canvasRef} width={640} height={360} data-frames={frames} />
        {frames === 0 && (
          <span className="tile-waiting">
            {watchError ??
              (badge.tone === "ok" || badge.tone === "warn"
                ? "waiting for video…"
                : `no video (${badge.text})`)}
          </span>
        )}
      </button>
      <figcaption>
        <span className="tile-name">{camera.name}</span>
        <span className={`badge ${badge.tone}`} title={health.data?.last_error ?? undefined}>
          {badge.text}
        </span>
        {health.data && health.data.state === "streaming" && (
          <span className="hint">{(health.data.fps_in ?? 0).toFixed(0)} fps</span>
        )}
      </figcaption>
    </figure>
  );
}
