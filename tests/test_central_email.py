"""The follow-up email ("sizes and colours you didn't buy") delivered to a real local SMTP server."""

from __future__ import annotations

import email
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cloud_sync.central.app import create_app
from cloud_sync.central.db import make_engine, migrate
from cloud_sync.central.models import FollowUpEmail
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from tests.broker import free_port
from tests.central_support import ADMIN_TOKEN, database_url, wait_for

SHOP = "https://shop.test"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DRESS_S, DRESS_L = "05012345000019", "05012345000026"


class Inbox:
    """aiosmtpd handler keeping every delivered message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def _authenticate(_server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path / "central.db") as url:
        yield url


@pytest.fixture
def central(db_url: str, smtp: tuple[Inbox, int]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine) as session:
        key = create_store(session, store_id="s1", name="Flagship", now=time.time())
        session.commit()
    settings = CentralSettings(
        db_url=db_url,
        admin_token=ADMIN_TOKEN,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_tls="none",
        smtp_user="mailer",
        smtp_password="s3cret",
        mail_from="Northwind <hello@northwind.test>",
        shop_url=SHOP,
        mail_poll_s=0.1,
    )
    with TestClient(create_app(settings, engine=engine)) as client:
        catalog = {
            "styles": [
                {
                    "id": "DR-7",
                    "name": "Wrap dress <Spring>",
                    "brand": "Northwind",
                    "category": "dresses",
                    "price_cents": 7900,
                    "names": {"fr": "Robe portefeuille", "ar": "فستان ملفوف"},
                    "skus": [
                        {
                            "gtin": DRESS_S,
                            "size": "S",
                            "colour": "Green",
                            "colour_hex": "#00aa00",
                            "colours": {"fr": "Vert", "ar": "أخضر"},
                        },
                        {"gtin": DRESS_L, "size": "L", "colour": "Navy", "colour_hex": "#000080"},
                    ],
                }
            ]
        }
        assert client.put("/v1/admin/catalog", headers=ADMIN, json=catalog).status_code == 200
        yield client, {"Authorization": f"Bearer {key}"}
    engine.dispose()


def queued(client: TestClient) -> list[str]:
    """Status of every follow-up email queued at the centre."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        return [row.status for row in session.exec(select(FollowUpEmail)).all()]


def opt_in(event_id: str, consent: bool, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "email_opt_in",
        "store_id": "s1",
        "created_at": time.time(),
        "payload": {
            "list_id": 1,
            "session_id": "sess-1",
            "room_id": "fr-1",
            "email": "ana@example.org",
            "consent": consent,
            "consent_at": time.time(),
            "lang": "en",
            "items": [{"gtin": DRESS_S}, {"gtin": DRESS_L}],
            **extra,
        },
    }


def test_opt_in_sends_the_unbought_sizes_and_colours_with_buy_online_links(
    central: tuple[TestClient, dict[str, str]], smtp: tuple[Inbox, int]
) -> None:
    client, key = central
    inbox, _ = smtp
    ack = client.post("/v1/stores/s1/events", headers=key, json={"events": [opt_in("opt-1", True)]}).json()
    assert ack["accepted"] == 1
    wait_for(lambda: inbox.messages, 20, "the follow-up email")

    msg = inbox.messages[0]
    assert msg["To"] == "ana@example.org"
    assert msg["Subject"] == "The sizes and colours you didn't buy"
    assert inbox.envelopes[0].rcpt_tos == ["ana@example.org"]
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    for gtin, detail in ((DRESS_S, "S, Green"), (DRESS_L, "L, Navy")):
        link = f"{SHOP}/p/DR-7?gtin={gtin}"
        assert link in text and detail in text
        assert f'href="{link}"' in markup and detail in markup
    assert "Wrap dress <Spring>" in text
    assert "Wrap dress &lt;Spring&gt;" in markup and "<Spring>" not in markup  # escaped, not injected
    assert "€79.00" in text  # the shopper's locale (English), by Babel


def test_a_retried_opt_in_sends_one_email(
    central: tuple[TestClient, dict[str, str]], smtp: tuple[Inbox, int]
) -> None:
    client, key = central
    inbox, _ = smtp
    for _ in range(3):
        client.post("/v1/stores/s1/events", headers=key, json={"events": [opt_in("opt-2", True)]})
    wait_for(lambda: inbox.messages, 20, "the follow-up email")
    # One email queued, and it is done: nothing is left to send again.
    wait_for(lambda: queued(client) == ["sent"], 20, "the email marked sent")
    wait_for(lambda: "fitroom_central_emails_sent_total 1.0" in client.get("/metrics").text, 20, "the metric")
    assert len(inbox.messages) == 1


def test_without_consent_no_email_is_sent_and_none_is_stored(
    central: tuple[TestClient, dict[str, str]], smtp: tuple[Inbox, int]
) -> None:
    client, key = central
    inbox, _ = smtp
    client.post("/v1/stores/s1/events", headers=key, json={"events": [opt_in("opt-3", False)]})
    client.post("/v1/stores/s1/events", headers=key, json={"events": [opt_in("opt-4", True, lang="es")]})
    wait_for(lambda: inbox.messages, 20, "the consented email")
    wait_for(lambda: queued(client) == ["sent"], 20, "the email marked sent")
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["Subject"] == "Las tallas y colores que no compraste"
    assert client.get("/v1/admin/stats", headers=ADMIN).json()["profiles"] == 1


@pytest.mark.parametrize(
    ("lang", "subject", "price", "direction"),
    [
        ("fr", "Les tailles et couleurs que vous n'avez pas achetées", "79,00\xa0€", "ltr"),
        ("de", "Die Größen und Farben, die Sie nicht gekauft haben", "79,00\xa0€", "ltr"),
        ("pt", "Os tamanhos e cores que não comprou", "79,00", "ltr"),
        ("ar", "المقاسات والألوان التي لم تشترها", "79.00", "rtl"),
    ],
)
def test_the_email_is_in_the_shoppers_language_prices_in_its_locale(
    central: tuple[TestClient, dict[str, str]],
    smtp: tuple[Inbox, int],
    lang: str,
    subject: str,
    price: str,
    direction: str,
) -> None:
    client, key = central
    inbox, _ = smtp
    client.post(
        "/v1/stores/s1/events", headers=key, json={"events": [opt_in(f"opt-{lang}", True, lang=lang)]}
    )
    wait_for(lambda: inbox.messages, 20, "the follow-up email")
    msg = inbox.messages[0]
    assert msg["Subject"] == subject
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert price in plain.get_content()
    assert f'lang="{lang}" dir="{direction}"' in html.get_content()
    # The garments' names and colours come in the shopper's language where the catalog has them.
    named = {"fr": ("Robe portefeuille", "Vert"), "ar": ("فستان ملفوف", "أخضر")}
    name, colour = named.get(lang, ("Wrap dress <Spring>", "Green"))
    assert name in plain.get_content() and colour in plain.get_content(), plain.get_content()
