import { useQuery } from "@tanstack/react-query";
import { type CameraPublic, camerasHealth } from "../client";
import { CameraTile } from "../live/CameraTile";

export const SERVER_HEALTH_POLL_MS = 2000;

/** What the server sees: the frames Vigil receives and analyses for the camera, drawn with their overlay
 * exactly as on the live wall, and the server's own account of the stream. */
export function ServerView({ camera }: { camera: CameraPublic }) {
  const health = useQuery({
    queryKey: ["camera-health", camera.id],
    queryFn: async () => (await camerasHealth({ path: { camera_id: camera.id }, throwOnError: true })).data,
    refetchInterval: SERVER_HEALTH_POLL_MS,
  });
  const h = health.data;
  return (
    <div className="stack server-view">
      <CameraTile camera={camera} healthPollMs={SERVER_HEALTH_POLL_MS} />
      {h && (
        <p className="hint" aria-live="polite">
          {h.state === "streaming"
            ? `Vigil receives ${(h.fps_in ?? 0).toFixed(0)} fps and analyses ${(h.fps_analysed ?? 0).toFixed(1)} fps.`
            : h.last_error
              ? `Vigil: ${h.last_error.replace(/[.!]$/, "")}.`
              : "Vigil receives nothing from this camera yet."}
        </p>
      )}
    </div>
  );
}
