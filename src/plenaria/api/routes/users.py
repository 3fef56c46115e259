"""User management within the admin's own council."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from plenaria.api.deps import Admin, DbSession
from plenaria.api.schemas import UserCreate, UserPublic, UserUpdate
from plenaria.db import accounts as repo
from plenaria.db.models import User
from plenaria.errors import ConflictError


def add_user(db: Session, admin: User, body: UserCreate) -> User:
    """A new account in the admin's council, audited."""
    user = repo.create_user(db, admin.council, body.email, body.password, body.role)
    detail = {"email": user.email, "role": user.role}
    repo.audit(db, admin.council_id, admin.id, "user.create", "user", user.id, detail)
    return user


def change_user(db: Session, admin: User, user_id: str, body: UserUpdate) -> User:
    """Change an account's role, activity or password, audited; never the admin's own role."""
    user = repo.get_user_for_council(db, admin.council_id, user_id)
    if user.id == admin.id and (body.role not in (None, "admin") or body.active is False):
        raise ConflictError(
            "No puede quitarse la función de administración ni desactivarse.",
            "Pídalo a otra persona administradora.",
        )
    if body.role is not None:
        user.role = body.role
    if body.active is not None:
        user.active = body.active
    if body.password is not None:  # set by an admin: the old one may be known to others
        repo.set_password(user, body.password)
        repo.revoke_credentials(db, user)
    fields = sorted(body.model_dump(exclude_unset=True, exclude_none=True))
    repo.audit(db, admin.council_id, admin.id, "user.update", "user", user.id, {"fields": fields})
    return user


def router() -> APIRouter:
    api = APIRouter(tags=["users"])

    @api.get("/users", response_model=list[UserPublic])
    def list_users(admin: Admin, db: DbSession) -> list[UserPublic]:
        return [UserPublic.model_validate(u) for u in repo.list_users(db, admin.council_id)]

    @api.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
    def create_user(body: UserCreate, admin: Admin, db: DbSession) -> UserPublic:
        user = add_user(db, admin, body)
        db.commit()
        return UserPublic.model_validate(user)

    @api.get("/users/{user_id}", response_model=UserPublic)
    def get_user(user_id: str, admin: Admin, db: DbSession) -> UserPublic:
        return UserPublic.model_validate(repo.get_user_for_council(db, admin.council_id, user_id))

    @api.patch("/users/{user_id}", response_model=UserPublic)
    def update_user(user_id: str, body: UserUpdate, admin: Admin, db: DbSession) -> UserPublic:
        user = change_user(db, admin, user_id, body)
        db.commit()
        return UserPublic.model_validate(user)

    @api.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_user(user_id: str, admin: Admin, db: DbSession) -> None:
        user = repo.get_user_for_council(db, admin.council_id, user_id)
        if user.id == admin.id:
            raise ConflictError(
                "No puede borrar su propia cuenta.", "Pídalo a otra persona administradora."
            )
        repo.audit(
            db, admin.council_id, admin.id, "user.delete", "user", user.id, {"email": user.email}
        )
        db.delete(user)
        db.commit()

    return api
