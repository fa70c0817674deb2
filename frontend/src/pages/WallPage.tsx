import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { useMe } from "../auth/useMe";
import { type CameraPublic, incidentsList } from "../client";
import { CameraTile } from "../live/CameraTile";
import { camerasShown, focusSplit } from "../live/layouts";
import { useCameras } from "../live/useCameras";
import { useWallPrefs } from "../live/useWallPrefs";
import { WallControls } from "../live/WallControls";
import { errorMessage } from "../ui/errors";
import { usePageTitle } from "../ui/usePageTitle";

export function WallPage() {
  usePageTitle("Live");
  const cameras = useCameras();
  const me = useMe();
  const [prefs, setPrefs] = useWallPrefs(me.data?.id);
  // Open alerts (high or critical, not ended): their cameras' tiles turn red until the incident ends.
  // Incident socket events invalidate every "incidents" query, so this follows opens and closes live.
  const openAlerts = useQuery({
    queryKey: ["incidents", "open-alerts"],
    queryFn: async () =>
      (await incidentsList({ query: { group: "alert", open: true, limit: 500 }, throwOnError: true })).data,
  });
  const alerting = new Set(openAlerts.data?.items.map((i) => i.camera_id));
  const all = cameras.data?.items ?? [];
  const shown = camerasShown(all, prefs);
  const tile = (camera: CameraPublic) => (
    <CameraTile key={camera.id} camera={camera} alerting={alerting.has(camera.id)} />
  );
  return (
    <main>
      <h1>Live</h1>
      {cameras.isPending && <p>Loading cameras…</p>}
      {cameras.isError && (
        <p className="banner error" role="alert">
          {errorMessage(cameras.error)}
        </p>
      )}
      {cameras.data && all.length === 0 && <NoCamera viewer={me.data?.role === "viewer"} />}
      {all.length > 0 && <WallControls prefs={prefs} onChange={setPrefs} cameras={all} />}
      {all.length > 0 && shown.length === 0 && (
        <p className="banner">None of this group's cameras is available to you now.</p>
      )}
      {prefs.layout === "focus" ? (
        <FocusLayout
          cameras={shown}
          focusId={prefs.focusId}
          onFocus={(id) => setPrefs({ ...prefs, focusId: id })}
          tile={tile}
        />
      ) : (
        <div className={`wall cols-${prefs.layout}`} data-layout={prefs.layout}>
          {shown.map(tile)}
        </div>
      )}
    </main>
  );
}

/** An empty wall says what this account can do about it: a viewer cannot add cameras. */
function NoCamera({ viewer }: { viewer: boolean }) {
  return viewer ? (
    <p className="banner" data-testid="no-camera">
      No camera is shared with you yet. Ask an administrator to share a camera with you; it appears here.
    </p>
  ) : (
    <p className="banner" data-testid="no-camera">
      No camera yet. Cameras you own or that are shared with you appear here;{" "}
      <Link to="/cameras">add one on the Cameras page</Link>.
    </p>
  );
}

/** One camera large, the others in a strip under it, each with a button that makes it the large one. */
function FocusLayout({
  cameras,
  focusId,
  onFocus,
  tile,
}: {
  cameras: CameraPublic[];
  focusId: number | null;
  onFocus: (id: number) => void;
  tile: (camera: CameraPublic) => ReactNode;
}) {
  const { focus, strip } = focusSplit(cameras, focusId);
  return (
    <div className="wall-focus" data-layout="focus">
      {focus && <div className="focus-main">{tile(focus)}</div>}
      {strip.length > 0 && (
        <ul className="wall-strip" aria-label="Other cameras">
          {strip.map((camera) => (
            <li key={camera.id}>
              {tile(camera)}
              <button type="button" className="secondary" onClick={() => onFocus(camera.id)}>
                Show large<span className="visually-hidden"> {camera.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
