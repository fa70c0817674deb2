"""Prometheus figures at `/metrics`, for an admin's token or the scraper's `VIGIL_METRICS_TOKEN`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from vigil.api.deps import RuntimeDep
from vigil.api.users import fastapi_users
from vigil.db.tables import User

router = APIRouter()
optional_admin = fastapi_users.current_user(active=True, superuser=True, optional=True)


@router.get("/metrics", include_in_schema=False)
async def metrics(
    request: Request, rt: RuntimeDep, admin: Annotated[User | None, Depends(optional_admin)]
) -> Response:
    token = rt.settings.metrics_token
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if admin is None and not (token and hmac.compare_digest(sent, token)):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="UNAUTHORIZED")
    rt.pipelines.publish_health()
    return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)
