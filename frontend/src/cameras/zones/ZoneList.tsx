/** The camera's zones, each with its kind, corners, loiter time and closed hours; Edit and Delete. */
import { formatClosedHours } from "../closedHours";
import { badgeClass, ZONE_KIND_NAMES } from "./kinds";
import type { ZoneDrawing } from "./useZoneDrawing";

export function ZoneList({ drawing, editable }: { drawing: ZoneDrawing; editable: boolean }) {
  const { zones, selected, select, deleteZone } = drawing;
  if (zones.length === 0) return <p className="hint">No zone.</p>;
  return (
    <ul className="zone-list">
      {zones.map((zone, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a zone being renamed keeps its row
        <li key={index} className={index === selected ? "selected" : undefined}>
          <span className={badgeClass(zone.kind)}>{ZONE_KIND_NAMES[zone.kind]}</span>
          <span>{zone.name}</span>
          <span className="hint">
            {zone.points.length} corners
            {zone.kind === "loiter" && ` · ${zone.loiter_s ?? 60} s`}
            {zone.closed_hours &&
              zone.closed_hours.length > 0 &&
              ` · closed ${formatClosedHours(zone.closed_hours)}`}
          </span>
          {editable && (
            <>
              <button
                type="button"
                className="link"
                aria-pressed={index === selected}
                aria-label={`Edit zone ${zone.name}`}
                onClick={() => select(index === selected ? null : index)}
              >
                {index === selected ? "Editing" : "Edit"}
              </button>
              <button
                type="button"
                className="link"
                aria-label={`Delete zone ${zone.name}`}
                onClick={() => deleteZone(index)}
              >
                Delete
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
