"""Artifact downloads: only for users who may see the incident's camera; range requests for video."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from vigil.api.deps import AppSettings, VisibleArtifact
from vigil.security.paths import UnsafePathError, resolve_inside

router = APIRouter(prefix="/artifacts", tags=["artifacts"])

_EXTENSIONS = {"video/mp4": ".mp4", "image/jpeg": ".jpg", "audio/wav": ".wav", "audio/x-wav": ".wav"}


@router.get(
    "/{artifact_id}",
    name="download",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}, "image/jpeg": {}, "audio/wav": {}}}, 206: {}},
)
async def download_artifact(artifact: VisibleArtifact, settings: AppSettings) -> FileResponse:
    """The file itself; `Range: bytes=…` answers 206 so video seeks."""
    try:
        path = resolve_inside(settings.media_dir, artifact.path)
    except UnsafePathError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="ARTIFACT_FILE_MISSING") from error
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="ARTIFACT_FILE_MISSING")
    filename = f"incident-{artifact.incident_id}-{artifact.kind}{_EXTENSIONS.get(artifact.media_type, '')}"
    return FileResponse(
        path,
        media_type=artifact.media_type,
        filename=filename,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
