"""Browser cameras: the publisher's SDP offer in, the server's answer out (the dashboard's /publish page)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import ManagedCamera, RuntimeDep
from vigil.domain import SourceKind
from vigil.ingest.webrtc import MAX_SDP_CHARS, NegotiationTimeoutError, OfferError

router = APIRouter(prefix="/cameras", tags=["webrtc"])


class SdpOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sdp: str = Field(max_length=MAX_SDP_CHARS, description="The browser's offer, ICE candidates included.")
    type: Literal["offer"]


class SdpAnswer(BaseModel):
    sdp: str
    type: Literal["answer"]


@router.post("/{camera_id}/webrtc/offer", name="offer")
async def offer(body: SdpOffer, context: ManagedCamera, rt: RuntimeDep) -> SdpAnswer:
    """Publish this device's camera and microphone to a `webrtc` camera (owner or admin).

    Send the offer once ICE gathering is complete (no trickle); a new offer replaces the previous publisher.
    """
    if context.camera.kind is not SourceKind.WEBRTC:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="CAMERA_NOT_WEBRTC")
    if not context.camera.enabled:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="CAMERA_DISABLED")
    registry = rt.webrtc
    try:
        sdp, kind = await registry.get_or_create(context.id).accept_offer(body.sdp, body.type)
    except OfferError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"type": "value_error", "loc": ["body", "sdp"], "msg": str(error)}],
        ) from error
    except NegotiationTimeoutError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "WEBRTC_NEGOTIATION_TIMEOUT") from error
    assert kind == "answer"
    return SdpAnswer(sdp=sdp, type="answer")
