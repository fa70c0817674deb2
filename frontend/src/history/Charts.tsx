/** The History page's charts (loaded on demand: recharts is most of their weight). */
import { Link, useNavigate } from "@tanstack/react-router";
import { useMemo } from "react";
import type { IncidentStats } from "../client";
import type { IncidentFilters } from "../incidents/filters";
import { CameraChart } from "./CameraChart";
import { heatCellSpan, heatRows, incidentsSearch, plural, type TimeRow, timeRows } from "./chartData";
import { labelColor } from "./colors";
import { HeatStrip } from "./HeatStrip";
import { OverTimeChart } from "./OverTimeChart";
import { rangePhrase } from "./range";
import type { HistoryRange } from "./search";

export default function Charts({
  stats,
  range,
  camera,
}: {
  stats: IncidentStats;
  range: HistoryRange;
  camera: number | undefined;
}) {
  const navigate = useNavigate();
  const rows = useMemo(() => timeRows(stats), [stats]);
  const heat = useMemo(() => heatRows(stats), [stats]);
  const whole = { since: new Date(stats.since), until: new Date(stats.until) };
  const searchFor = (span: { since: Date; until: Date }, filter: { camera?: number; label?: string }) =>
    incidentsSearch(span, whole.until, { camera, ...filter }); // a span reaching the answer's end stays open
  const open = (filters: IncidentFilters) => navigate({ to: "/incidents", search: filters });
  const openBucket = (row: TimeRow, label: string) =>
    open(searchFor({ since: row.start, until: row.end }, { label }));
  return (
    <div className="history-grid">
      <section className="history-panel" aria-labelledby="over-time-title">
        <h2 id="over-time-title">Incidents over time</h2>
        <ul className="legend" aria-label="Labels">
          {stats.by_label.map((entry) => (
            <li key={entry.label}>
              <Link to="/incidents" search={searchFor(whole, { label: entry.label })}>
                <span className="swatch" style={{ background: labelColor(entry.label) }} aria-hidden="true" />
                {entry.label}: {entry.count}
              </Link>
            </li>
          ))}
        </ul>
        <OverTimeChart rows={rows} labels={stats.labels} onOpen={openBucket} />
        <details className="details-table">
          <summary>Incidents over time as a table</summary>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{stats.bucket === "hour" ? "Hour" : "Day"}</th>
                  <th scope="col">All</th>
                  {stats.labels.map((label) => (
                    <th key={label} scope="col">
                      {label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.start.toISOString()}>
                    <th scope="row">{row.title}</th>
                    <td>{row.total}</td>
                    {stats.labels.map((label) => {
                      const count = row.counts[label] ?? 0;
                      return (
                        <td key={label}>
                          {count > 0 ? (
                            <Link
                              to="/incidents"
                              search={searchFor({ since: row.start, until: row.end }, { label })}
                              aria-label={`${label}, ${row.title}: ${plural(count)}`}
                            >
                              {count}
                            </Link>
                          ) : (
                            0
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
      <section className="history-panel" aria-labelledby="by-camera-title">
        <h2 id="by-camera-title">By camera</h2>
        <CameraChart
          cameras={stats.by_camera}
          onOpen={(c) => open(searchFor(whole, { camera: c.camera_id }))}
        />
        <ul className="legend" aria-label="Incidents per camera">
          {stats.by_camera.map((c) => (
            <li key={c.camera_id}>
              <Link to="/incidents" search={searchFor(whole, { camera: c.camera_id })}>
                {c.name}: {c.count}
              </Link>
            </li>
          ))}
        </ul>
      </section>
      <section className="history-panel wide" aria-labelledby="by-hour-title">
        <h2 id="by-hour-title">By hour of day</h2>
        <p className="hint">
          Local time ({stats.tz}), {rangePhrase(range)}. A cell opens its incidents
          {stats.bucket === "hour" ? " of that hour" : " of the whole range"}.
          <span className="phone-only"> Scroll sideways for every hour.</span>
        </p>
        <HeatStrip
          rows={heat}
          searchFor={(label, hour) => searchFor(heatCellSpan(rows, stats.bucket, hour, whole), { label })}
        />
      </section>
    </div>
  );
}
