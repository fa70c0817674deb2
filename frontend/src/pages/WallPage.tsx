import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { incidentsList } from "../client";
import { CameraTile } from "../live/CameraTile";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";

export function WallPage() {
  const cameras = useCameras();
  // Open alerts (high or critical, not ended): their cameras' tiles turn red until the incident ends.
  // Incident socket events invalidate every "incidents" query, so this follows opens and closes live.
  const openAlerts = useQuery({
    queryKey: ["incidents", "open-alerts"],
    queryFn: async () =>
      (await incidentsList({ query: { group: "alert", open: true, limit: 500 }, throwOnError: true })).data,
  });
  const alerting = new Set(openAlerts.data?.items.map((i) => i.camera_id));
  return (
    <main>
      <h1>Live</h1>
      {cameras.isPending && <p>Loading cameras…</p>}
      {cameras.isError && (
        <p className="banner error" role="alert">
          {errorMessage(cameras.error)}
        </p>
      )}
      {cameras.data && cameras.data.items.length === 0 && (
        <p className="banner">
          No camera yet. Cameras you own or that are shared with you appear here;{" "}
          <Link to="/cameras">add one on the Cameras page</Link>.
        </p>
      )}
      <div className="wall">
        {cameras.data?.items.map((camera) => (
          <CameraTile key={camera.id} camera={camera} alerting={alerting.has(camera.id)} />
        ))}
      </div>
    </main>
  );
}
