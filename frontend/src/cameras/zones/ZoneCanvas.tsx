/** The camera's live picture with its zones drawn over it; the picture can be frozen to draw on. */
import { useCallback, useEffect, useRef, useState } from "react";
import type { CameraPublic } from "../../client";
import { useLiveFrames } from "../../live/useLiveFrames";
import { drawScene } from "./draw";
import type { ZoneDrawing } from "./useZoneDrawing";

export function ZoneCanvas({
  camera,
  drawing,
  editable,
}: {
  camera: CameraPublic;
  drawing: ZoneDrawing;
  editable: boolean;
}) {
  const { zones, selected, corner, draft, cursor, editing, dragging } = drawing;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const frameRef = useRef<ImageBitmap | null>(null);
  const [frozen, setFrozen] = useState(false);
  const frozenRef = useRef(false);
  frozenRef.current = frozen;
  const [hasFrame, setHasFrame] = useState(false);

  const redraw = useCallback(() => {
    if (canvasRef.current)
      drawScene(canvasRef.current, { frame: frameRef.current, zones, selected, corner, draft, cursor });
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

  const help = editing
    ? `. Editing zone ${editing.name}: drag a corner; or choose one with [ and ] or its number, move it with the arrow keys (Shift: bigger steps), Delete removes it; Escape ends editing`
    : editable
      ? ". Click, or move the cross with the arrow keys and press Space, to add a corner; Enter closes the zone; Backspace removes the last corner"
      : "";
  return (
    <>
      <div className="zones-picture">
        <canvas
          className={`zones-canvas${editing ? " editing" : ""}${dragging ? " dragging" : ""}`}
          ref={canvasRef}
          width={640}
          height={360}
          tabIndex={editable ? 0 : -1}
          aria-label={`${camera.name}: zones over the live picture${help}`}
          data-has-frame={hasFrame}
          data-draft-points={draft.length}
          data-selected-zone={selected ?? ""}
          data-selected-corner={editing ? corner : ""}
          {...drawing.canvas}
        />
        {!hasFrame && <span className="tile-waiting">waiting for video…</span>}
      </div>
      <label className="inline">
        <input type="checkbox" checked={frozen} onChange={(e) => setFrozen(e.target.checked)} />
        Freeze the picture
      </label>
    </>
  );
}
