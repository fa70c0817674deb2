/** The camera page's activity charts, one per measure, each with its table (loaded on demand: recharts is
 * most of their weight). */
import { useId, useMemo, useState } from "react";
import type { ActivityMeasure, CameraActivity } from "../client";
import {
  bandRows,
  formatRange,
  formatValue,
  hourLabel,
  isUnusual,
  knownZone,
  measureTitle,
  slotPoints,
  unusualCount,
} from "./activityData";
import { BAND, MID, OBSERVED, UNUSUAL } from "./colors";
import { MeasureChart, triangle } from "./MeasureChart";
import "../history/history.css";

export default function ActivityCharts({ activity }: { activity: CameraActivity }) {
  const timezone = knownZone(activity.timezone);
  return (
    <div className="activity-grid">
      {activity.measures.map((measure) => (
        <MeasurePanel key={measure.measure} measure={measure} timezone={timezone} />
      ))}
    </div>
  );
}

function MeasurePanel({ measure, timezone }: { measure: ActivityMeasure; timezone: string | undefined }) {
  const id = useId();
  const band = useMemo(() => bandRows(measure.expected), [measure.expected]);
  const points = useMemo(
    () => slotPoints(measure.observed, measure.unit, timezone),
    [measure.observed, measure.unit, timezone],
  );
  const title = measureTitle(measure);
  const negative = [...measure.observed.map((p) => p.value), ...measure.expected.map((h) => h.low)].some(
    (v) => v < 0,
  );
  return (
    <section className="activity-panel" aria-labelledby={`${id}-title`} data-measure={measure.measure}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p className="hint">
        {points.length === 0
          ? "Nothing seen this day."
          : `${points.length} slot${points.length === 1 ? "" : "s"} seen, ${unusualCount(points)}.`}
        {band.length === 0 && " No expected range yet."}
      </p>
      <MeasureChart band={band} points={points} unit={measure.unit} negative={negative} />
      <Legend />
      <MeasureTables measure={measure} title={title} timezone={timezone} />
    </section>
  );
}

function Legend() {
  return (
    <ul className="legend activity-legend" aria-label="Chart key">
      <li>
        <svg width="16" height="12" aria-hidden="true">
          <rect x="0" y="1" width="16" height="10" fill={BAND} fillOpacity={0.35} />
          <line x1="0" y1="6" x2="16" y2="6" stroke={MID} strokeDasharray="4 3" />
        </svg>
        expected range and middle
      </li>
      <li>
        <svg width="16" height="12" aria-hidden="true">
          <line x1="0" y1="6" x2="16" y2="6" stroke={OBSERVED} strokeWidth={1.5} />
          <circle cx="8" cy="6" r="2" fill={OBSERVED} />
        </svg>
        seen
      </li>
      <li>
        <svg width="14" height="14" aria-hidden="true">
          <path d={triangle(7, 8, true)} fill={UNUSUAL} />
        </svg>
        unusual: more
      </li>
      <li>
        <svg width="14" height="14" aria-hidden="true">
          <path d={triangle(7, 6, false)} fill={UNUSUAL} />
        </svg>
        unusual: less
      </li>
    </ul>
  );
}

/** The chart as tables, built only when opened (a day of one-minute slots is 1440 rows). */
function MeasureTables({
  measure,
  title,
  timezone,
}: {
  measure: ActivityMeasure;
  title: string;
  timezone: string | undefined;
}) {
  const [open, setOpen] = useState(false);
  return (
    <details className="details-table" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{title} as a table</summary>
      {open && <TablesBody measure={measure} title={title} timezone={timezone} />}
    </details>
  );
}

function TablesBody({
  measure,
  title,
  timezone,
}: {
  measure: ActivityMeasure;
  title: string;
  timezone: string | undefined;
}) {
  const points = slotPoints(measure.observed, measure.unit, timezone);
  const hours = [...measure.expected].sort((a, b) => a.hour - b.hour);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls on its own, so it takes focus for a keyboard to scroll it (axe: scrollable-region-focusable)
    <section className="table-scroll" aria-label={`${title} as a table`} tabIndex={0}>
      <table>
        <caption>{title}: what was seen, slot by slot</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Seen</th>
            <th scope="col">Expected then</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {points.length === 0 && (
            <tr>
              <td colSpan={4}>Nothing seen this day.</td>
            </tr>
          )}
          {points.map((point) => (
            <tr key={point.time} className={isUnusual(point) ? "unusual" : undefined}>
              <th scope="row">{point.time}</th>
              <td>{point.seen}</td>
              <td>{point.expected}</td>
              <td>{point.verdictText}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>{title}: the range the baseline expects, hour by hour</caption>
        <thead>
          <tr>
            <th scope="col">Hour</th>
            <th scope="col">Expected range</th>
            <th scope="col">Middle</th>
            <th scope="col">History (slots)</th>
          </tr>
        </thead>
        <tbody>
          {hours.length === 0 && (
            <tr>
              <td colSpan={4}>No expected range yet.</td>
            </tr>
          )}
          {hours.map((hour) => (
            <tr key={hour.starts_at}>
              <th scope="row">
                {hourLabel(hour.hour)}–{hourLabel(hour.hour + 1)}
              </th>
              <td>{formatRange(hour.low, hour.high, measure.unit)}</td>
              <td>{formatValue(hour.mid, measure.unit)}</td>
              <td>{Math.round(hour.history)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
