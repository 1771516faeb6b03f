"""Request dependencies: a database session per request, the calling store (by its key), the admin."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cloud_sync.central.models import Store
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import store_for_key

__all__ = ["AdminDep", "CurrentStore", "SessionDep", "SettingsDep", "own_store"]

_bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_session(request: Request) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    with Session(engine) as session:
        yield session


def get_settings(request: Request) -> CentralSettings:
    settings: CentralSettings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[CentralSettings, Depends(get_settings)]


def current_store(session: SessionDep, creds: BearerDep) -> Store:
    if creds is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "store key required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    store = store_for_key(session, creds.credentials)
    if store is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown store key", headers={"WWW-Authenticate": "Bearer"}
        )
    return store


CurrentStore = Annotated[Store, Depends(current_store)]


def own_store(store_id: str, store: CurrentStore) -> Store:
    """The calling store, provided the path names that same store: another store's data is 403."""
    if store.id != store_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this key belongs to another store")
    return store


def require_admin(settings: SettingsDep, creds: BearerDep) -> None:
    if not settings.admin_token:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "admin API disabled: set FITROOM_CENTRAL_ADMIN_TOKEN"
        )
    if creds is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "admin token required", headers={"WWW-Authenticate": "Bearer"}
        )
    if not hmac.compare_digest(creds.credentials.encode(), settings.admin_token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not the admin token")


AdminDep = Annotated[None, Depends(require_admin)]
