/** The zone chosen in the list: its name, kind, loiter time, closed hours, and its corners one by one. */
import type { ZoneKind } from "../../client";
import { ClosedHoursInput } from "../ClosedHoursInput";
import { MIN_ZONE_POINTS, type NormPoint } from "../geometry";
import { ZoneKindOptions } from "./kinds";
import type { ZoneDrawing } from "./useZoneDrawing";

export function ZoneEditFields({
  id,
  drawing,
  invalid,
}: {
  id: string;
  drawing: ZoneDrawing;
  /** Why the zones cannot be saved now (a name missing or repeated); null: they can. */
  invalid: string | null;
}) {
  const { editing, selected, corner, setCorner, updateZone, removeChosenCorner, select } = drawing;
  if (!editing || selected === null) return null;
  const editPoint = editing.points[corner] as NormPoint | undefined;
  const fewest = editing.points.length <= MIN_ZONE_POINTS;
  return (
    <fieldset className="stack zone-edit">
      <legend>Editing zone {editing.name || "(no name)"}</legend>
      <p className="hint" id={`${id}-edit-hint`}>
        Drag a corner on the picture, or choose one here and move it with the arrow keys on the picture
        (Shift: bigger steps).
      </p>
      <label>
        Edited zone's name
        <input
          value={editing.name}
          maxLength={64}
          aria-invalid={invalid ? true : undefined}
          onChange={(e) => updateZone(selected, (zone) => ({ ...zone, name: e.target.value }))}
        />
      </label>
      <label>
        Edited zone's kind
        <select
          value={editing.kind}
          onChange={(e) =>
            updateZone(selected, (zone) => {
              const next = e.target.value as ZoneKind;
              const { loiter_s: _dropped, ...rest } = zone;
              return next === "loiter" ? { ...zone, kind: next } : { ...rest, kind: next };
            })
          }
        >
          <ZoneKindOptions />
        </select>
      </label>
      {editing.kind === "loiter" && (
        <label>
          Edited zone's loiter seconds (empty: 60)
          <input
            type="number"
            min={1}
            max={86400}
            value={editing.loiter_s ?? ""}
            onChange={(e) => {
              const seconds = Number(e.target.value);
              updateZone(selected, (zone) => ({
                ...zone,
                loiter_s: e.target.value !== "" && seconds > 0 ? seconds : null,
              }));
            }}
          />
        </label>
      )}
      {editing.kind !== "privacy" && (
        <ClosedHoursInput
          key={selected}
          value={editing.closed_hours}
          onChange={(windows) => updateZone(selected, (zone) => ({ ...zone, closed_hours: windows }))}
        />
      )}
      <label>
        Corner to move
        <select
          className="corner-pad"
          value={corner}
          aria-describedby={`${id}-edit-hint`}
          onChange={(e) => setCorner(Number(e.target.value))}
        >
          {editing.points.map(([x, y], index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: corners are their position in the polygon
            <option key={index} value={index}>
              Corner {index + 1} ({x.toFixed(2)}, {y.toFixed(2)})
            </option>
          ))}
        </select>
      </label>
      {editPoint && (
        <output className="hint corner-pad" data-corner={`${editPoint[0]},${editPoint[1]}`}>
          Corner {corner + 1} of {editing.points.length} at {editPoint[0].toFixed(2)},{" "}
          {editPoint[1].toFixed(2)}
        </output>
      )}
      <div className="row">
        <button
          type="button"
          onClick={removeChosenCorner}
          disabled={fewest}
          title={fewest ? `A zone keeps at least ${MIN_ZONE_POINTS} corners` : undefined}
        >
          Remove corner {corner + 1}
        </button>
        <button type="button" onClick={() => select(null)}>
          Done editing
        </button>
      </div>
      {invalid && (
        <p className="banner error" role="alert">
          {invalid}
        </p>
      )}
    </fieldset>
  );
}
