import { useQueryClient } from "@tanstack/react-query";
import {
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { type CameraPublic, camerasUpdate, type ZoneKind, type ZoneSpec } from "../client";
import { useLiveFrames } from "../live/useLiveFrames";
import { errorMessage } from "../ui/errors";
import { ClosedHoursInput } from "./ClosedHoursInput";
import { formatClosedHours } from "./closedHours";
import {
  clickToNormPoint,
  closePolygon,
  MIN_ZONE_POINTS,
  moveCorner,
  moveCursor,
  type NormPoint,
  nearestCorner,
  nudgeCorner,
  polygonProblem,
  removeCorner,
  toPixels,
} from "./geometry";
import "./cameras.css";

const ZONE_COLOURS: Record<ZoneKind, string> = {
  restricted: "#ef5350",
  loiter: "#e8a33d",
  privacy: "#b39ddb",
};
const ZONE_KIND_NAMES: Record<ZoneKind, string> = {
  restricted: "restricted",
  loiter: "loiter",
  privacy: "privacy mask",
};
const SELECTED_COLOUR = "#ffd54f";
const GRAB_RADIUS_PX = { mouse: 16, touch: 28 };

interface DrawStyle {
  closed: boolean;
  privacy?: boolean;
  selected?: boolean;
  activeCorner?: number | null;
}

function drawPolygon(ctx: CanvasRenderingContext2D, points: NormPoint[], colour: string, style: DrawStyle) {
  const { width, height } = ctx.canvas;
  const pixels = toPixels(points, width, height);
  const line = Math.max(2, width / 320);
  ctx.strokeStyle = style.selected ? SELECTED_COLOUR : colour;
  // A privacy mask is shown dark and dashed: it is what nobody will see (the server blacks it out).
  ctx.fillStyle = style.privacy ? "rgba(0, 0, 0, 0.75)" : `${colour}40`;
  ctx.lineWidth = style.selected ? line * 1.5 : line;
  ctx.setLineDash(style.privacy ? [line * 4, line * 3] : []);
  ctx.beginPath();
  pixels.forEach(([x, y], i) => {
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  if (style.closed) {
    ctx.closePath();
    ctx.fill();
  }
  ctx.stroke();
  ctx.setLineDash([]);
  pixels.forEach(([x, y], index) => {
    const handle = style.selected ? line * 4 : line * 2;
    ctx.beginPath();
    ctx.arc(x, y, handle, 0, 2 * Math.PI);
    ctx.fillStyle = style.selected ? "#000" : colour;
    ctx.fill();
    if (style.selected) {
      ctx.lineWidth = index === style.activeCorner ? line * 2 : line;
      ctx.strokeStyle = index === style.activeCorner ? SELECTED_COLOUR : colour;
      ctx.stroke();
      if (index === style.activeCorner) {
        ctx.beginPath();
        ctx.arc(x, y, line * 1.5, 0, 2 * Math.PI);
        ctx.fillStyle = SELECTED_COLOUR;
        ctx.fill();
      }
    }
  });
}

function badgeClass(kind: ZoneKind): string {
  if (kind === "privacy") return "badge privacy";
  return `badge ${kind === "restricted" ? "bad" : "warn"}`;
}

function zoneProblem(zones: readonly ZoneSpec[]): string | null {
  const names = zones.map((zone) => zone.name.trim());
  if (names.some((name) => name === "")) return "Every zone needs a name.";
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  return repeated ? `Two zones are named ${repeated}: zone names must be unique.` : null;
}

/** The camera's zones over its live picture: click to add corners, close, name, save; select a zone to
 * drag its corners (mouse or touch) or move them with the keyboard, rename it, change its kind, delete it. */
export function ZonesEditor({ camera }: { camera: CameraPublic }) {
  const queryClient = useQueryClient();
  const id = useId();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const frameRef = useRef<ImageBitmap | null>(null);
  const [frozen, setFrozen] = useState(false);
  const frozenRef = useRef(false);
  const [hasFrame, setHasFrame] = useState(false);
  const [zones, setZones] = useState<ZoneSpec[]>(camera.zones ?? []);
  const [draft, setDraft] = useState<NormPoint[]>([]);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ZoneKind>("restricted");
  const [loiter, setLoiter] = useState("");
  // Keyboard drawing: arrows move this cursor over the canvas, Space adds it as a corner.
  const [cursor, setCursor] = useState<NormPoint | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Editing: the zone chosen in the list, and which of its corners the keyboard moves.
  const [selected, setSelected] = useState<number | null>(null);
  const [corner, setCorner] = useState(0);
  const dragRef = useRef<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const [saveState, setSaveState] = useState<{ busy: boolean; error: string | null; saved: boolean }>({
    busy: false,
    error: null,
    saved: false,
  });
  const editable = camera.access === "manage";
  const editing = editable && selected !== null ? (zones[selected] ?? null) : null;
  const invalid = zoneProblem(zones);
  frozenRef.current = frozen;

  const redraw = useCallback(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext("2d");
    if (!canvas || !ctx) return;
    const frame = frameRef.current;
    if (frame && (canvas.width !== frame.width || canvas.height !== frame.height)) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (frame) ctx.drawImage(frame, 0, 0);
    zones.forEach((zone, index) => {
      if (index === selected) return; // drawn last, on top
      drawPolygon(ctx, zone.points as NormPoint[], ZONE_COLOURS[zone.kind], {
        closed: true,
        privacy: zone.kind === "privacy",
      });
    });
    const chosen = selected !== null ? zones[selected] : undefined;
    if (chosen) {
      drawPolygon(ctx, chosen.points as NormPoint[], ZONE_COLOURS[chosen.kind], {
        closed: true,
        privacy: chosen.kind === "privacy",
        selected: true,
        activeCorner: corner,
      });
    }
    if (draft.length > 0) drawPolygon(ctx, draft, "#4ea1ff", { closed: false });
    if (cursor && !chosen) {
      const [x, y] = [cursor[0] * canvas.width, cursor[1] * canvas.height];
      const arm = canvas.width / 40;
      ctx.strokeStyle = SELECTED_COLOUR;
      ctx.lineWidth = Math.max(2, canvas.width / 320);
      ctx.beginPath();
      ctx.moveTo(x - arm, y);
      ctx.lineTo(x + arm, y);
      ctx.moveTo(x, y - arm);
      ctx.lineTo(x, y + arm);
      ctx.stroke();
    }
  }, [zones, draft, cursor, selected, corner]);
  const redrawRef = useRef(redraw);
  redrawRef.current = redraw;
  useEffect(redraw, [redraw]);

  useLiveFrames(camera.id, {
    paused: () => frozenRef.current,
    onBitmap: (bitmap) => {
      frameRef.current?.close();
      frameRef.current = bitmap;
      setHasFrame(true);
      redrawRef.current();
    },
  });

  const changed = () => setSaveState((s) => ({ ...s, saved: false }));

  function updateZone(index: number, change: (zone: ZoneSpec) => ZoneSpec) {
    setZones((current) => current.map((zone, i) => (i === index ? change(zone) : zone)));
    changed();
  }

  function setPoints(index: number, points: NormPoint[]) {
    updateZone(index, (zone) => ({ ...zone, points }));
  }

  function select(index: number | null) {
    setSelected(index);
    setCorner(0);
    setDraft([]);
    setProblem(null);
  }

  function addPoint(event: MouseEvent<HTMLCanvasElement>) {
    if (!editable || editing) return; // while a zone is edited, the picture moves its corners
    const point = clickToNormPoint(event.clientX, event.clientY, event.currentTarget.getBoundingClientRect());
    setDraft((points) => [...points, point]);
    setCursor(point); // the keyboard goes on from the last click
    setProblem(null);
  }

  function grab(event: PointerEvent<HTMLCanvasElement>) {
    if (!editing || selected === null) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const point = clickToNormPoint(event.clientX, event.clientY, rect);
    const radius = event.pointerType === "touch" ? GRAB_RADIUS_PX.touch : GRAB_RADIUS_PX.mouse;
    const hit = nearestCorner(editing.points as NormPoint[], point, rect.width, rect.height, radius);
    if (hit === null) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus();
    dragRef.current = hit;
    setCorner(hit);
    setDragging(true);
  }

  function drag(event: PointerEvent<HTMLCanvasElement>) {
    const index = dragRef.current;
    if (index === null || !editing || selected === null) return;
    const point = clickToNormPoint(event.clientX, event.clientY, event.currentTarget.getBoundingClientRect());
    setPoints(selected, moveCorner(editing.points as NormPoint[], index, point));
  }

  function drop(event: PointerEvent<HTMLCanvasElement>) {
    if (dragRef.current === null) return;
    dragRef.current = null;
    setDragging(false);
    if (event.currentTarget.hasPointerCapture(event.pointerId)) {
      event.currentTarget.releasePointerCapture(event.pointerId);
    }
  }

  function removeChosenCorner() {
    if (!editing || selected === null) return;
    const fewer = removeCorner(editing.points as NormPoint[], corner);
    if (fewer === null) return;
    setPoints(selected, fewer);
    setCorner((c) => Math.min(c, fewer.length - 1));
  }

  function closeDraft() {
    const points = closePolygon(draft);
    if (points === null) {
      setProblem(polygonProblem(draft) ?? "These points do not make a zone.");
      return;
    }
    const zoneName = name.trim() || `Zone ${zones.length + 1}`;
    if (zones.some((zone) => zone.name === zoneName)) {
      setProblem(`A zone named ${zoneName} exists already.`);
      return;
    }
    const seconds = Number(loiter);
    setZones((current) => [
      ...current,
      {
        name: zoneName,
        kind,
        points,
        ...(kind === "loiter" && loiter !== "" && seconds > 0 ? { loiter_s: seconds } : {}),
      },
    ]);
    setDraft([]);
    setName("");
    setLoiter("");
    setProblem(null);
    changed();
  }

  function onEditKey(event: KeyboardEvent, zone: ZoneSpec, index: number) {
    const count = zone.points.length;
    if (event.key === "]" || event.key === "PageDown") {
      event.preventDefault();
      setCorner((c) => (c + 1) % count);
    } else if (event.key === "[" || event.key === "PageUp") {
      event.preventDefault();
      setCorner((c) => (c - 1 + count) % count);
    } else if (/^[1-9]$/.test(event.key) && Number(event.key) <= count) {
      event.preventDefault();
      setCorner(Number(event.key) - 1);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      removeChosenCorner();
    } else {
      const moved = nudgeCorner(zone.points as NormPoint[], corner, event.key, event.shiftKey);
      if (moved) {
        event.preventDefault();
        setPoints(index, moved);
      }
    }
  }

  function onKey(event: KeyboardEvent) {
    const onButton = event.target instanceof HTMLButtonElement;
    if (event.key === "Enter" && draft.length > 0 && !onButton) {
      event.preventDefault();
      closeDraft();
    } else if (event.key === "Escape") {
      if (editing) select(null);
      setDraft([]);
    } else if (event.target === canvasRef.current) {
      if (editing && selected !== null) {
        onEditKey(event, editing, selected);
      } else if (event.key === "Backspace") {
        event.preventDefault();
        setDraft((points) => points.slice(0, -1));
      } else if (event.key === " " && cursor) {
        event.preventDefault();
        setDraft((points) => [...points, cursor]);
        setProblem(null);
      } else {
        const moved = moveCursor(cursor ?? [0.5, 0.5], event.key, event.shiftKey);
        if (moved) {
          event.preventDefault();
          setCursor(moved);
        }
      }
    }
  }

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

  const canvasHelp = editing
    ? `. Editing zone ${editing.name}: drag a corner; or choose one with [ and ] or its number, move it with the arrow keys (Shift: bigger steps), Delete removes it; Escape ends editing`
    : editable
      ? ". Click, or move the cross with the arrow keys and press Space, to add a corner; Enter closes the zone; Backspace removes the last corner"
      : "";
  const editPoint = editing ? (editing.points[corner] as NormPoint | undefined) : undefined;

  return (
    <section className="zones" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Zones</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: Enter / Escape while drawing, for the canvas and fields */}
      <div className="zones-editor" onKeyDown={onKey}>
        <div className="zones-picture">
          <canvas
            className={`zones-canvas${editing ? " editing" : ""}${dragging ? " dragging" : ""}`}
            ref={canvasRef}
            width={640}
            height={360}
            tabIndex={editable ? 0 : -1}
            aria-label={`${camera.name}: zones over the live picture${canvasHelp}`}
            data-has-frame={hasFrame}
            data-draft-points={draft.length}
            data-selected-zone={selected ?? ""}
            data-selected-corner={editing ? corner : ""}
            onClick={addPoint}
            onPointerDown={grab}
            onPointerMove={drag}
            onPointerUp={drop}
            onPointerCancel={drop}
            onFocus={() => editable && !editing && setCursor((c) => c ?? [0.5, 0.5])}
            onBlur={() => setCursor(null)}
          />
          {!hasFrame && <span className="tile-waiting">waiting for video…</span>}
        </div>
        <label className="inline">
          <input type="checkbox" checked={frozen} onChange={(e) => setFrozen(e.target.checked)} />
          Freeze the picture
        </label>
        {editing && selected !== null && (
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
                <option value="restricted">Restricted: nobody should be there</option>
                <option value="loiter">Loiter: nobody should linger</option>
                <option value="privacy">Privacy mask: blacked out everywhere</option>
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
            {editing.kind !== "privacy" && selected !== null && (
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
                disabled={editing.points.length <= MIN_ZONE_POINTS}
                title={
                  editing.points.length <= MIN_ZONE_POINTS
                    ? `A zone keeps at least ${MIN_ZONE_POINTS} corners`
                    : undefined
                }
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
        )}
        {editable && !editing && (
          <fieldset className="stack zone-draft">
            <legend>
              New zone ({draft.length} {draft.length === 1 ? "corner" : "corners"})
            </legend>
            <label>
              Zone name
              <input value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
            </label>
            <label>
              Zone kind
              <select value={kind} onChange={(e) => setKind(e.target.value as ZoneKind)}>
                <option value="restricted">Restricted: nobody should be there</option>
                <option value="loiter">Loiter: nobody should linger</option>
                <option value="privacy">Privacy mask: blacked out everywhere</option>
              </select>
            </label>
            {kind === "loiter" && (
              <label>
                Loiter seconds (empty: 60)
                <input
                  type="number"
                  min={1}
                  max={86400}
                  value={loiter}
                  onChange={(e) => setLoiter(e.target.value)}
                />
              </label>
            )}
            <div className="row">
              <button type="button" onClick={closeDraft} disabled={draft.length < MIN_ZONE_POINTS}>
                Close zone
              </button>
              <button
                type="button"
                onClick={() => setDraft((p) => p.slice(0, -1))}
                disabled={draft.length === 0}
              >
                Undo corner
              </button>
              <button type="button" onClick={() => setDraft([])} disabled={draft.length === 0}>
                Clear
              </button>
            </div>
            {problem && (
              <p className="banner error" role="alert">
                {problem}
              </p>
            )}
          </fieldset>
        )}
      </div>
      {zones.length === 0 ? (
        <p className="hint">No zone.</p>
      ) : (
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
                    onClick={() => {
                      setZones((current) => current.filter((_, i) => i !== index));
                      if (selected !== null)
                        select(selected === index ? null : selected > index ? selected - 1 : selected);
                      changed();
                    }}
                  >
                    Delete
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
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
