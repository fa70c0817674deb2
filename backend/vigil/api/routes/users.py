"""Accounts: me, and an administrator's list, additions and role changes (fastapi-users' routes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi_users import InvalidPasswordException
from fastapi_users import schemas as fu_schemas
from fastapi_users.exceptions import UserAlreadyExists
from fastapi_users.router.common import ErrorCode
from sqlalchemy import func
from sqlmodel import col, select

from vigil.api.deps import AdminUser, Session
from vigil.api.schemas import Offset, Page, UserAdminCreate, UserRead, UserUpdate
from vigil.api.users import UserManager, fastapi_users, get_user_manager
from vigil.db.tables import User
from vigil.domain import Role

router = APIRouter(tags=["users"])


class _NewAccount(fu_schemas.BaseUserCreate):
    """What the user manager stores: the admin's choice of role, with `is_superuser` agreeing."""

    role: Role


@router.get("/users", name="list")
async def list_users(
    _admin: AdminUser,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> Page[UserRead]:
    """Every account (administrators only)."""
    total = int(await db.scalar(select(func.count()).select_from(User)) or 0)
    users = await db.scalars(select(User).order_by(col(User.created_at)).limit(limit).offset(offset))
    return Page(items=[UserRead.model_validate(u) for u in users.all()], total=total)


@router.post(
    "/users",
    name="create",
    status_code=status.HTTP_201_CREATED,
    responses={
        400: {
            "description": "REGISTER_USER_ALREADY_EXISTS (whatever the email's case), or "
            '`{"code": "REGISTER_INVALID_PASSWORD", "reason": ...}` under the rules of registration.'
        },
    },
)
async def create_user(
    _admin: AdminUser,
    body: UserAdminCreate,
    request: Request,
    user_manager: Annotated[UserManager, Depends(get_user_manager)],
) -> UserRead:
    """Add an account with a role (administrators only), also while open registration is off."""
    account = _NewAccount(
        email=body.email,
        password=body.password,
        role=body.role,
        is_superuser=body.role is Role.ADMIN,
        is_active=True,
        is_verified=False,
    )
    try:
        user = await user_manager.create(account, safe=False, request=request)
    except UserAlreadyExists as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, ErrorCode.REGISTER_USER_ALREADY_EXISTS) from error
    except InvalidPasswordException as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            {"code": ErrorCode.REGISTER_INVALID_PASSWORD, "reason": error.reason},
        ) from error
    return UserRead.model_validate(user)


router.include_router(fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users")
