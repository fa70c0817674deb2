import { useQuery } from "@tanstack/react-query";
import { camerasHealth } from "../client";
import { healthBadge } from "../live/health";

/** The camera's source state as a coloured badge, polled while shown. */
export function CameraStateBadge({ cameraId }: { cameraId: number }) {
  const health = useQuery({
    queryKey: ["camera-health", cameraId],
    queryFn: async () => (await camerasHealth({ path: { camera_id: cameraId }, throwOnError: true })).data,
    refetchInterval: 5000,
  });
  const badge = healthBadge(health.data?.state);
  return (
    <span className={`badge ${badge.tone}`} title={health.data?.last_error ?? undefined}>
      {badge.text}
    </span>
  );
}
