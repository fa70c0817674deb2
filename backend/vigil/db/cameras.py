"""Cameras and their shares, always seen through one user's eyes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from vigil.db.tables import Camera, CameraShare, User
from vigil.db.types import utcnow
from vigil.domain import CameraAccess, Role, ShareRole


def visible_camera_ids(user: User) -> SelectOfScalar[Any]:
    """A subquery of the ids of every camera `user` may see."""
    query = select(Camera.id)
    if user.role == Role.ADMIN:
        return query
    shared = select(CameraShare.camera_id).where(CameraShare.user_id == user.id)
    return query.where(or_(col(Camera.owner_id) == user.id, col(Camera.id).in_(shared)))


def operable_camera_ids(user: User) -> SelectOfScalar[Any]:
    """A subquery of the ids of every camera whose incidents `user` may acknowledge: owned, shared to
    operate, or any camera for an admin."""
    query = select(Camera.id)
    if user.role == Role.ADMIN:
        return query
    shared = select(CameraShare.camera_id).where(
        CameraShare.user_id == user.id, CameraShare.role == ShareRole.OPERATOR
    )
    return query.where(or_(col(Camera.owner_id) == user.id, col(Camera.id).in_(shared)))


def access_of(user: User, camera: Camera, share_role: ShareRole | None) -> CameraAccess | None:
    """What `user` may do with `camera` (pure): owners and admins manage, shares give view or operate."""
    if user.role == Role.ADMIN or camera.owner_id == user.id:
        return CameraAccess.MANAGE
    if share_role is ShareRole.OPERATOR:
        return CameraAccess.OPERATE
    if share_role is ShareRole.VIEWER:
        return CameraAccess.VIEW
    return None


async def share_roles(db: AsyncSession, user: User, camera_ids: Sequence[int]) -> dict[int, ShareRole]:
    if not camera_ids:
        return {}
    rows = await db.execute(
        select(CameraShare.camera_id, CameraShare.role).where(
            CameraShare.user_id == user.id, col(CameraShare.camera_id).in_(camera_ids)
        )
    )
    return {camera_id: ShareRole(role) for camera_id, role in rows.all()}


async def get_with_access(db: AsyncSession, user: User, camera_id: int) -> tuple[Camera, CameraAccess] | None:
    camera = await db.get(Camera, camera_id)
    if camera is None:
        return None
    roles = await share_roles(db, user, [camera_id])
    access = access_of(user, camera, roles.get(camera_id))
    return None if access is None else (camera, access)


async def list_visible(
    db: AsyncSession, user: User, limit: int, offset: int
) -> tuple[list[tuple[Camera, CameraAccess]], int]:
    condition = col(Camera.id).in_(visible_camera_ids(user))
    total = int(await db.scalar(select(func.count()).select_from(Camera).where(condition)) or 0)
    cameras = list(
        (
            await db.scalars(
                select(Camera).where(condition).order_by(col(Camera.id)).limit(limit).offset(offset)
            )
        ).all()
    )
    roles = await share_roles(db, user, [c.id for c in cameras if c.id is not None])
    pairs = []
    for camera in cameras:
        access = access_of(user, camera, roles.get(camera.id or 0))
        assert access is not None
        pairs.append((camera, access))
    return pairs, total


async def create(db: AsyncSession, owner: User, fields: dict[str, Any]) -> Camera:
    camera = Camera(**fields, owner_id=owner.id)
    db.add(camera)
    await db.commit()
    await db.refresh(camera)
    return camera


async def update(db: AsyncSession, camera: Camera, changes: dict[str, Any]) -> Camera:
    for name, value in changes.items():
        setattr(camera, name, value)
    camera.updated_at = utcnow()
    db.add(camera)
    await db.commit()
    await db.refresh(camera)
    return camera


async def remove(db: AsyncSession, camera: Camera) -> None:
    await db.delete(camera)
    await db.commit()


async def list_shares(db: AsyncSession, camera_id: int) -> list[tuple[CameraShare, User]]:
    rows = await db.execute(
        select(CameraShare, User)
        .join(User, col(User.id) == CameraShare.user_id)
        .where(CameraShare.camera_id == camera_id)
        .order_by(col(CameraShare.created_at))
    )
    return [(share, user) for share, user in rows.all()]


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    return (await db.scalars(select(User).where(func.lower(col(User.email)) == email.lower()))).first()


async def upsert_share(db: AsyncSession, camera_id: int, user_id: uuid.UUID, role: ShareRole) -> CameraShare:
    share = await db.get(CameraShare, (camera_id, user_id))
    if share is None:
        share = CameraShare(camera_id=camera_id, user_id=user_id, role=role)
    else:
        share.role = role
    db.add(share)
    await db.commit()
    await db.refresh(share)
    return share


async def delete_share(db: AsyncSession, camera_id: int, user_id: uuid.UUID) -> bool:
    share = await db.get(CameraShare, (camera_id, user_id))
    if share is None:
        return False
    await db.delete(share)
    await db.commit()
    return True
