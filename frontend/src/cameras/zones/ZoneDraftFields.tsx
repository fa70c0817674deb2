/** The zone being drawn: its corners so far, its name, kind and loiter time, and closing it. */
import type { ZoneKind } from "../../client";
import { MIN_ZONE_POINTS } from "../geometry";
import { ZoneKindOptions } from "./kinds";
import type { ZoneDrawing } from "./useZoneDrawing";

export function ZoneDraftFields({ drawing }: { drawing: ZoneDrawing }) {
  const { draft, newZone, setNewZone, problem, closeDraft, undoCorner, clearDraft } = drawing;
  const change = (next: Partial<typeof newZone>) => setNewZone((old) => ({ ...old, ...next }));
  return (
    <fieldset className="stack zone-draft">
      <legend>
        New zone ({draft.length} {draft.length === 1 ? "corner" : "corners"})
      </legend>
      <label>
        Zone name
        <input value={newZone.name} maxLength={64} onChange={(e) => change({ name: e.target.value })} />
      </label>
      <label>
        Zone kind
        <select value={newZone.kind} onChange={(e) => change({ kind: e.target.value as ZoneKind })}>
          <ZoneKindOptions />
        </select>
      </label>
      {newZone.kind === "loiter" && (
        <label>
          Loiter seconds (empty: 60)
          <input
            type="number"
            min={1}
            max={86400}
            value={newZone.loiter}
            onChange={(e) => change({ loiter: e.target.value })}
          />
        </label>
      )}
      <div className="row">
        <button type="button" onClick={closeDraft} disabled={draft.length < MIN_ZONE_POINTS}>
          Close zone
        </button>
        <button type="button" onClick={undoCorner} disabled={draft.length === 0}>
          Undo corner
        </button>
        <button type="button" onClick={clearDraft} disabled={draft.length === 0}>
          Clear
        </button>
      </div>
      {problem && (
        <p className="banner error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
