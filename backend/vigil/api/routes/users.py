"""Accounts: me, and an administrator's list and role changes (fastapi-users' routes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import col, select

from vigil.api.deps import AdminUser, Session
from vigil.api.schemas import Page, UserRead, UserUpdate
from vigil.api.users import fastapi_users
from vigil.db.tables import User

router = APIRouter(tags=["users"])


@router.get("/users", name="list")
async def list_users(
    _admin: AdminUser,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[UserRead]:
    """Every account (administrators only)."""
    total = int(await db.scalar(select(func.count()).select_from(User)) or 0)
    users = await db.scalars(select(User).order_by(col(User.created_at)).limit(limit).offset(offset))
    return Page(items=[UserRead.model_validate(u) for u in users.all()], total=total)


router.include_router(fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users")
