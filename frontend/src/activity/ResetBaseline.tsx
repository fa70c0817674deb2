/** "Reset baseline" (the camera's managers): the camera forgets what it learned and learns again from now. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { activityReset, type CameraPublic } from "../client";
import { errorMessage } from "../ui/errors";
import { activityError } from "./activityData";

export function ResetBaseline({ camera }: { camera: CameraPublic }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function reset() {
    setBusy(true);
    setError(null);
    const { error } = await activityReset({ path: { camera_id: camera.id } });
    setBusy(false);
    if (error !== undefined) {
      setError(activityError(error) ?? errorMessage(error));
      return;
    }
    setConfirming(false);
    setDone(true);
    await queryClient.invalidateQueries({ queryKey: ["activity", camera.id] });
  }

  return (
    <div className="stack activity-reset">
      {!confirming ? (
        <div className="row">
          <button
            type="button"
            onClick={() => {
              setDone(false);
              setConfirming(true);
            }}
          >
            Reset baseline…
          </button>
        </div>
      ) : (
        <div role="alertdialog" aria-label="Confirm baseline reset" className="stack">
          <p>
            Forget everything {camera.name}'s baseline has learned? It learns again from now, and no anomaly
            is raised until it has enough days again. What was seen stays on the charts.
          </p>
          <div className="row">
            <button type="button" className="bad" disabled={busy} onClick={() => void reset()}>
              Yes, reset the baseline
            </button>
            {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes the focus when the question opens */}
            <button type="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {done && <p className="hint">The baseline was reset.</p>}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
