import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { type CameraPublic, camerasUpdate } from "../client";
import { errorMessage } from "../ui/errors";
import { zoneProblem } from "./zones/kinds";
import { useZoneDrawing } from "./zones/useZoneDrawing";
import { ZoneCanvas } from "./zones/ZoneCanvas";
import { ZoneDraftFields } from "./zones/ZoneDraftFields";
import { ZoneEditFields } from "./zones/ZoneEditFields";
import { ZoneList } from "./zones/ZoneList";
import "./cameras.css";

/** The camera's zones over its live picture: click to add corners, close, name, save; select a zone to
 * drag its corners (mouse or touch) or move them with the keyboard, rename it, change its kind, delete it.
 * The parts live in ./zones: the state (useZoneDrawing), the picture, the two fieldsets and the list. */
export function ZonesEditor({ camera }: { camera: CameraPublic }) {
  const queryClient = useQueryClient();
  const id = useId();
  const [saveState, setSaveState] = useState<{ busy: boolean; error: string | null; saved: boolean }>({
    busy: false,
    error: null,
    saved: false,
  });
  const editable = camera.access === "manage";
  const drawing = useZoneDrawing(camera.zones ?? [], editable, () =>
    setSaveState((s) => ({ ...s, saved: false })),
  );
  const { zones, setZones, editing, onKey } = drawing;
  const invalid = zoneProblem(zones);

  async function save() {
    if (invalid) {
      setSaveState({ busy: false, error: invalid, saved: false });
      return;
    }
    setSaveState({ busy: true, error: null, saved: false });
    const body = zones.map((zone) => ({ ...zone, name: zone.name.trim() }));
    const { error } = await camerasUpdate({ path: { camera_id: camera.id }, body: { zones: body } });
    if (error !== undefined) {
      setSaveState({ busy: false, error: errorMessage(error), saved: false });
      return;
    }
    setZones(body);
    setSaveState({ busy: false, error: null, saved: true });
    await queryClient.invalidateQueries({ queryKey: ["camera", camera.id] });
  }

  return (
    <section className="zones" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Zones</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: Enter / Escape while drawing, for the canvas and fields */}
      <div className="zones-editor" onKeyDown={onKey}>
        <ZoneCanvas camera={camera} drawing={drawing} editable={editable} />
        <ZoneEditFields id={id} drawing={drawing} invalid={invalid} />
        {editable && !editing && <ZoneDraftFields drawing={drawing} />}
      </div>
      <ZoneList drawing={drawing} editable={editable} />
      {editable && (
        <div className="row">
          <button type="button" onClick={save} disabled={saveState.busy}>
            {saveState.busy ? "Saving…" : "Save zones"}
          </button>
          {saveState.saved && <output>Zones saved.</output>}
          {saveState.error && (
            <p className="banner error" role="alert">
              {saveState.error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
