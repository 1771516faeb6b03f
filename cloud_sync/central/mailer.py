"""The follow-up email: "sizes and colours you didn't buy", as HTML and plain text, sent over SMTP.

Emails are queued in the ingest transaction (``FollowUpEmail``) and sent here, outside any transaction.
A claim is a lease (``next_attempt_at`` pushed forward), so a crashed sender's email is retried, and
several central instances never send the same one at the same time.
"""

from __future__ import annotations

import asyncio
import email.policy
import html
import logging
import smtplib
import ssl
import time
from collections.abc import Sequence
from decimal import Decimal
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote, urlencode

from babel import UnknownLocaleError
from babel.numbers import format_currency
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update

from catalog.languages import DEFAULT, RIGHT_TO_LEFT, language_of
from cloud_sync.central.catalog import items_in_language
from cloud_sync.central.metrics import CentralMetrics
from cloud_sync.central.models import FollowUpEmail, Profile
from cloud_sync.central.settings import CentralSettings

__all__ = ["buy_online_url", "compose_follow_up", "deliver_pending", "run_mailer"]

log = logging.getLogger(__name__)
LEASE_S = 300.0
_POLICY = email.policy.SMTP.clone(max_line_length=998)
MAX_ATTEMPTS = 8

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "subject": "The sizes and colours you didn't buy",
        "intro": "Thanks for visiting our fitting rooms. Here are the sizes and colours you tried or asked "
        "about and did not take home. Each one is a click away online:",
        "buy": "Buy online",
        "footer": "You receive this email because you asked for it at the fitting-room mirror.",
    },
    "es": {
        "subject": "Las tallas y colores que no compraste",
        "intro": "Gracias por visitar nuestros probadores. Estas son las tallas y colores que probaste o "
        "pediste y no te llevaste. Cada uno está a un clic en la tienda online:",
        "buy": "Comprar online",
        "footer": "Recibes este correo porque lo pediste en el espejo del probador.",
    },
    "fr": {
        "subject": "Les tailles et couleurs que vous n'avez pas achetées",
        "intro": "Merci de votre visite dans nos cabines d'essayage. Voici les tailles et couleurs que vous "
        "avez essayées ou demandées sans les emporter. Chacune est à un clic sur notre boutique en ligne :",
        "buy": "Acheter en ligne",
        "footer": "Vous recevez cet e-mail parce que vous l'avez demandé au miroir de la cabine.",
    },
    "de": {
        "subject": "Die Größen und Farben, die Sie nicht gekauft haben",
        "intro": "Danke für Ihren Besuch in unseren Umkleiden. Hier sind die Größen und Farben, die Sie "
        "anprobiert oder angefragt und nicht mitgenommen haben. Jede ist online nur einen Klick entfernt:",
        "buy": "Online kaufen",
        "footer": "Sie erhalten diese E-Mail, weil Sie sie am Spiegel der Umkleide angefordert haben.",
    },
    "pt": {
        "subject": "Os tamanhos e cores que não comprou",
        "intro": "Obrigado pela visita aos nossos provadores. Aqui estão os tamanhos e cores que provou ou "
        "pediu e não levou. Cada um está a um clique na loja online:",
        "buy": "Comprar online",
        "footer": "Recebe este e-mail porque o pediu no espelho do provador.",
    },
    "ar": {
        "subject": "المقاسات والألوان التي لم تشترها",
        "intro": "شكرًا لزيارتك غرف القياس لدينا. إليك المقاسات والألوان التي جرّبتها أو طلبتها ولم "
        "تأخذها معك. كلٌّ منها على بُعد نقرة في متجرنا الإلكتروني:",
        "buy": "اشترِ عبر الإنترنت",
        "footer": "تصلك هذه الرسالة لأنك طلبتها من مرآة غرفة القياس.",
    },
}


def buy_online_url(shop_url: str, item: dict[str, Any]) -> str:
    style = quote(str(item.get("style_id") or item["gtin"]), safe="")
    return f"{shop_url.rstrip('/')}/p/{style}?{urlencode({'gtin': item['gtin']})}"


def _label(item: dict[str, Any]) -> tuple[str, str]:
    name = str(item.get("name") or f"Item {item['gtin']}")
    detail = ", ".join(str(item[k]) for k in ("size", "colour") if item.get(k))
    return name, detail


def _price(item: dict[str, Any], lang: str) -> str:
    """The price as the shopper's locale writes it (Babel's CLDR data: "39,99 €" in Spanish)."""
    cents = item.get("price_cents")
    if not isinstance(cents, int):
        return ""
    currency = str(item.get("currency") or "EUR")
    try:
        return format_currency(Decimal(cents) / 100, currency, locale=lang)
    except (ValueError, UnknownLocaleError):
        return format_currency(Decimal(cents) / 100, "EUR" if len(currency) != 3 else currency, locale="en")


