/** The camera page's "Activity": the baseline's learning status, a day picker, a chart per measure with
 * its expected band, and (for those who manage the camera) resetting the baseline. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useId, useState } from "react";
import { activityGet, type CameraPublic } from "../client";
import { errorMessage } from "../ui/errors";
import { dayWords, hasActivity, learningText, shiftDay } from "./activityData";
import { ResetBaseline } from "./ResetBaseline";
import "./activity.css";

const ActivityCharts = lazy(() => import("./ActivityCharts"));

export const activityKey = (cameraId: number) => ["activity", cameraId] as const;

export function ActivitySection({ camera }: { camera: CameraPublic }) {
  const id = useId();
  // undefined: the camera's today, as the server counts days (its time zone, not the browser's)
  const [day, setDay] = useState<string | undefined>(undefined);
  const activity = useQuery({
    queryKey: [...activityKey(camera.id), day ?? "today"],
    queryFn: async () =>
      (
        await activityGet({
          path: { camera_id: camera.id },
          query: day === undefined ? {} : { day },
          throwOnError: true,
        })
      ).data,
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  const data = activity.data;
  const shown = day ?? data?.day;
  const move = (days: number) => {
    if (shown) setDay(shiftDay(shown, days));
  };

  return (
    <section aria-labelledby={`${id}-title`} className="activity">
      <h2 id={`${id}-title`}>Activity</h2>
      <p className="activity-status" role="status">
        {data ? learningText(data.learning) : activity.isPending ? "Loading activity…" : ""}
      </p>
      {data?.learning.enabled && (
        <p className="hint">
          Each hour of the week has its own usual range, learned from this camera's days. An hour far outside
          it opens an <code className="ident">anomaly</code> incident
          {data.learning.learning ? ` once ${data.learning.days_needed} days are learned` : ""}. Times are on
          the server's clock ({data.timezone}).
        </p>
      )}
      <fieldset className="activity-day">
        <legend>Day</legend>
        <button type="button" disabled={!shown} onClick={() => move(-1)}>
          ← Previous day
        </button>
        <input
          type="date"
          aria-label="Day shown"
          value={shown ?? ""}
          onChange={(e) => {
            if (e.target.value) setDay(e.target.value);
          }}
        />
        <button type="button" disabled={!shown} onClick={() => move(1)}>
          Next day →
        </button>
        {day !== undefined && (
          <button type="button" className="link" onClick={() => setDay(undefined)}>
            Today
          </button>
        )}
      </fieldset>
      {activity.isError && (
        <p className="banner error" role="alert">
          {errorMessage(activity.error)}
        </p>
      )}
      {data && !hasActivity(data) && (
        <p className="banner activity-empty">
          No activity recorded on {dayWords(data.day)} yet
          {data.measures.length > 0 ? ": the charts show only what the baseline expects." : "."}
        </p>
      )}
      {data && data.measures.length > 0 && (
        <Suspense fallback={<p className="hint">Loading charts…</p>}>
          <ActivityCharts activity={data} />
        </Suspense>
      )}
      {camera.access === "manage" && data?.learning.enabled && <ResetBaseline camera={camera} />}
    </section>
  );
}
