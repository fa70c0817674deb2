"""Accounts with fastapi-users: JWT bearer auth whose tokens can be revoked, the first user becomes admin,
password rules."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, FastAPIUsers, InvalidPasswordException, UUIDIDMixin
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import SQLAlchemyUserDatabase
from fastapi_users.exceptions import UserAlreadyExists, UserNotExists
from fastapi_users.jwt import decode_jwt, generate_jwt
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vigil.api.pipelines import ensure_demo_camera, forget_camera
from vigil.api.runtime import runtime
from vigil.db.tables import Camera, RevokedToken, User
from vigil.domain import Role
from vigil.security.passwords import password_problem
from vigil.settings import Settings

REVOKING_CHANGES = frozenset({"token_version", "role", "is_active", "is_superuser"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime(request).session_factory() as session:
        yield session


class UserDatabase(SQLAlchemyUserDatabase[User, uuid.UUID]):
    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def count_other_active_admins(self, user_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            User.role == Role.ADMIN,  # type: ignore[arg-type]
            User.is_active == True,  # type: ignore[arg-type]  # noqa: E712
            User.id != user_id,  # type: ignore[arg-type]
        )
        return int(await self.session.scalar(query) or 0)

    async def owned_camera_ids(self, user_id: uuid.UUID) -> list[int]:
        ids = await self.session.scalars(select(col(Camera.id)).where(col(Camera.owner_id) == user_id))
        return [camera_id for camera_id in ids.all() if camera_id is not None]

    async def is_revoked(self, jti: str) -> bool:
        found = await self.session.scalar(select(col(RevokedToken.jti)).where(col(RevokedToken.jti) == jti))
        return found is not None

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        """Deny one token until it expires; expired tokens leave the list (they are refused anyway)."""
        await self.session.execute(
            delete(RevokedToken).where(col(RevokedToken.expires_at) < datetime.now(UTC))
        )
        if not await self.is_revoked(jti):
            self.session.add(RevokedToken(jti=jti, expires_at=expires_at))
        await self.session.commit()


async def get_user_db(request: Request) -> AsyncIterator[UserDatabase]:
    async for session in get_session(request):
        yield UserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    user_db: UserDatabase

    def __init__(self, user_db: UserDatabase, settings: Settings) -> None:
        super().__init__(user_db)
        self.settings = settings
        self.reset_password_token_secret = settings.jwt_secret
        self.verification_token_secret = settings.jwt_secret

    async def authenticate(self, credentials: OAuth2PasswordRequestForm) -> User | None:
        """fastapi-users' authentication with the password hashing (argon2, ~0.13 s of CPU on this
        project's machine) in a thread: a login, or a stranger's guess, must not stall the event loop that
        carries every camera's live frames and incidents."""
        try:
            user = await self.get_by_email(credentials.username)
        except UserNotExists:
            await asyncio.to_thread(self.password_helper.hash, credentials.password)  # same time as a miss
            return None
        verified, updated_hash = await asyncio.to_thread(
            self.password_helper.verify_and_update, credentials.password, user.hashed_password
        )
        if not verified:
            return None
        if updated_hash is not None:
            await self.user_db.update(user, {"hashed_password": updated_hash})
        return user

    async def validate_password(self, password: str, user: Any) -> None:
        """The rules of `vigil.security.passwords`, in a thread: the strength estimate of a long password
        costs up to ~0.1 s of CPU."""
        problem = await asyncio.to_thread(password_problem, password, user.email)
        if problem:
            raise InvalidPasswordException(reason=problem)

    async def create(self, user_create: Any, safe: bool = False, request: Request | None = None) -> User:
        """fastapi-users' creation with the hashing in a thread, done before the email is looked up: taken
        or new, an email costs the same time (registration does not tell which emails have accounts)."""
        first_user = await self.user_db.count() == 0
        if safe and not first_user and not self.settings.open_registration:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="REGISTRATION_CLOSED")
        await self.validate_password(user_create.password, user_create)
        hashed = await asyncio.to_thread(self.password_helper.hash, user_create.password)
        if await self.user_db.get_by_email(user_create.email) is not None:
            raise UserAlreadyExists()
        fields = user_create.create_update_dict() if safe else user_create.create_update_dict_superuser()
        fields.pop("password", None)
        user = await self.user_db.create({**fields, "hashed_password": hashed})
        await self.on_after_register(user, request)
        if first_user:
            user = await self.user_db.update(user, {"role": Role.ADMIN, "is_superuser": True})
            if request is not None:
                await ensure_demo_camera(runtime(request))  # the demo camera waits for its first admin
        return user

    async def update(
        self, user_update: Any, user: User, safe: bool = False, request: Request | None = None
    ) -> User:
        """`safe`: the user's own changes (PATCH /users/me), where a new password or email needs the current
        password. A new password, a deactivation or a role change ends every token of the account."""
        changes = user_update.create_update_dict() if safe else user_update.create_update_dict_superuser()
        changes.pop("current_password", None)
        if "role" not in changes and changes.get("is_superuser") is False and user.role == Role.ADMIN:
            changes["role"] = Role.OPERATOR  # an admin losing `is_superuser`; others keep their role
        loses_admin = changes.get("role", Role.ADMIN) != Role.ADMIN or changes.get("is_active") is False
        if (
            user.role == Role.ADMIN
            and loses_admin
            and await self.user_db.count_other_active_admins(user.id) == 0
        ):
            raise HTTPException(status.HTTP_409_CONFLICT, detail="LAST_ADMIN")
        new_password = changes.pop("password", None)
        new_email = changes.get("email") not in (None, user.email)
        if safe and (new_password is not None or new_email):
            await self._check_current_password(user, getattr(user_update, "current_password", None), request)
        if new_password is not None:
            await self.validate_password(new_password, user)
            changes["hashed_password"] = await asyncio.to_thread(self.password_helper.hash, new_password)
        if (
            new_password is not None
            or (changes.get("is_active") is False and user.is_active)
            or changes.get("role", user.role) != user.role
        ):
            changes["token_version"] = user.token_version + 1
        updated = await self._update(user, changes)
        await self.on_after_update(updated, changes, request)
        return updated

    async def _check_current_password(
        self, user: User, current_password: str | None, request: Request | None
    ) -> None:
        """The password the user types again; wrong guesses count as failed logins of the account."""
        limits = runtime(request).login_limits if request is not None else None
        ip = request.client.host if request is not None and request.client else "unknown"
        account = user.email.lower()
        if limits is not None and (wait := limits.wait_s(account, ip)) > 0:
            raise limits.too_many(wait)
        verified = False
        if current_password is not None:
            verified, _ = await asyncio.to_thread(
                self.password_helper.verify_and_update, current_password, user.hashed_password
            )
        if not verified:
            if limits is not None:
                limits.failed(account, ip)
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                detail={
                    "code": "CURRENT_PASSWORD_INVALID",
                    "reason": "Send the account's current password in `current_password` to change the "
                    "password or the email."
                    if current_password is None
                    else "`current_password` is not the account's password.",
                },
            )

    async def revoke_all_tokens(self, user: User, request: Request | None = None) -> User:
        """Logout everywhere: every token issued so far is refused, open sockets close."""
        updated = await self._update(user, {"token_version": user.token_version + 1})
        await self.on_after_update(updated, {"token_version": updated.token_version}, request)
        return updated

    async def on_after_update(
        self, user: User, update_dict: dict[str, Any], request: Request | None = None
    ) -> None:
        if request is not None and REVOKING_CHANGES & update_dict.keys():
            await runtime(request).hub.resync_user(user.id)

    async def delete(self, user: User, request: Request | None = None) -> None:
        """The account goes with the cameras it owns: their pipelines stop, and every connection's rooms
        are recomputed (the user's own connections end; sharers lose those cameras)."""
        if user.role == Role.ADMIN and await self.user_db.count_other_active_admins(user.id) == 0:
            raise HTTPException(status.HTTP_409_CONFLICT, detail="LAST_ADMIN")
        owned = await self.user_db.owned_camera_ids(user.id)
        await super().delete(user, request)
        if request is not None:
            for camera_id in owned:
                await forget_camera(runtime(request), camera_id)
            await runtime(request).hub.resync_all()


