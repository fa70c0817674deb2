import { useQuery } from "@tanstack/react-query";
import { camerasHealth } from "../client";
import { healthBadge, healthWords } from "../live/health";

/** The camera's source state as a coloured badge and, when it is not streaming, why in words; polled. */
export function CameraStateBadge({ cameraId }: { cameraId: number }) {
  const health = useQuery({
    queryKey: ["camera-health", cameraId],
    queryFn: async () => (await camerasHealth({ path: { camera_id: cameraId }, throwOnError: true })).data,
    refetchInterval: 5000,
  });
  const badge = healthBadge(health.data?.state, health.data?.analysis_behind);
  const why = healthWords(health.data);
  return (
    <>
      <span className={`badge ${badge.tone}`}>{badge.text}</span>
      {why && <span className="health-words">{why}</span>}
    </>
  );
}
