import { useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, type MouseEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import { type CameraPublic, camerasUpdate, type ZoneKind, type ZoneSpec } from "../client";
import { useLiveFrames } from "../live/useLiveFrames";
import { errorMessage } from "../ui/errors";
import {
  clickToNormPoint,
  closePolygon,
  MIN_ZONE_POINTS,
  moveCursor,
  type NormPoint,
  polygonProblem,
  toPixels,
} from "./geometry";

const ZONE_COLOURS: Record<ZoneKind, string> = { restricted: "#ef5350", loiter: "#e8a33d" };

function drawPolygon(ctx: CanvasRenderingContext2D, points: NormPoint[], colour: string, closed: boolean) {
  const { width, height } = ctx.canvas;
  const pixels = toPixels(points, width, height);
  ctx.strokeStyle = colour;
  ctx.fillStyle = `${colour}40`;
  ctx.lineWidth = Math.max(2, width / 320);
  ctx.beginPath();
  pixels.forEach(([x, y], i) => {
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  if (closed) {
    ctx.closePath();
    ctx.fill();
  }
  ctx.stroke();
  for (const [x, y] of pixels) {
    ctx.beginPath();
    ctx.arc(x, y, ctx.lineWidth * 2, 0, 2 * Math.PI);
    ctx.fillStyle = colour;
    ctx.fill();
  }
}

/** The camera's zones over its live picture: click to add corners, close, name, save. */
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
  const [saveState, setSaveState] = useState<{ busy: boolean; error: string | null; saved: boolean }>({
    busy: false,
    error: null,
    saved: false,
  });
  const editable = camera.access === "manage";
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
    for (const zone of zones) drawPolygon(ctx, zone.points as NormPoint[], ZONE_COLOURS[zone.kind], true);
    if (draft.length > 0) drawPolygon(ctx, draft, "#4ea1ff", false);
    if (cursor) {
      const [x, y] = [cursor[0] * canvas.width, cursor[1] * canvas.height];
      const arm = canvas.width / 40;
      ctx.strokeStyle = "#ffd54f";
      ctx.lineWidth = Math.max(2, canvas.width / 320);
      ctx.beginPath();
      ctx.moveTo(x - arm, y);
      ctx.lineTo(x + arm, y);
      ctx.moveTo(x, y - arm);
      ctx.lineTo(x, y + arm);
      ctx.stroke();
    }
  }, [zones, draft, cursor]);
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

  function addPoint(event: MouseEvent<HTMLCanvasElement>) {
    if (!editable) return;
    const point = clickToNormPoint(event.clientX, event.clientY, event.currentTarget.getBoundingClientRect());
    setDraft((points) => [...points, point]);
    setCursor(point); // the keyboard goes on from the last click
    setProblem(null);
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
    setSaveState((s) => ({ ...s, saved: false }));
  }

  function onKey(event: KeyboardEvent) {
    const onButton = event.target instanceof HTMLButtonElement;
    if (event.key === "Enter" && draft.length > 0 && !onButton) {
      event.preventDefault();
      closeDraft();
    } else if (event.key === "Escape") {
      setDraft([]);
    } else if (event.target === canvasRef.current) {
      if (event.key === "Backspace") {
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
    setSaveState({ busy: true, error: null, saved: false });
    const { error } = await camerasUpdate({ path: { camera_id: camera.id }, body: { zones } });
    if (error !== undefined) {
      setSaveState({ busy: false, error: errorMessage(error), saved: false });
      return;
    }
    setSaveState({ busy: false, error: null, saved: true });
    await queryClient.invalidateQueries({ queryKey: ["camera", camera.id] });
  }

  return (
    <section className="zones" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Zones</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: Enter / Escape while drawing, for the canvas and fields */}
      <div className="zones-editor" onKeyDown={onKey}>
        <div className="zones-picture">
          <canvas
            className="zones-canvas"
            ref={canvasRef}
            width={640}
            height={360}
            tabIndex={editable ? 0 : -1}
            aria-label={`${camera.name}: zones over the live picture${editable ? ". Click, or move the cross with the arrow keys and press Space, to add a corner; Enter closes the zone; Backspace removes the last corner" : ""}`}
            data-has-frame={hasFrame}
            data-draft-points={draft.length}
            onClick={addPoint}
            onFocus={() => editable && setCursor((c) => c ?? [0.5, 0.5])}
            onBlur={() => setCursor(null)}
          />
          {!hasFrame && <span className="tile-waiting">waiting for video…</span>}
        </div>
        <label className="inline">
          <input type="checkbox" checked={frozen} onChange={(e) => setFrozen(e.target.checked)} />
          Freeze the picture
        </label>
        {editable && (
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
          {zones.map((zone) => (
            <li key={zone.name}>
              <span className={`badge ${zone.kind === "restricted" ? "bad" : "warn"}`}>{zone.kind}</span>
              <span>{zone.name}</span>
              <span className="hint">
                {zone.points.length} corners
                {zone.kind === "loiter" && ` · ${zone.loiter_s ?? 60} s`}
              </span>
              {editable && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Delete zone ${zone.name}`}
                  onClick={() => {
                    setZones((current) => current.filter((z) => z.name !== zone.name));
                    setSaveState((s) => ({ ...s, saved: false }));
                  }}
                >
                  Delete
                </button>
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
