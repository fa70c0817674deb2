"""socket.io: a JWT on connect, one room per camera, each connection in exactly its user's camera rooms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigil.api.livefeed import live_room
from vigil.api.users import TokenClaims, UserDatabase, UserManager, jwt_strategy
from vigil.db.cameras import visible_camera_ids
from vigil.db.tables import User
from vigil.settings import Settings

log = logging.getLogger(__name__)

CAMERA_ROOM_PREFIX = "camera:"


def camera_room(camera_id: int) -> str:
    return f"{CAMERA_ROOM_PREFIX}{camera_id}"


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


class LiveHub:
    """The socket.io server. Other code calls `emit_incident` and `resync_*`; it never touches rooms."""

    def __init__(
        self,
        settings: Settings,
        session_factory: Callable[[], async_sessionmaker[AsyncSession]],
        cors_origins: list[str] | None = None,
        client_manager: socketio.AsyncManager | None = None,
    ) -> None:
        self.settings = settings
        self._session_factory = session_factory
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=cors_origins or None,  # None: only the server's own origin
            client_manager=client_manager,
            logger=False,
            engineio_logger=False,
        )
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("watch", self._on_watch)
        self.sio.on("unwatch", self._on_unwatch)
        self._expiry_tasks: dict[str, asyncio.Task[None]] = {}
        # with several API nodes (VIGIL_LIVE_REDIS): tells the other nodes to do the same to their connections
        self.tell_others: Callable[..., Awaitable[None]] | None = None

    async def _user_from_token(self, token: str) -> tuple[User, TokenClaims] | None:
        """The token's active user, checked as over REST (signature, expiry, token version, deny list)."""
        strategy = jwt_strategy(self.settings)
        claims = strategy.claims(token)
        if claims is None:
            return None
        async with self._session_factory()() as session:
            manager = UserManager(UserDatabase(session, User), self.settings)
            user = await strategy.read_token(token, manager)
        if user is None or not user.is_active:
            return None
        return user, claims

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("UNAUTHORIZED: send {token: <JWT>} as auth")
        found = await self._user_from_token(token)
        if found is None:
            raise socketio.exceptions.ConnectionRefusedError("UNAUTHORIZED: invalid or expired token")
        user, claims = found
        await self.sio.save_session(
            sid, {"user_id": str(user.id), "token_version": claims.version, "jti": claims.jti}
        )
        await self.sio.enter_room(sid, user_room(user.id))
        await self._sync_rooms(sid, user)
        self._expiry_tasks[sid] = asyncio.create_task(self._disconnect_at(sid, claims.expires_at.timestamp()))

    async def _disconnect_at(self, sid: str, expires_at: float) -> None:
        delay = expires_at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await self.sio.emit("session_expired", {}, to=sid)
        await self.sio.disconnect(sid)

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        task = self._expiry_tasks.pop(sid, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _on_watch(self, sid: str, data: Any) -> dict[str, Any]:
        """Start receiving `frame` events of a camera the user may see. Answers through the ack."""
        camera_id = data.get("camera_id") if isinstance(data, dict) else None
        if not isinstance(camera_id, int) or camera_room(camera_id) not in self.sio.rooms(sid):
            return {"ok": False, "detail": "CAMERA_NOT_FOUND"}
        await self.sio.enter_room(sid, live_room(camera_id))
        return {"ok": True}

    async def _on_unwatch(self, sid: str, data: Any) -> dict[str, Any]:
        camera_id = data.get("camera_id") if isinstance(data, dict) else None
        if isinstance(camera_id, int):
            await self.sio.leave_room(sid, live_room(camera_id))
        return {"ok": True}

    async def _visible_ids(self, session: AsyncSession, user: User) -> set[int]:
        return set((await session.scalars(visible_camera_ids(user))).all())

    async def _sync_rooms(self, sid: str, user: User) -> None:
        async with self._session_factory()() as session:
            visible = await self._visible_ids(session, user)
        current = {
            int(room.removeprefix(CAMERA_ROOM_PREFIX))
            for room in self.sio.rooms(sid)
            if room.startswith(CAMERA_ROOM_PREFIX)
        }
        for camera_id in current - visible:
            await self.sio.leave_room(sid, camera_room(camera_id))
            await self.sio.leave_room(sid, live_room(camera_id))
        for camera_id in visible - current:
            await self.sio.enter_room(sid, camera_room(camera_id))

    def _connected_sids(self) -> list[str]:
        return [sid for sid, _ in self.sio.manager.get_participants("/", None)]

    async def _resync(self, sid: str, user: User | None, token_version: int | None) -> None:
        """One connection's rooms again, or its end when its user is gone or inactive or its token was
        revoked (logout everywhere, new password, role change). A connection that closed meanwhile (a tab
        closed while the database answered) has nothing left to do."""
        try:
            if user is None or not user.is_active or user.token_version != token_version:
                await self.sio.emit("session_expired", {}, to=sid)
                await self.sio.disconnect(sid)
            else:
                await self._sync_rooms(sid, user)
        except (ValueError, KeyError):  # python-socketio: "sid is not connected to requested namespace"
            log.debug("connection %s closed during a room resync", sid)

    async def resync_all(self) -> None:
        """Recompute every connection's rooms (after a camera is created or deleted, a role changes), on
        every node."""
        await self.resync_all_here()
        if self.tell_others is not None:
            await self.tell_others("resync_all")

    async def resync_user(self, user_id: uuid.UUID) -> None:
        await self.resync_user_here(user_id)
        if self.tell_others is not None:
            await self.tell_others("resync_user", user_id=str(user_id))

    async def end_token(self, jti: str) -> None:
        """Close the connections opened with one token (it was logged out), on every node."""
        await self.end_token_here(jti)
        if self.tell_others is not None:
            await self.tell_others("end_token", jti=jti)

    async def on_control(self, op: str, args: dict[str, Any]) -> None:
        """What another node told this one's connections to do (`ControlChannel`)."""
        if op == "resync_all":
            await self.resync_all_here()
        elif op == "resync_user" and isinstance(args.get("user_id"), str):
            await self.resync_user_here(uuid.UUID(args["user_id"]))
        elif op == "end_token" and isinstance(args.get("jti"), str):
            await self.end_token_here(args["jti"])

    async def resync_all_here(self) -> None:
        sids = self._connected_sids()
        if not sids:
            return
        async with self._session_factory()() as session:
            for sid in sids:
                try:
                    saved = await self.sio.get_session(sid)
                    user_id = uuid.UUID(saved["user_id"])
                except (KeyError, ValueError):  # no session yet, or already disconnected
                    continue
                await self._resync(sid, await session.get(User, user_id), saved.get("token_version"))

    async def resync_user_here(self, user_id: uuid.UUID) -> None:
        async with self._session_factory()() as session:
            user = await session.get(User, user_id)
        for sid, _ in list(self.sio.manager.get_participants("/", user_room(user_id))):
            try:
                token_version = (await self.sio.get_session(sid)).get("token_version")
            except (KeyError, ValueError):
                continue
            await self._resync(sid, user, token_version)

    async def end_token_here(self, jti: str) -> None:
        for sid in self._connected_sids():
            try:
                if (await self.sio.get_session(sid)).get("jti") != jti:
                    continue
                await self.sio.emit("session_expired", {}, to=sid)
                await self.sio.disconnect(sid)
            except (KeyError, ValueError):  # closed meanwhile
                continue

    def watched_cameras(self) -> set[int]:
        """The cameras some connection of this node watches live."""
        rooms = self.sio.manager.rooms.get("/", {})
        return {
            int(room.removeprefix("live:"))
            for room, members in rooms.items()
            if isinstance(room, str) and room.startswith("live:") and members and room[5:].isdigit()
        }

    async def emit_incident(self, camera_id: int, event: str, payload: dict[str, Any]) -> None:
        """`event` is opened, updated or closed; only users who may see the camera receive it."""
        await self.sio.emit("incident", {"event": event, **payload}, room=camera_room(camera_id))

    async def close(self) -> None:
        for task in self._expiry_tasks.values():
            task.cancel()
        self._expiry_tasks.clear()
        # socket.io's Redis manager listens in a task it never ends (it retries a lost Redis every 60 s)
        listener = getattr(self.sio.manager, "thread", None)
        if isinstance(listener, asyncio.Task) and not listener.done():
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
