import { useQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { lazy, Suspense } from "react";
import { incidentsStats } from "../client";
import { plural } from "../history/chartData";
import { browserTimeZone, RANGE_NAMES, rangePhrase, rangeWindow } from "../history/range";
import { DEFAULT_RANGE, type HistorySearch, RANGES } from "../history/search";
import "../history/history.css";
import { CameraSelect } from "../live/CameraSelect";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { usePageTitle } from "../ui/usePageTitle";

const Charts = lazy(() => import("../history/Charts"));

export function HistoryPage() {
  usePageTitle("History");
  const search = useSearch({ from: "/app/history" });
  const navigate = useNavigate({ from: "/history" });
  const range = search.range ?? DEFAULT_RANGE;
  const camera = search.camera;
  const tz = browserTimeZone();
  const cameras = useCameras();
  const stats = useQuery({
    // Under "incidents": a live incident refreshes these counts as it does the incident list.
    queryKey: ["incidents", "stats", { range, camera, tz }],
    queryFn: async () => {
      const window = rangeWindow(range, new Date());
      const query = {
        since: window.since.toISOString(),
        until: window.until.toISOString(),
        bucket: window.bucket,
        tz,
        ...(camera !== undefined ? { camera_id: camera } : {}),
      };
      return (await incidentsStats({ query, throwOnError: true })).data;
    },
    refetchInterval: 60_000,
  });

  const set = (change: HistorySearch) =>
    navigate({ search: (old: HistorySearch) => ({ ...old, ...change }) });

  const cameraName =
    camera !== undefined ? cameras.data?.items.find((c) => c.id === camera)?.name : undefined;
  return (
    <main className="history">
      <h1>History</h1>
      <form className="history-controls" aria-label="History range" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="range-field">
          <legend>Range</legend>
          <div className="segmented">
            {RANGES.map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={r === range}
                onClick={() => set({ range: r === DEFAULT_RANGE ? undefined : r })}
              >
                {RANGE_NAMES[r]}
              </button>
            ))}
          </div>
        </fieldset>
        <CameraSelect value={camera} onChange={(id) => set({ camera: id })} />
      </form>
      {stats.isError && (
        <p className="banner error" role="alert">
          {errorMessage(stats.error)}
        </p>
      )}
      <p className="history-total" role="status">
        {stats.isPending
          ? "Loading…"
          : stats.data
            ? `${plural(stats.data.total)} ${rangePhrase(range)}${cameraName ? ` on ${cameraName}` : ""}`
            : ""}
      </p>
      {stats.data &&
        (stats.data.total === 0 ? (
          <p className="banner">
            No incident {rangePhrase(range)}
            {cameraName ? ` on ${cameraName}` : ""}, so nothing to chart.
            {range !== "month" ? " Try a longer range." : ""}
            {camera !== undefined ? " Try all cameras." : ""}
          </p>
        ) : (
          <Suspense fallback={<p className="hint">Loading charts…</p>}>
            <Charts stats={stats.data} range={range} camera={camera} />
          </Suspense>
        ))}
    </main>
  );
}
