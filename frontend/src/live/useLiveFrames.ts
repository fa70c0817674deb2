import { useEffect, useRef } from "react";
import { useSocket } from "./socket";
import type { FrameEvent } from "./types";

export interface WatchAck {
  ok: boolean;
  detail?: string;
}

export interface LiveFrameHandlers {
  /** A decoded frame; the handler owns the bitmap (close it when done). */
  onBitmap: (bitmap: ImageBitmap, frame: FrameEvent) => void;
  /** Every frame of the camera that arrives, decoded or not. */
  onReceived?: (frame: FrameEvent) => void;
  /** The server's answer to `watch` (sent again after each reconnection). */
  onWatch?: (ack: WatchAck) => void;
  /** While true, frames are not decoded. */
  paused?: () => boolean;
}

/** Watch a camera over socket.io and decode its JPEG frames, dropping frames while one decodes: the newest
 * matters, not every one. Unwatches on unmount. */
export function useLiveFrames(cameraId: number, handlers: LiveFrameHandlers): void {
  const socket = useSocket();
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (!socket) return;
    let decoding = false;
    const watch = () =>
      socket.emit("watch", { camera_id: cameraId }, (ack: WatchAck) => latest.current.onWatch?.(ack));
    const onFrame = async (frame: FrameEvent) => {
      if (frame.camera_id !== cameraId) return;
      latest.current.onReceived?.(frame);
      if (decoding || latest.current.paused?.()) return;
      decoding = true;
      try {
        const bitmap = await createImageBitmap(new Blob([frame.jpeg as BlobPart], { type: "image/jpeg" }));
        latest.current.onBitmap(bitmap, frame);
      } finally {
        decoding = false;
      }
    };
    socket.on("frame", onFrame);
    socket.on("connect", watch);
    if (socket.connected) watch();
    return () => {
      socket.off("frame", onFrame);
      socket.off("connect", watch);
      socket.emit("unwatch", { camera_id: cameraId });
    };
  }, [socket, cameraId]);
}
