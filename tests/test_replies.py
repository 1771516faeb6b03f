"""A reply from a person: ``POST /api/associate/tasks/{id}/reply`` from the console, shown on the mirror of
the task's room (pushed over its WebSocket) with the associate's first name and initials, or the photo that
``fitroom-edge add-associate --photo FILE`` stored; the photo only for that room's mirror token."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from edge.cli import main as edge_cli
from edge.photos import MAX_BYTES, PhotoRejected, check_photo
from edge.storage.models import Task, TaskKind, TaskStatus
from edge.storage.replies import AssociatePhoto, TaskReply
from edge.web.reply_views import initials
from tests.mirror_support import MirrorEdge, mirror_edge


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels) of the given size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int = 3, height: int = 2) -> bytes:
    """The structure of a baseline JPEG: SOI, APP0, SOF0 with the size, EOI."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path_factory.mktemp("replies") / "edge.db") as e:
        yield e


def size_request(edge: MirrorEdge, room_id: str) -> dict[str, Any]:
    sku = edge.sku_in_stock(edge.style(0))
    made = edge.client.post(
        f"/api/mirror/{room_id}/requests", headers=edge.mirror(room_id), json={"gtin": sku.gtin}
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def reply(edge: MirrorEdge, task_id: int, text: str, headers: dict[str, str]) -> Any:
    return edge.client.post(f"/api/associate/tasks/{task_id}/reply", json={"text": text}, headers=headers)


def test_photos_are_checked_by_their_structure() -> None:
    assert check_photo(png(40, 30)).content_type == "image/png"
    assert (check_photo(png(40, 30)).width, check_photo(png(40, 30)).height) == (40, 30)
    assert (check_photo(jpeg(3, 2)).content_type, check_photo(jpeg(3, 2)).width) == ("image/jpeg", 3)
    damaged = bytearray(png())
    damaged[20] ^= 0xFF  # inside IHDR: the CRC no longer matches
    for bad, why in [
        (b"", "empty"),
        (b"<svg onload=alert(1)>", "PNG or a JPEG"),
        (b"GIF89a" + b"\x00" * 40, "PNG or a JPEG"),
        (bytes(damaged), "CRC"),
        (png()[:-12], "IEND"),
        (png(4000, 10), "each side"),
        (jpeg()[:-2], "end-of-image"),
        (png() + b"\x00" * MAX_BYTES, "at most"),
    ]:
        with pytest.raises(PhotoRejected, match=why):
            check_photo(bad)


def test_initials_of_a_first_name() -> None:
    assert [initials(n) for n in ("Ana", "mary jo", "Jean-Luc", "")] == ["A", "MJ", "JL", "?"]


def test_a_reply_reaches_the_mirror_live_with_name_and_initials(edge: MirrorEdge) -> None:
    ana = edge.associate("ana", "Ana María", "1357")
    token = edge.token("fr-1")
    task = size_request(edge, "fr-1")
    with edge.client.websocket_connect(f"/ws/mirror/fr-1?token={token}") as ws:
        assert ws.receive_json()["data"]["replies"] == []
        sent = reply(edge, task["id"], "  That size is out;   bringing the next one ", ana)
        assert sent.status_code == 201, sent.text
        pushed = ws.receive_json()["data"]
        while not pushed["replies"]:
            pushed = ws.receive_json()["data"]
    (shown,) = pushed["replies"]
    assert shown["text"] == "That size is out; bringing the next one"  # one line, spaces collapsed
    assert shown["associate"] == {"first_name": "Ana María", "initials": "AM", "photo": None}
    assert shown["task_id"] == task["id"] and shown["task_kind"] == "size_request"
    # Answering an open task takes it on: the request is claimed by Ana, the console sees the reply.
    assert pushed["requests"][0]["status"] == "claimed"
    (queued,) = [
        t for t in edge.client.get("/api/associate/tasks", headers=ana).json() if t["id"] == task["id"]
    ]
    assert queued["claimed_by"] == "Ana María" and queued["last_reply"] == shown["text"]
    # Markup is stored and sent as the text it is (the mirror sets it as text).
    assert reply(edge, task["id"], "<b>Two</b> minutes", ana).json()["text"] == "<b>Two</b> minutes"
    view = edge.client.get("/api/mirror/fr-1", headers={"Authorization": f"Bearer {token}"}).json()
    assert [r["text"] for r in view["replies"]] == ["<b>Two</b> minutes", shown["text"]]  # newest first


def test_bad_replies_are_refused_with_a_message(edge: MirrorEdge) -> None:
    ana = edge.associate("ana2", "Ana", "1357")
    ben = edge.associate("ben", "Ben", "2468")
    task = size_request(edge, "fr-2")
    for text, status, words in [
        ("", 422, "empty"),
        ("   ", 422, "empty"),
        ("x" * 141, 422, "at most 140"),
        ("x" * 1001, 422, "1000"),
        ("On my\x07 way", 422, "control"),
    ]:
        refused = reply(edge, task["id"], text, ana)
        assert refused.status_code == status and words in refused.text, (text, refused.text)
    assert reply(edge, 999_999, "On my way", ana).status_code == 404
    no_sign_in = edge.client.post(
        f"/api/associate/tasks/{task['id']}/reply", json={"text": "Hi"}, headers={"Authorization": "Bearer x"}
    )
    assert no_sign_in.status_code == 401
    assert reply(edge, task["id"], "x" * 140, ana).status_code == 201  # exactly 140 fits
    taken = reply(edge, task["id"], "On my way", ben)
    assert taken.status_code == 409 and "another associate" in taken.text
    assert edge.client.post(f"/api/associate/tasks/{task['id']}/complete", headers=ana).status_code == 200
    closed = reply(edge, task["id"], "On my way", ana)
    assert closed.status_code == 409 and "done" in closed.text
    with Session(edge.service.db) as db:
        go_back = Task(kind=TaskKind.GO_BACK, store_id="s", room_id="fr-2", created_at=0.0)
        db.add(go_back)
        db.commit()
        go_back_id = go_back.id
        assert db.exec(select(TaskReply).where(TaskReply.task_id == task["id"])).all()[0].text == "x" * 140
    refused = reply(edge, int(go_back_id or 0), "On my way", ana)
    assert refused.status_code == 422 and "go-back" not in refused.text and "size request" in refused.text
    with Session(edge.service.db) as db:
        assert db.get(Task, go_back_id).status == TaskStatus.OPEN  # type: ignore[union-attr]


def test_add_associate_photo_shown_only_to_the_rooms_mirror(edge: MirrorEdge, tmp_path: Path) -> None:
    db_url = f"sqlite:///{edge.db_path}"
    fake = tmp_path / "face.png"
    fake.write_bytes(b"<html><script>alert(1)</script>")
    assert (
        edge_cli(
            [
                "add-associate",
                "--id",
                "cai",
                "--first-name",
                "Cai",
                "--pin",
                "8642",
                "--photo",
                str(fake),
                "--db-url",
                db_url,
            ]
        )
        == 2
    )
    face = tmp_path / "face2.png"
    face.write_bytes(png(64, 64))
    assert (
        edge_cli(
            [
                "add-associate",
                "--id",
                "cai",
                "--first-name",
                "Cai",
                "--pin",
                "8642",
                "--photo",
                str(face),
                "--db-url",
                db_url,
            ]
        )
        == 0
    )
    with Session(edge.service.db) as db:
        stored = db.get(AssociatePhoto, "cai")
        assert stored is not None and stored.content_type == "image/png" and stored.data == face.read_bytes()
    login = edge.client.post("/api/associate/login", json={"associate_id": "cai", "pin": "8642"})
    cai = {"Authorization": f"Bearer {login.json()['token']}"}
    help_call = edge.client.post("/api/mirror/fr-3/help", headers=edge.mirror("fr-3")).json()
    sent = reply(edge, help_call["id"], "On my way", cai).json()
    photo = sent["associate"]["photo"]
    assert sent["associate"]["initials"] == "C" and photo.startswith(
        f"/api/mirror/fr-3/replies/{sent['id']}/photo"
    )
    got = edge.client.get(photo, headers=edge.mirror("fr-3"))
    assert got.status_code == 200 and got.content == face.read_bytes()
    assert got.headers["content-type"] == "image/png" and got.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in got.headers["content-security-policy"]
    assert edge.client.get(photo).status_code == 401
    assert edge.client.get(photo, headers=edge.mirror("fr-4")).status_code == 403
    elsewhere = photo.replace("/fr-3/", "/fr-4/")
    assert edge.client.get(elsewhere, headers=edge.mirror("fr-4")).status_code == 404
