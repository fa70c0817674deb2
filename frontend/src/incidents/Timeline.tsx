/** A strip above the incident list: one mark per listed incident at its start, as wide as it lasted,
 * coloured by severity, each a link to the incident; quick ranges set the page's From / Until filters. */
import { Link } from "@tanstack/react-router";
import { useEffect, useMemo, useState } from "react";
import type { IncidentListItem } from "../client";
import { axisTicks, laneCount, layoutMarks, QUICK_RANGES, quickRange, timelineWindow } from "./timeline";
import "./timeline.css";

const LANE_PX = 26;
const DAY_MS = 86_400_000;

/** The current time, refreshed every `intervalMs` (open incidents grow with it). */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export interface TimelineProps {
  incidents: readonly IncidentListItem[];
  since?: string | undefined;
  until?: string | undefined;
  fresh: ReadonlySet<number>;
  onRange: (range: { since?: string | undefined; until?: string | undefined }) => void;
}

export function Timeline({ incidents, since, until, fresh, onRange }: TimelineProps) {
  const now = useNow(30_000);
  const span = useMemo(
    () => timelineWindow(incidents, { since, until }, now),
    [incidents, since, until, now],
  );
  const marks = useMemo(
    () => layoutMarks(incidents, span, now, { formatTime: (d) => full.format(d) }),
    [incidents, span, now],
  );
  const lanes = laneCount(marks);
  const axis = span.end - span.start > DAY_MS * 1.5 ? dayAndTime : timeOnly;
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <div className="timeline-head">
        <h2 id="timeline-title">Timeline</h2>
        <p className="hint">
          {full.format(span.start)} – {full.format(span.end)}
        </p>
        <fieldset className="timeline-quick">
          <legend className="visually-hidden">Quick range</legend>
          {QUICK_RANGES.map((range) => (
            <button key={range.name} type="button" onClick={() => onRange(quickRange(range.ms, new Date()))}>
              {range.name}
            </button>
          ))}
          <button
            type="button"
            disabled={!since && !until}
            onClick={() => onRange({ since: undefined, until: undefined })}
          >
            Any time
          </button>
        </fieldset>
      </div>
      <div className="timeline-strip" style={{ height: lanes * LANE_PX + 6 }}>
        {marks.length === 0 && <p className="hint timeline-empty">No incident in this span.</p>}
        <ol className="timeline-marks" aria-label="Incidents on the timeline">
          {marks.map((mark) => (
            <li key={mark.id}>
              <Link
                to="/incidents/$incidentId"
                params={{ incidentId: String(mark.id) }}
                className={[
                  "timeline-mark",
                  `tl-${mark.severity}`,
                  mark.open ? "tl-open" : "",
                  fresh.has(mark.id) ? "tl-fresh" : "",
                ]
                  .filter(Boolean)
                  .join(" ")}
                style={{
                  left: `min(${mark.left}%, calc(100% - 12px))`,
                  width: `${mark.width}%`,
                  top: mark.lane * LANE_PX + 3,
                }}
                aria-label={mark.name}
                title={mark.name}
                data-incident-id={mark.id}
              />
            </li>
          ))}
        </ol>
      </div>
      <div className="timeline-axis" aria-hidden="true">
        {axisTicks(span, 5).map((tick) => (
          <span key={tick.left} style={{ left: `${tick.left}%` }}>
            {axis.format(tick.time)}
          </span>
        ))}
      </div>
      <ul className="timeline-legend" aria-label="Severity colours">
        {["low", "medium", "high", "critical"].map((severity) => (
          <li key={severity}>
            <span className={`timeline-swatch tl-${severity}`} aria-hidden="true" /> {severity}
          </li>
        ))}
      </ul>
    </section>
  );
}
