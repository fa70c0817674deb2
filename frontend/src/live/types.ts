/** What the server's socket.io sends (backend/vigil/api/livefeed.py, live.py, incidents/recorder.py). */

/** [x1, y1, x2, y2], each 0..1 of the frame's width or height. */
export type NormBox = [number, number, number, number];

export interface OverlayDetection {
  label: string;
  conf: number;
  box: NormBox;
  track_id: number | null;
}

export interface OverlayPose {
  box: NormBox;
  conf: number;
  /** 17 COCO keypoints, each [x, y, conf] normalised. */
  keypoints: [number, number, number][];
}

export interface OverlayFace {
  box: NormBox;
  conf: number;
  emotion: string | null;
  emotion_conf: number | null;
}

export interface OverlayAction {
  label: string;
  conf: number;
  box: NormBox;
  track_ids: number[];
}

export interface OverlaySound {
  label: string;
  conf: number;
  t_s: number;
  end_s: number;
  source: string;
}

export interface Overlay {
  t_s: number | null;
  motion: number;
  detections: OverlayDetection[];
  poses: OverlayPose[];
  faces: OverlayFace[];
  actions: OverlayAction[];
  sounds: OverlaySound[];
}

export interface FrameEvent {
  camera_id: number;
  t_s: number;
  wall_time_s: number;
  width: number;
  height: number;
  jpeg: ArrayBuffer | Uint8Array;
  overlay: Overlay;
}

export type IncidentEventKind = "opened" | "updated" | "closed";

/** `opened`/`updated`/`closed` carry the incident; an `updated` with `artifact` only says a file is ready. */
export interface IncidentEvent {
  event: IncidentEventKind;
  incident_id: number;
  camera_id: number;
  artifact?: "clip" | "snapshot" | "audio";
  label: string;
  severity: string;
  confidence: number;
  started_at: string;
  ended_at: string | null;
  summary: string;
}
