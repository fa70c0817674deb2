/** The zones editor's state: the zones, the zone being drawn (click or keyboard), the zone being edited and
 * its chosen corner (dragged, or moved with the keyboard). */
import { type KeyboardEvent, type MouseEvent, type PointerEvent, useRef, useState } from "react";
import type { ZoneKind, ZoneSpec } from "../../client";
import {
  clickToNormPoint,
  closePolygon,
  moveCorner,
  moveCursor,
  type NormPoint,
  nearestCorner,
  nudgeCorner,
  polygonProblem,
  removeCorner,
} from "../geometry";

const GRAB_RADIUS_PX = { mouse: 16, touch: 28 };

/** The new zone's fields, besides its corners. */
export interface NewZone {
  name: string;
  kind: ZoneKind;
  /** As typed; empty: the server's default. */
  loiter: string;
}

/** `onEdit`: the zones changed (a saved state is stale). */
export function useZoneDrawing(initial: ZoneSpec[], editable: boolean, onEdit: () => void) {
  const [zones, setZones] = useState<ZoneSpec[]>(initial);
  const [draft, setDraft] = useState<NormPoint[]>([]);
  const [newZone, setNewZone] = useState<NewZone>({ name: "", kind: "restricted", loiter: "" });
  // Keyboard drawing: arrows move this cursor over the canvas, Space adds it as a corner.
  const [cursor, setCursor] = useState<NormPoint | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Editing: the zone chosen in the list, and which of its corners the keyboard moves.
  const [selected, setSelected] = useState<number | null>(null);
  const [corner, setCorner] = useState(0);
  const dragRef = useRef<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const editing = editable && selected !== null ? (zones[selected] ?? null) : null;

  function updateZone(index: number, change: (zone: ZoneSpec) => ZoneSpec) {
    setZones((current) => current.map((zone, i) => (i === index ? change(zone) : zone)));
    onEdit();
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

  function deleteZone(index: number) {
    setZones((current) => current.filter((_, i) => i !== index));
    if (selected !== null) select(selected === index ? null : selected > index ? selected - 1 : selected);
    onEdit();
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
    const { name, kind, loiter } = newZone;
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
    setNewZone((old) => ({ ...old, name: "", loiter: "" }));
    setProblem(null);
    onEdit();
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

  /** Keys anywhere in the editor: Enter closes the draft, Escape ends drawing or editing; on the
   * picture, the keyboard draws or moves the chosen corner. */
  function onKey(event: KeyboardEvent) {
    const onButton = event.target instanceof HTMLButtonElement;
    if (event.key === "Enter" && draft.length > 0 && !onButton) {
      event.preventDefault();
      closeDraft();
    } else if (event.key === "Escape") {
      if (editing) select(null);
      setDraft([]);
    } else if (event.target instanceof HTMLCanvasElement) {
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

  return {
    zones,
    setZones,
    draft,
    newZone,
    setNewZone,
    cursor,
    problem,
    selected,
    corner,
    setCorner,
    dragging,
    editing,
    updateZone,
    select,
    deleteZone,
    removeChosenCorner,
    closeDraft,
    undoCorner: () => setDraft((points) => points.slice(0, -1)),
    clearDraft: () => setDraft([]),
    onKey,
    /** The picture's pointer and focus handlers. */
    canvas: {
      onClick: addPoint,
      onPointerDown: grab,
      onPointerMove: drag,
      onPointerUp: drop,
      onPointerCancel: drop,
      onFocus: () => editable && !editing && setCursor((c) => c ?? [0.5, 0.5]),
      onBlur: () => setCursor(null),
    },
  };
}

export type ZoneDrawing = ReturnType<typeof useZoneDrawing>;
