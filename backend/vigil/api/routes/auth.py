"""Login with per-(account, IP) and per-account limits, logout, registration with a per-IP limit.

A "known device" is a browser or client that logged in to the account before: each successful login sets the
`vigil_device` cookie (HttpOnly, SameSite=Strict, a year), a JWT of the account's id signed with the server's
key. When an account collects more failures than its ceiling (from any number of addresses), only a right
password sent with that account's device cookie logs in; a stranger cannot lock its owner out.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import InvalidPasswordException
from fastapi_users.exceptions import UserAlreadyExists
from fastapi_users.jwt import decode_jwt, generate_jwt
from fastapi_users.router.common import ErrorCode
from pydantic import BaseModel, Field

from vigil.api.deps import AppSettings, CurrentUser, Hub, RuntimeDep
from vigil.api.schemas import UserCreate, UserRead
from vigil.api.users import (
    RevocableJWTStrategy,
    UserManager,
    auth_backend,
    bearer_transport,
    get_jwt_strategy,
    get_user_manager,
)
from vigil.domain import Role
from vigil.security.ratelimit import SlidingWindowLimiter
from vigil.settings import Settings

router = APIRouter(tags=["auth"])

DEVICE_COOKIE = "vigil_device"
DEVICE_AUDIENCE = ["vigil:device"]
DEVICE_LIFETIME_S = 365 * 24 * 3600
SHARE_MISSES_PER_HOUR = 10


class LoginLimits:
    """Sliding windows of failed logins per (account, IP) and per account, attempts per IP, registrations
    per IP, and camera shares to emails without an account per sharer. In memory: one API process enforces
    its own limits."""

    def __init__(self, settings: Settings) -> None:
        window = settings.login_window_s
        self.failures_per_account_ip = SlidingWindowLimiter(
            settings.login_max_failures_per_account_ip, window
        )
        self.failures_per_account = SlidingWindowLimiter(settings.login_max_failures_per_account, window)
        self.attempts_per_ip = SlidingWindowLimiter(settings.login_max_attempts_per_ip, window)
        self.registrations_per_ip = SlidingWindowLimiter(
            settings.register_max_per_ip, settings.register_window_s
        )
        self.share_misses = SlidingWindowLimiter(SHARE_MISSES_PER_HOUR, 3600)

    def wait_s(self, account: str, ip: str) -> float:
        """Seconds before this address may try this account again (the per-account ceiling aside)."""
        return max(
            self.attempts_per_ip.retry_after_s(ip),
            self.failures_per_account_ip.retry_after_s(f"{account}\n{ip}"),
        )

    def failed(self, account: str, ip: str) -> None:
        self.failures_per_account_ip.record(f"{account}\n{ip}")
        self.failures_per_account.record(account)

    def succeeded(self, account: str, ip: str) -> None:
        """The address's failures on the account are forgotten; the account's ceiling keeps counting the
        others' (an attacker's guesses go on counting while its owner logs in)."""
        self.failures_per_account_ip.reset(f"{account}\n{ip}")

    @staticmethod
    def too_many(retry_after_s: float, code: str = "LOGIN_RATE_LIMITED") -> HTTPException:
        return HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=code,
            headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))},
        )


def client_ip(request: Request) -> str:
    """The peer's address; behind `VIGIL_TRUSTED_PROXIES` the proxy's `X-Forwarded-For` has set it."""
    return request.client.host if request.client else "unknown"


def device_token(user_id: uuid.UUID, secret: str) -> str:
    return generate_jwt({"sub": str(user_id), "aud": DEVICE_AUDIENCE}, secret, DEVICE_LIFETIME_S)


def device_user(token: str | None, secret: str) -> uuid.UUID | None:
    """The account whose device cookie this is, or None."""
    if not token:
        return None
    try:
        return uuid.UUID(str(decode_jwt(token, secret, DEVICE_AUDIENCE).get("sub")))
    except (jwt.PyJWTError, ValueError):
        return None


def _limits(rt: RuntimeDep) -> LoginLimits:
    return rt.login_limits


Limits = Annotated[LoginLimits, Depends(_limits)]
Manager = Annotated[UserManager, Depends(get_user_manager)]
Strategy = Annotated[RevocableJWTStrategy, Depends(get_jwt_strategy)]


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
    user_manager: Manager,
    strategy: Strategy,
    limits: Limits,
    settings: AppSettings,
) -> Response:
    """Exchange email (`username`) and password for a bearer token; also sets the `vigil_device` cookie
    that lets this client log in while strangers' failures hold the account at its ceiling."""
    ip = client_ip(request)
    account = credentials.username.strip().lower()
    known_device = device_user(request.cookies.get(DEVICE_COOKIE), settings.jwt_secret)
    wait = limits.wait_s(account, ip)
    ceiling_wait = limits.failures_per_account.retry_after_s(account)
    if wait > 0 or (ceiling_wait > 0 and known_device is None):
        raise limits.too_many(max(wait, ceiling_wait))
    limits.attempts_per_ip.record(ip)
    user = await user_manager.authenticate(credentials)
    if user is None or not user.is_active:
        limits.failed(account, ip)
        if ceiling_wait > 0:  # the same answer, right password or not, to a device that is not the owner's
            raise limits.too_many(ceiling_wait)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=ErrorCode.LOGIN_BAD_CREDENTIALS)
    if ceiling_wait > 0 and user.id != known_device:
        raise limits.too_many(ceiling_wait)
    limits.succeeded(account, ip)
    response = await auth_backend.login(strategy, user)
    response.set_cookie(
        DEVICE_COOKIE,
        device_token(user.id, settings.jwt_secret),
        max_age=DEVICE_LIFETIME_S,
        path="/api/v1/auth",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    await user_manager.on_after_login(user, request, response)
    return response


@router.post("/auth/jwt/logout", name="logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    user: CurrentUser,
    token: Annotated[str, Depends(bearer_transport.scheme)],
    user_manager: Manager,
    strategy: Strategy,
    hub: Hub,
) -> Response:
    """End this token (this device) before its expiry; its sockets close. Other devices stay logged in."""
    claims = strategy.claims(token)
    if claims is not None:  # the user dependency has read it already; a token it took has claims
        await user_manager.user_db.revoke(claims.jti, claims.expires_at)
        await hub.end_token(claims.jti)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout-all", name="logout_all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(user: CurrentUser, user_manager: Manager, request: Request) -> Response:
    """End every token of the account, on every device (this one included); its open sockets close."""
    await user_manager.revoke_all_tokens(user, request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class AuthConfig(BaseModel):
    registration_open: bool = Field(
        description="Whether `POST /auth/register` takes new accounts now: `VIGIL_OPEN_REGISTRATION`, or a "
        "server without accounts yet (whose first account becomes its admin)."
    )
    first_account_admin: bool = Field(
        False,
        description="The server has no account yet: the next one registered becomes its administrator "
        "(later ones start as viewers).",
    )


@router.get("/auth/config", name="config")
async def auth_config(settings: AppSettings, user_manager: Manager) -> AuthConfig:
    """What the login and registration pages need to know before anyone logs in."""
    empty = await user_manager.user_db.count() == 0
    return AuthConfig(registration_open=settings.open_registration or empty, first_account_admin=empty)


@router.post(
    "/auth/register",
    name="register:register",  # the operation id fastapi-users' own router gave it
    status_code=status.HTTP_201_CREATED,
    responses={
        400: {
            "description": '`{"code": "REGISTER_INVALID_PASSWORD", "reason": ...}`: the password breaks a '
            "rule (length, the email in it, a breached or guessable password)."
        },
        403: {"description": "REGISTRATION_CLOSED: ask an administrator for an account."},
        429: {"description": "REGISTER_RATE_LIMITED: too many registrations from this address."},
    },
)
async def register(body: UserCreate, request: Request, user_manager: Manager, limits: Limits) -> UserRead:
    """Create a `viewer` account (the first account on a server is its `admin`). An email that already has
    an account gets the same answer as a new one, so registering does not tell which emails exist; only the
    account's own password logs in to it."""
    ip = client_ip(request)
    wait = limits.registrations_per_ip.retry_after_s(ip)
    if wait > 0:
        raise limits.too_many(wait, "REGISTER_RATE_LIMITED")
    limits.registrations_per_ip.record(ip)
    try:
        user = await user_manager.create(body, safe=True, request=request)
    except UserAlreadyExists:
        return UserRead(
            id=uuid.uuid4(),
            email=body.email,
            is_active=True,
            is_superuser=False,
            is_verified=False,
            role=Role.VIEWER,
            created_at=datetime.now(UTC),
        )
    except InvalidPasswordException as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail={"code": ErrorCode.REGISTER_INVALID_PASSWORD, "reason": error.reason},
        ) from error
    return UserRead.model_validate(user)
