import { Link } from "@tanstack/react-router";
import { CameraTile } from "../live/CameraTile";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";

export function WallPage() {
  const cameras = useCameras();
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
          <CameraTile key={camera.id} camera={camera} />
        ))}
      </div>
    </main>
  );
}
