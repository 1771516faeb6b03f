"""Tables of the fitting rooms: sessions and their items, tasks for associates, purchases, email lists,
associates and their sign-ins, mirror devices.

Request and response models live in the web layer; these are storage only. Times are Unix seconds
(floats) like the rest of the edge. Secrets (PINs, tokens) are stored only as hashes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel
from typing_extensions import TypedDict  # pydantic validates these on Python < 3.12 only from here

from edge.storage.types import EnumText, JsonDocument

__all__ = [
    "DEVICE_LIST",
    "ITEM_LIST",
    "PURCHASE_LINES",
    "TASK_DETAIL",
    "Associate",
    "AssociateSignIn",
    "EmailList",
    "FittingRoomSession",
    "ItemDescription",
    "MirrorDevice",
    "Purchase",
    "PurchaseLine",
    "SessionItem",
    "Task",
    "TaskKind",
    "TaskStatus",
]


class TaskKind(StrEnum):
    SIZE_REQUEST = "size_request"  # "bring me this size / colour"
    BAG = "bag"  # a purchase made at the mirror, to bag on the way out
    GO_BACK = "go_back"  # items left in the room at the end of a session
    HELP = "help"  # "call an associate"


class TaskStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"


class ItemDescription(TypedDict):
    """What an associate or the central store needs to know of an item (null fields: not in the catalog)."""

    gtin: str | None
    style_id: str | None
    name: str | None
    size: str | None
    colour: str | None
    price_cents: int | None


class PurchaseLine(TypedDict):
    """One item of a purchase, as sold."""

    epc: str
    gtin: str
    name: str
    size: str
    colour: str
    price_cents: int


# The JSON documents kept in text columns; the stored text is what json.dumps wrote (older rows included).
DEVICE_LIST: JsonDocument[list[str]] = JsonDocument(list[str])
PURCHASE_LINES: JsonDocument[list[PurchaseLine]] = JsonDocument(list[PurchaseLine])
ITEM_LIST: JsonDocument[list[ItemDescription]] = JsonDocument(list[ItemDescription])
# Kind-specific (what to bring, bag or put back); shown to associates as it is.
TASK_DETAIL: JsonDocument[dict[str, Any]] = JsonDocument(dict[str, Any])


class FittingRoomSessionBase(SQLModel):
    store_id: str = Field(max_length=64)
    room_id: str = Field(index=True, max_length=64)
    started_at: float = Field(index=True)
    opened_by: str = Field(max_length=32, description="item_entered | shopper_entered | mirror")


class FittingRoomSession(FittingRoomSessionBase, table=True):
    __tablename__ = "fitting_room_session"

    id: str = Field(primary_key=True, max_length=32)
    ended_at: float | None = Field(default=None, index=True)
    # The first known shopper's member id, from their profile; never logged.
    member_id: str | None = Field(default=None, max_length=128)
    shopper_devices: str = Field(default="[]", description="JSON list of presence device ids seen")

    @property
    def devices(self) -> list[str]:
        """The presence device ids seen in the session (``shopper_devices``)."""
        return DEVICE_LIST.load(self.shopper_devices)


class SessionItem(SQLModel, table=True):
    """Every item that was in the session's room; ``present`` while it is there."""

    __tablename__ = "session_item"
    __table_args__ = (UniqueConstraint("session_id", "epc"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="fitting_room_session.id", index=True, max_length=32)
    epc: str = Field(max_length=64)
    gtin: str | None = Field(default=None, max_length=14)
    first_seen: float
    last_entered: float
    left_at: float | None = None
    present: bool = True


class TaskBase(SQLModel):
    kind: TaskKind = Field(sa_type=EnumText(TaskKind, 16))
    store_id: str = Field(max_length=64)
    room_id: str = Field(index=True, max_length=64)
    session_id: str | None = Field(
        default=None, foreign_key="fitting_room_session.id", index=True, max_length=32
    )
    gtin: str | None = Field(default=None, max_length=14)
    epc: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="{}", description="JSON, kind-specific: what to bring, bag or put back")

    @property
    def details(self) -> dict[str, Any]:
        """``detail`` as a document (``TASK_DETAIL``)."""
        return TASK_DETAIL.load(self.detail)


class Task(TaskBase, table=True):
    """One job for the associates. Response times are ``claimed_at``/``completed_at`` - ``created_at``."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_kind_session", "kind", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: float = Field(index=True)
    status: TaskStatus = Field(default=TaskStatus.OPEN, index=True, sa_type=EnumText(TaskStatus, 16))
    claimed_by: str | None = Field(default=None, foreign_key="associate.id", max_length=64)
    claimed_at: float | None = None
    completed_by: str | None = Field(default=None, foreign_key="associate.id", max_length=64)
    completed_at: float | None = None
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id")


class Purchase(SQLModel, table=True):
    """A purchase made at the mirror; its bag task says whether it has been bagged."""

    __tablename__ = "purchase"

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(max_length=64)
    room_id: str = Field(index=True, max_length=64)
    session_id: str = Field(foreign_key="fitting_room_session.id", index=True, max_length=32)
    created_at: float
    items: str = Field(description="JSON list of {epc, gtin, name, size, colour, price_cents}")
    total_cents: int = Field(ge=0)
    currency: str = Field(max_length=3)
    payment: str = Field(max_length=32, description="Payment provider id, e.g. pay_at_bag_desk")
    payment_reference: str | None = Field(default=None, max_length=128)

    @property
    def lines(self) -> list[PurchaseLine]:
        """The items bought (``items``)."""
        return PURCHASE_LINES.load(self.items)


class EmailList(SQLModel, table=True):
    """A shopper's "send me what I didn't try / buy" list: the email, its consent time, the items."""

    __tablename__ = "email_list"

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(max_length=64)
    room_id: str = Field(max_length=64)
    session_id: str = Field(foreign_key="fitting_room_session.id", index=True, max_length=32)
    email: str = Field(max_length=254)
    consent_at: float
    created_at: float
    lang: str = Field(default="en", max_length=8)
    items: str = Field(description="JSON list of unbought {gtin, style_id, name, size, colour, price_cents}")
    member_id: str | None = Field(default=None, max_length=128)

    @property
    def listed(self) -> list[ItemDescription]:
        """The unbought sizes and colours on the list (``items``)."""
        return ITEM_LIST.load(self.items)


class Associate(SQLModel, table=True):
    __tablename__ = "associate"

    id: str = Field(primary_key=True, max_length=64)
    first_name: str = Field(max_length=64)
    pin_hash: str = Field(max_length=256, description="scrypt$n$r$p$salt$hash, never the PIN")
    created_at: float
    active: bool = True
    role: str = Field(default="associate", max_length=16, sa_column_kwargs={"server_default": "associate"})


class AssociateSignIn(SQLModel, table=True):
    __tablename__ = "associate_sign_in"

    token_hash: str = Field(primary_key=True, max_length=64)
    associate_id: str = Field(foreign_key="associate.id", index=True, max_length=64)
    created_at: float
    expires_at: float
    signed_out_at: float | None = None


class MirrorDevice(SQLModel, table=True):
    """A mirror screen's device token, bound to one room."""

    __tablename__ = "mirror_device"

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(index=True, max_length=64)
    token_hash: str = Field(unique=True, max_length=64)
    label: str = Field(default="", max_length=128)
    created_at: float
    revoked_at: float | None = None
