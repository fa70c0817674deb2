"""Sources of frames and audio: RTSP, files, USB, WebRTC (filled by the ingest issue)."""
