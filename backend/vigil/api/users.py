"""Accounts with fastapi-users: JWT bearer auth, the first user becomes admin, password rules."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, FastAPIUsers, InvalidPasswordException, UUIDIDMixin
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import SQLAlchemyUserDatabase
from fastapi_users.exceptions import UserNotExists
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vigil.api.pipelines import ensure_demo_camera, forget_camera
from vigil.db.tables import Camera, User
from vigil.domain import Role
from vigil.settings import Settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "1234567890",
        "123456789a",
        "qwertyuiop",
        "password1234",
        "iloveyou123",
        "letmein1234",
        "administrator",
        "welcome123",
        "passw0rd123",
    }
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
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


async def get_user_db(request: Request) -> AsyncIterator[UserDatabase]:
    async for session in get_session(request):
        yield UserDatabase(session, User)


def password_problem(password: str, email: str) -> str | None:
    """Why a password is refused, or None. Length and a block list, as NIST SP 800-63B advises."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must have at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 3 and local_part in lowered:
        return "Password must not contain the email address."
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return "Password is too easy to guess."
    return None


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
        problem = password_problem(password, user.email)
        if problem:
            raise InvalidPasswordException(reason=problem)

    async def create(self, user_create: Any, safe: bool = False, request: Request | None = None) -> User:
        first_user = await self.user_db.count() == 0
        if safe and not first_user and not self.settings.open_registration:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="REGISTRATION_CLOSED")
        user = await super().create(user_create, safe, request)
        if first_user:
            user = await self.user_db.update(user, {"role": Role.ADMIN, "is_superuser": True})
            if request is not None:
                await ensure_demo_camera(request.app)  # the demo camera waits for its first admin
        return user

    async def update(
        self, user_update: Any, user: User, safe: bool = False, request: Request | None = None
    ) -> User:
        changes = user_update.create_update_dict() if safe else user_update.create_update_dict_superuser()
        loses_admin = changes.get("role", Role.ADMIN) != Role.ADMIN or changes.get("is_active") is False
        if (
            user.role == Role.ADMIN
            and loses_admin
            and await self.user_db.count_other_active_admins(user.id) == 0
        ):
            raise HTTPException(status.HTTP_409_CONFLICT, detail="LAST_ADMIN")
        return await super().update(user_update, user, safe, request)

    async def on_after_update(
        self, user: User, update_dict: dict[str, Any], request: Request | None = None
    ) -> None:
        if request is not None and {"role", "is_active", "is_superuser"} & update_dict.keys():
            await request.app.state.hub.resync_user(user.id)

    async def delete(self, user: User, request: Request | None = None) -> None:
        """The account goes with the cameras it owns: their pipelines stop, and every connection's rooms
        are recomputed (the user's own connections end; sharers lose those cameras)."""
        if user.role == Role.ADMIN and await self.user_db.count_other_active_admins(user.id) == 0:
            raise HTTPException(status.HTTP_409_CONFLICT, detail="LAST_ADMIN")
        owned = await self.user_db.owned_camera_ids(user.id)
        await super().delete(user, request)
        if request is not None:
            for camera_id in owned:
                await forget_camera(request.app, camera_id)
            await request.app.state.hub.resync_all()


async def get_user_manager(
    request: Request, user_db: UserDatabase = Depends(get_user_db)
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db, request.app.state.settings)


def jwt_strategy(settings: Settings) -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(secret=settings.jwt_secret, lifetime_seconds=settings.jwt_lifetime_s)


def get_jwt_strategy(request: Request) -> JWTStrategy[User, uuid.UUID]:
    strategy: JWTStrategy[User, uuid.UUID] = request.app.state.jwt_strategy
    return strategy


bearer_transport = BearerTransport(tokenUrl="/api/v1/auth/jwt/login")
auth_backend = AuthenticationBackend(name="jwt", transport=bearer_transport, get_strategy=get_jwt_strategy)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
current_active_user = fastapi_users.current_user(active=True)
current_admin = fastapi_users.current_user(active=True, superuser=True)