def compose_follow_up(
    items: Sequence[dict[str, Any]], *, to: str, sender: str, shop_url: str, language: str | None = None
) -> EmailMessage:
    """A multipart/alternative message; every item carries its buy-online link in both parts."""
    lang = language_of(language) or DEFAULT
    t = _TEXT[lang]
    # Headers unfolded up to SMTP's 998: the standard policy folds a non-ASCII subject between encoded
    # words and loses the space there (an Arabic subject read back had two words run together).
    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = t["subject"]
    msg["From"] = sender
    msg["To"] = to
    lines = [t["intro"], ""]
    rows = []
    for item in items:
        name, detail = _label(item)
        url = buy_online_url(shop_url, item)
        price = _price(item, lang)
        lines.append(f"- {name}" + (f" ({detail})" if detail else "") + (f" {price}" if price else ""))
        lines.append(f"  {t['buy']}: {url}")
        rows.append(
            '<tr><td style="padding:8px 0"><strong>{}</strong>{}{}</td>'
            '<td style="padding:8px 0 8px 16px"><a href="{}">{}</a></td></tr>'.format(
                html.escape(name),
                f"<br>{html.escape(detail)}" if detail else "",
                f"<br>{html.escape(price)}" if price else "",
                html.escape(url, quote=True),
                html.escape(t["buy"]),
            )
        )
    lines += ["", t["footer"]]
    msg.set_content("\n".join(lines))
    direction = "rtl" if lang in RIGHT_TO_LEFT else "ltr"
    msg.add_alternative(
        f'<!doctype html><html lang="{lang}" dir="{direction}"><body style="font-family:sans-serif">'
        f"<h1>{html.escape(t['subject'])}</h1><p>{html.escape(t['intro'])}</p>"
        f'<table>{"".join(rows)}</table><p style="color:#666">{html.escape(t["footer"])}</p>'
        "</body></html>",
        subtype="html",
    )
    return msg


def _send(settings: CentralSettings, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=30, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    with smtp:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)


def _claim(engine: Engine, email_id: int, now: float) -> bool:
    with Session(engine) as session:
        result = session.execute(
            update(FollowUpEmail)
            .where(
                col(FollowUpEmail.id) == email_id,
                col(FollowUpEmail.status) == "pending",
                col(FollowUpEmail.next_attempt_at) <= now,
            )
            .values(next_attempt_at=now + LEASE_S, attempts=FollowUpEmail.attempts + 1)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)


def deliver_pending(engine: Engine, settings: CentralSettings, *, now: float | None = None) -> int:
    """Send every due email once; returns how many were sent. Failures are retried with backoff."""
    now = time.time() if now is None else now
    with Session(engine) as session:
        due = session.exec(
            select(FollowUpEmail.id)
            .where(FollowUpEmail.status == "pending", col(FollowUpEmail.next_attempt_at) <= now)
            .limit(50)
        ).all()
    sent = 0
    for email_id in due:
        if email_id is None or not _claim(engine, email_id, now):
            continue
        with Session(engine) as session:
            row = session.get(FollowUpEmail, email_id)
            profile = session.get(Profile, row.member_id) if row else None
            if row is None:
                continue
            if profile is None or not profile.email:  # erased, or consent withdrawn since
                session.delete(row)
                session.commit()
                continue
            lang = language_of(row.language) or DEFAULT
            msg = compose_follow_up(
                items_in_language(session, row.items, lang),
                to=profile.email,
                sender=settings.mail_from,
                shop_url=settings.shop_url,
                language=row.language,
            )
            attempts = row.attempts
        try:
            _send(settings, msg)
        except (OSError, smtplib.SMTPException) as err:
            # Never log the address; the email's row id is enough to find it.
            log.warning(
                "follow-up email %s not sent (attempt %d): %s", email_id, attempts, type(err).__name__
            )
            with Session(engine) as session:
                row = session.get(FollowUpEmail, email_id)
                if row is not None:
                    row.last_error = type(err).__name__
                    row.next_attempt_at = now + min(3600.0, 30.0 * 2**attempts)
                    row.status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
                    session.add(row)
                    session.commit()
            continue
        with Session(engine) as session:
            row = session.get(FollowUpEmail, email_id)
            if row is not None:
                row.status, row.sent_at, row.last_error = "sent", time.time(), None
                session.add(row)
                session.commit()
        sent += 1
    return sent


async def run_mailer(
    engine: Engine, settings: CentralSettings, metrics: CentralMetrics | None = None
) -> None:
    """Send due follow-up emails until cancelled (SMTP I/O runs in a worker thread)."""
    while True:
        try:
            sent = await asyncio.to_thread(deliver_pending, engine, settings)
            if metrics is not None and sent:
                metrics.emails_sent.inc(sent)
        except Exception as err:
            log.error("mailer pass failed: %s", type(err).__name__)
        await asyncio.sleep(settings.mail_poll_s)
