"""Stores and their API keys. A key is shown once, at creation; only its SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from cloud_sync.central.models import Store

__all__ = ["StoreExists", "create_store", "hash_key", "rotate_key", "store_for_key"]


class StoreExists(Exception):
    """A store with this id is already registered."""


def _new_key() -> str:
    return "frs_" + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_store(session: Session, *, store_id: str, name: str, now: float) -> str:
    """Register a store and return its new key (the only time it exists in clear); the caller commits."""
    if session.get(Store, store_id) is not None:
        raise StoreExists(store_id)
    key = _new_key()
    session.add(Store(id=store_id, name=name, key_hash=hash_key(key), created_at=now))
    return key


def rotate_key(session: Session, *, store_id: str) -> str | None:
    """Give the store a new key (the old one stops working at commit); None if there is no such store."""
    store = session.get(Store, store_id)
    if store is None:
        return None
    key = _new_key()
    store.key_hash = hash_key(key)
    session.add(store)
    return key


def store_for_key(session: Session, key: str) -> Store | None:
    return session.exec(select(Store).where(Store.key_hash == hash_key(key))).first()
