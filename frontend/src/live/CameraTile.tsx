import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { type CameraPublic, camerasHealth } from "../client";
import { cameraTime, healthBadge, healthWords } from "./health";
import { drawOverlay } from "./overlay";
import { useLiveFrames } from "./useLiveFrames";
import { drawZones } from "./zones";

const HEALTH_POLL_MS = 3000;

/** A camera's live video: JPEG frames from socket.io with the overlay drawn over them. */
export function CameraTile({
  camera,
  alerting = false,
  healthPollMs = HEALTH_POLL_MS,
}: {
  camera: CameraPublic;
  /** The camera has an open alert (a high or critical incident that has not ended): the tile is red. */
  alerting?: boolean;
  healthPollMs?: number;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [enlarged, setEnlarged] = useState(false);
  const [frames, setFrames] = useState(0);
  const [clock, setClock] = useState<number | undefined>(undefined);
  const [watchError, setWatchError] = useState<string | null>(null);
  const [showZones, setShowZones] = useState(false);
  const zones = camera.zones ?? [];
  const health = useQuery({
    queryKey: ["camera-health", camera.id],
    queryFn: async () => (await camerasHealth({ path: { camera_id: camera.id }, throwOnError: true })).data,
    refetchInterval: healthPollMs,
  });

  const received = useRef(0);
  useLiveFrames(camera.id, {
    onWatch: (ack) => setWatchError(ack.ok ? null : (ack.detail ?? "cannot watch")),
    onReceived: () => {
      const canvas = canvasRef.current;
      if (!canvas) return;
      received.current += 1;
      canvas.dataset.received = String(received.current);
    },
    paused: () => !canvasRef.current,
    onBitmap: (bitmap, frame) => {
      const canvas = canvasRef.current;
      if (canvas) {
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        const ctx = canvas.getContext("2d");
        if (ctx) {
          ctx.drawImage(bitmap, 0, 0);
          drawOverlay(ctx, frame.overlay, canvas.width, canvas.height);
          if (showZones) drawZones(ctx, zones, canvas.width, canvas.height);
        }
        setFrames((n) => n + 1);
        setClock(frame.wall_time_s);
      }
      bitmap.close();
    },
  });

  useEffect(() => {
    if (!enlarged) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setEnlarged(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enlarged]);

  const badge = healthBadge(health.data?.state, health.data?.analysis_behind);
  const why = healthWords(health.data);
  return (
    <figure
      className={["tile", enlarged ? "enlarged" : "", alerting ? "alerting" : ""].join(" ").trim()}
      data-camera-id={camera.id}
    >
      <button
        type="button"
        className="tile-video"
        aria-label={enlarged ? `Shrink ${camera.name}` : `Enlarge ${camera.name}`}
        aria-pressed={enlarged}
        onClick={() => setEnlarged((e) => !e)}
      >
        <canvas
          ref={canvasRef}
          width={640}
          height={360}
          data-frames={frames}
          data-zones={showZones ? zones.length : 0}
        />
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
        {frames > 0 && (
          <time className="hint tile-clock" data-testid="camera-time">
            {cameraTime(clock)}
          </time>
        )}
        {alerting && <span className="badge bad">open alert</span>}
        {zones.length > 0 && (
          <button
            type="button"
            className="tile-toggle"
            aria-pressed={showZones}
            aria-label={`Zones of ${camera.name}`}
            onClick={() => setShowZones((on) => !on)}
          >
            Zones
          </button>
        )}
        {why && (
          <span className="tile-why" data-testid="health-words">
            {why}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
