/** "Mark as normal" on an anomaly incident: the camera's baseline takes in its unusual activity, so the
 * same pattern at this hour no longer raises an incident, and the incident is resolved. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { activityMarkNormal, type IncidentDetail } from "../client";
import { errorMessage } from "../ui/errors";
import { absorbedText, activityError } from "./activityData";
import "./activity.css";

export function MarkNormal({ incident }: { incident: IncidentDetail }) {
  const queryClient = useQueryClient();
  const hintId = useId();
  const mark = useMutation({
    mutationFn: async () =>
      (await activityMarkNormal({ path: { incident_id: incident.id }, throwOnError: true })).data,
    onSuccess: (marked) => {
      queryClient.setQueryData(["incident", incident.id], marked.incident);
      void queryClient.invalidateQueries({ queryKey: ["incidents"] });
      void queryClient.invalidateQueries({ queryKey: ["activity", incident.camera_id] });
    },
  });
  return (
    <div className="stack mark-normal">
      <div className="row">
        <button
          type="button"
          aria-describedby={hintId}
          disabled={mark.isPending || mark.isSuccess}
          onClick={() => mark.mutate()}
        >
          Mark as normal
        </button>
      </div>
      <p className="hint" id={hintId}>
        The camera's baseline takes this activity in: the same pattern at this hour will no longer raise an
        incident. The incident is resolved.
      </p>
      {mark.isSuccess && (
        <p className="banner" role="status">
          {absorbedText(mark.data.absorbed)}
        </p>
      )}
      {mark.isError && (
        <p className="banner error" role="alert">
          {activityError(mark.error) ?? errorMessage(mark.error)}
        </p>
      )}
    </div>
  );
}