async def get_user_manager(
    request: Request, user_db: UserDatabase = Depends(get_user_db)
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db, runtime(request).settings)


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    version: int
    jti: str
    expires_at: datetime


class RevocableJWTStrategy(JWTStrategy[User, uuid.UUID]):
    """fastapi-users' JWT with two more claims: `ver`, the account's `token_version` when the token was made
    (logout everywhere, a new password, deactivation and a role change raise it), and `jti`, the token's own
    id, which logout puts on the deny list (`revoked_token`) until the token expires."""

    def claims(self, token: str | None) -> TokenClaims | None:
        """The checked claims of a well-signed, unexpired token of ours, else None."""
        if token is None:
            return None
        try:
            data = decode_jwt(token, self.decode_key, self.token_audience, algorithms=[self.algorithm])
            user_id = uuid.UUID(str(data.get("sub")))
        except (jwt.PyJWTError, ValueError):
            return None
        version, jti, expires = data.get("ver"), data.get("jti"), data.get("exp")
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not isinstance(jti, str)
            or not jti
            or not isinstance(expires, int | float)
        ):
            return None
        return TokenClaims(user_id, version, jti, datetime.fromtimestamp(expires, UTC))

    async def read_token(
        self, token: str | None, user_manager: BaseUserManager[User, uuid.UUID]
    ) -> User | None:
        claims = self.claims(token)
        if claims is None or not isinstance(user_manager.user_db, UserDatabase):
            return None
        try:
            user = await user_manager.get(claims.user_id)
        except UserNotExists:
            return None
        if user.token_version != claims.version or await user_manager.user_db.is_revoked(claims.jti):
            return None
        return user

    async def write_token(self, user: User) -> str:
        data = {
            "sub": str(user.id),
            "aud": self.token_audience,
            "ver": user.token_version,
            "jti": secrets.token_urlsafe(16),
        }
        return generate_jwt(data, self.encode_key, self.lifetime_seconds, algorithm=self.algorithm)


def jwt_strategy(settings: Settings) -> RevocableJWTStrategy:
    return RevocableJWTStrategy(secret=settings.jwt_secret, lifetime_seconds=settings.jwt_lifetime_s)


def get_jwt_strategy(request: Request) -> RevocableJWTStrategy:
    return runtime(request).jwt_strategy


bearer_transport = BearerTransport(tokenUrl="/api/v1/auth/jwt/login")
auth_backend = AuthenticationBackend(name="jwt", transport=bearer_transport, get_strategy=get_jwt_strategy)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
current_active_user = fastapi_users.current_user(active=True)
current_admin = fastapi_users.current_user(active=True, superuser=True)
