"""Login with per-account and per-IP limits, registration from fastapi-users."""

from __future__ import annotations

import math
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users.authentication import JWTStrategy
from fastapi_users.router.common import ErrorCode

from vigil.api.schemas import UserCreate, UserRead
from vigil.api.users import UserManager, auth_backend, fastapi_users, get_jwt_strategy, get_user_manager
from vigil.db.tables import User
from vigil.security.ratelimit import SlidingWindowLimiter

router = APIRouter(tags=["auth"])


class LoginLimits:
    """Failed logins per account and attempts per client address, over a sliding window."""

    def __init__(self, max_failures_per_account: int, max_attempts_per_ip: int, window_s: float) -> None:
        self.failures_per_account = SlidingWindowLimiter(max_failures_per_account, window_s)
        self.attempts_per_ip = SlidingWindowLimiter(max_attempts_per_ip, window_s)


def _too_many(retry_after_s: float) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail="LOGIN_RATE_LIMITED",
        headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))},
    )


@router.post(
    "/auth/jwt/login",
    name="login",
    responses={
        400: {"description": "LOGIN_BAD_CREDENTIALS: wrong email or password, or an inactive account."},
        429: {"description": "LOGIN_RATE_LIMITED: too many attempts; see the Retry-After header."},
    },
)
async def login(
    request: Request,
    credentials: Annotated[OAuth2PasswordRequestForm, Depends()],
    user_manager: Annotated[UserManager, Depends(get_user_manager)],
    strategy: Annotated[JWTStrategy[User, uuid.UUID], Depends(get_jwt_strategy)],
) -> Response:
    """Exchange email (`username`) and password for a bearer token."""
    limits: LoginLimits = request.app.state.login_limits
    ip = request.client.host if request.client else "unknown"
    account = credentials.username.strip().lower()
    wait = max(limits.attempts_per_ip.retry_after_s(ip), limits.failures_per_account.retry_after_s(account))
    if wait > 0:
        raise _too_many(wait)
    limits.attempts_per_ip.record(ip)
    user = await user_manager.authenticate(credentials)
    if user is None or not user.is_active:
        limits.failures_per_account.record(account)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=ErrorCode.LOGIN_BAD_CREDENTIALS)
    limits.failures_per_account.reset(account)
    response = await auth_backend.login(strategy, user)
    await user_manager.on_after_login(user, request, response)
    return response


router.include_router(fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth")
