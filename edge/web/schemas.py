"""Request and response models of the mirror and associate API (docs/mirror-api.md is the contract).

Response models are what the OpenAPI schema describes; request models refuse unknown fields and bad
values with 422 before anything is written.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog.languages import Language
from edge.storage.models import TaskKind, TaskStatus

__all__ = [
    "AssociateLogin",
    "AssociatePublic",
    "EmailIn",
    "EmailSaved",
    "HelpCallPublic",
    "ItemCard",
    "LoginResult",
    "OfferBanner",
    "PurchaseIn",
    "PurchaseItem",
    "PurchasePublic",
    "ReplyAuthor",
    "ReplyPublic",
    "RequestIn",
    "RequestPublic",
    "RoomInfo",
    "RoomView",
    "SessionInfo",
    "ShopperInfo",
    "ShopperPublic",
    "SuggestionPublic",
    "TaskPublic",
    "VariantPublic",
]

GTIN = Field(pattern=r"^\d{14}$", description="GTIN-14")
# Deliberately simple: one @, a dot in the domain, no spaces. The confirmation email is the real test.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RoomInfo(BaseModel):
    id: str
    name: str


class SessionInfo(BaseModel):
    id: str
    started_at: float = Field(description="Unix seconds")


class VariantPublic(BaseModel):
    gtin: str
    size: str
    colour: str
    colour_hex: str
    availability: Literal["here", "online", "sold_out"]
    in_room: bool


class ItemCard(BaseModel):
    epc: str
    gtin: str | None
    known: bool = Field(description="False when the catalog does not know the GTIN: then name etc. are null")
    style_id: str | None = None
    name: str | None = None
    brand: str | None = None
    category: str | None = None
    description: str | None = None
    price_cents: int | None = None
    currency: str | None = None
    image: str | None = Field(default=None, description="Path of the item's image in its colour (SVG)")
    size: str | None = None
    colour: str | None = None
    colour_hex: str | None = None
    variants: list[VariantPublic] = Field(default_factory=list)
    purchased: bool = Field(default=False, description="Bought at this mirror in this session")


class SuggestionPublic(BaseModel):
    style_id: str
    name: str
    brand: str
    category: str
    price_cents: int
    currency: str
    image: str
    gtin: str
    size: str
    colour: str
    colour_hex: str
    reason: Literal["co_purchase", "category"]


class RequestPublic(BaseModel):
    id: int
    gtin: str
    name: str | None
    size: str | None
    colour: str | None
    status: TaskStatus
    associate_first_name: str | None
    created_at: float


class PurchaseItem(BaseModel):
    epc: str
    gtin: str
    name: str
    size: str
    colour: str
    price_cents: int


class PurchasePublic(BaseModel):
    id: int
    items: list[PurchaseItem]
    total_cents: int
    currency: str
    payment: str = Field(description='The payment provider\'s method, "pay_at_bag_desk" by default')
    status: Literal["to_bag", "bagged"]
    created_at: float


class ShopperInfo(BaseModel):
    first_name: str | None
    preferred_sizes: dict[str, str]
    language: Language | None = Field(
        default=None, description="The member's language when the mirror speaks it: the screen switches to it"
    )


class ReservedItem(BaseModel):
    gtin: str
    name: str | None
    size: str | None
    colour: str | None
    in_room: bool = Field(description="sensed in this fitting room now")


class ReservedRoom(BaseModel):
    """The reservation holding this room: the mirror greets its member and shows the garments."""

    first_name: str | None
    status: str
    items: list[ReservedItem]


class OfferBanner(BaseModel):
    id: str
    title: str
    body: str
    discount_pct: int | None
    members_only: bool
    valid_until: float


class ReplyAuthor(BaseModel):
    first_name: str
    initials: str = Field(description="Shown in a circle when there is no photo")
    photo: str | None = Field(
        default=None, description="Path of the associate's photo (needs the mirror's token), if any"
    )


class ReplyPublic(BaseModel):
    id: int
    task_id: int
    task_kind: TaskKind
    text: str = Field(description="Plain text: the mirror shows it as text, never as markup")
    associate: ReplyAuthor
    created_at: float


class RoomView(BaseModel):
    room: RoomInfo
    covered: bool = Field(description="False while an antenna or reader of the room is down")
    session: SessionInfo | None
    items: list[ItemCard]
    requests: list[RequestPublic]
    purchases: list[PurchasePublic]
    suggestions: list[SuggestionPublic]
    shopper: ShopperInfo | None
    offer: OfferBanner | None = Field(default=None, description="At most one offer for the items here")
    reservation: ReservedRoom | None = Field(default=None, description="The reservation holding this room")
    replies: list[ReplyPublic] = Field(
        default_factory=list, description="Associates' replies in this session, newest first"
    )
    ship_payment: Literal["bag_desk", "hosted_checkout"] = Field(
        default="bag_desk",
        description="Where a ship-to-home order is paid: at the bag desk, or on the payment provider's page",
    )


class RequestIn(_In):
    gtin: str = GTIN
    epc: str | None = Field(
        default=None, pattern=r"^[0-9A-Fa-f]{8,64}$", description="EPC (hex) of the item it is instead of"
    )


class PurchaseIn(_In):
    epcs: list[str] = Field(min_length=1, max_length=50, description="EPCs of items in the room to buy")

    @field_validator("epcs")
    @classmethod
    def _check_epcs(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for epc in value:
            if not re.fullmatch(r"[0-9A-Fa-f]{8,64}", epc):
                raise ValueError(f"not an EPC: {epc[:64]!r}")
            if epc.upper() in out:
                raise ValueError(f"EPC {epc} is listed twice")
            out.append(epc.upper())
        return out


class EmailIn(_In):
    email: str = Field(max_length=254)
    consent: bool = Field(description="Must be true: the shopper agreed to receive the email")
    lang: Language = Field(default="en", description="The email's language (the mirror's)")

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str) -> str:
        if not _EMAIL.fullmatch(value):
            raise ValueError("that does not look like an email address")
        return value

    @field_validator("consent")
    @classmethod
    def _check_consent(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("consent is required to store an email address")
        return value


class EmailSaved(BaseModel):
    saved: int = Field(description="How many unbought size/colour entries were stored")


class HelpCallPublic(BaseModel):
    id: int
    status: TaskStatus


class AssociateLogin(_In):
    associate_id: str = Field(min_length=1, max_length=64)
    pin: str = Field(min_length=4, max_length=12, pattern=r"^\d+$")


class AssociatePublic(BaseModel):
    id: str
    first_name: str


class LoginResult(BaseModel):
    token: str
    associate: AssociatePublic


class TaskPublic(BaseModel):
    id: int
    kind: TaskKind
    room_id: str
    room_name: str
    created_at: float
    age_s: float
    status: TaskStatus
    claimed_by: str | None = Field(description="First name of the associate who claimed it")
    claim_s: float | None = Field(default=None, description="Response time: claimed_at - created_at")
    complete_s: float | None = Field(default=None, description="Response time: completed_at - created_at")
    target_s: float | None = Field(
        default=None, description="The store's target to claim it ([store] request_target_s): requests, help"
    )
    over_target: bool = Field(default=False, description="Claimed, or still open, later than the target")
    detail: dict[str, Any]
    last_reply: str | None = Field(default=None, description="The latest reply sent to the mirror")


class ShopperPublic(BaseModel):
    first_name: str | None
    room_id: str
    since: float
