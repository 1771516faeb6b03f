"""Mirror and console actions are plain functions over the session manager and the database: they apply
the shop's rules and raise domain errors, which one handler maps to HTTP. The shared web context raises
domain errors too (WebSockets and view builders use it, not only HTTP routes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import HTTPException
from sqlmodel import Session, select

from edge.actions import associate, mirror
from edge.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PaymentRefused,
    TooManyAttempts,
    Unauthorized,
)
from edge.payments import PaymentDeclined, PaymentResult
from edge.storage.models import Purchase, TaskStatus
from edge.storage.tasks import TaskConflict, TaskNotFound
from edge.web.errors import status_of
from tests.mirror_support import MirrorEdge, mirror_edge


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def _buy(edge: MirrorEdge, epcs: list[str]) -> mirror.Sale:
    return mirror.buy_now(
        manager=edge.ctx.manager,
        catalog=edge.service.catalog,
        payments=edge.ctx.payments,
        store_id=edge.ctx.store_id,
        room_id="fr-1",
        epcs=epcs,
        now=time.time(),
    )


def test_buying_an_item_twice_is_a_conflict_and_writes_one_purchase(edge: MirrorEdge) -> None:
    epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(0)), 1)
    sale = _buy(edge, [epc])
    assert [line["epc"] for line in sale.lines] == [epc] and sale.payment.method == "pay_at_bag_desk"
    with pytest.raises(Conflict):
        _buy(edge, [epc])
    with Session(edge.service.db) as db:
        assert [p.id for p in db.exec(select(Purchase)).all()] == [sale.purchase_id]


def test_a_declined_payment_is_a_payment_refused_error(edge: MirrorEdge) -> None:
    class Declines:
        def authorize(self, *, amount_cents: int, currency: str, reference: str) -> PaymentResult:
            raise PaymentDeclined("card declined")

    epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(0)), 1)
    with pytest.raises(PaymentRefused, match="card declined"):
        mirror.buy_now(
            manager=edge.ctx.manager,
            catalog=edge.service.catalog,
            payments=Declines(),
            store_id=edge.ctx.store_id,
            room_id="fr-1",
            epcs=[epc],
            now=time.time(),
        )


def test_a_request_for_an_unknown_gtin_is_invalid(edge: MirrorEdge) -> None:
    with pytest.raises(Invalid):
        mirror.request_size(
            manager=edge.ctx.manager,
            catalog=edge.service.catalog,
            store_id="s",
            room_id="fr-1",
            gtin="00000000000000",
            epc=None,
            now=time.time(),
        )


def test_send_me_the_rest_lists_what_was_tried_and_not_bought_once(edge: MirrorEdge) -> None:
    kept = edge.sku_in_stock(edge.style(0))
    bought = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(1)), 2)
    edge.put_in_room("fr-1", kept, 1)
    _buy(edge, [bought])

    def send() -> mirror.EmailListSaved:
        return mirror.send_me_the_rest(
            manager=edge.ctx.manager,
            catalog=edge.service.catalog,
            store_id=edge.ctx.store_id,
            room_id="fr-1",
            email="a@example.com",
            lang="en",
            now=time.time(),
        )

    first, again = send(), send()
    assert [i["gtin"] for i in first.items] == [kept.gtin] and first.created
    assert again.items == first.items and not again.created


def test_claiming_a_task_twice_by_another_associate_is_a_conflict(edge: MirrorEdge) -> None:
    edge.associate("ana", "Ana", "1234")
    edge.associate("bo", "Bo", "5678")
    call = mirror.call_associate(manager=edge.ctx.manager, store_id="s", room_id="fr-1", now=time.time())
    with Session(edge.service.db) as db:
        task = associate.claim(
            session=db, manager=edge.ctx.manager, task_id=call.task_id, associate_id="ana", now=time.time()
        )
        assert task.status is TaskStatus.CLAIMED
    with Session(edge.service.db) as db, pytest.raises(Conflict):
        associate.claim(
            session=db, manager=edge.ctx.manager, task_id=call.task_id, associate_id="bo", now=time.time()
        )
    with Session(edge.service.db) as db, pytest.raises(NotFound):
        associate.complete(
            session=db, manager=edge.ctx.manager, task_id=999, associate_id="bo", now=time.time()
        )


def test_the_shared_context_raises_a_domain_error_not_an_http_one(edge: MirrorEdge) -> None:
    with pytest.raises(NotFound) as raised:
        edge.ctx.fitting_room("floor")
    assert not isinstance(raised.value, HTTPException)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Unauthorized("x"), 401),
        (PaymentRefused("x"), 402),
        (Forbidden("x"), 403),
        (NotFound("x"), 404),
        (Conflict("x"), 409),
        (Invalid("x"), 422),
        (TooManyAttempts("x", retry_after_s=3), 429),
        (TaskNotFound("x"), 404),
        (TaskConflict("x"), 409),
        (DomainError("x"), 400),
    ],
)
def test_each_domain_error_has_one_http_status(error: DomainError, status: int) -> None:
    assert status_of(error) == status


def test_the_handler_answers_with_the_status_message_and_headers(edge: MirrorEdge) -> None:
    response = edge.client.get("/api/mirror/fr-1")
    assert response.status_code == 401
    assert response.json() == {"detail": "a valid mirror device token is required"}
    assert response.headers["www-authenticate"] == "Bearer"
