"""``fitroom-edge devices``: the mirror and display tokens a store issued, listed without their secrets,
and one revoked — its mirror or queue screen refused from then on, and closed if it is connected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.websockets import WebSocketDisconnect

from edge import cli
from edge.credentials import issue_display_token
from edge.topics import ROOM_CHANGED, TASKS_CHANGED
from tests.mirror_support import MirrorEdge, mirror_edge


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def devices(edge: MirrorEdge, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["devices", "--db-url", f"sqlite:///{edge.db_path}", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_devices_are_listed_without_their_tokens(
    edge: MirrorEdge, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = edge.token("fr-2")
    display = issue_display_token(edge.service.db, "entrance")
    code, out, _ = devices(edge, capsys)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert "mirror" in lines[0] and "fr-2" in lines[0] and "active" in lines[0]
    assert "display" in lines[1] and "entrance" in lines[1] and "active" in lines[1]
    assert mirror not in out and display not in out


def test_a_revoked_mirror_is_refused_and_its_open_connection_closed(
    edge: MirrorEdge, capsys: pytest.CaptureFixture[str]
) -> None:
    token = edge.token("fr-1")
    headers = {"Authorization": f"Bearer {token}"}
    assert edge.client.get("/api/mirror/fr-1", headers=headers).status_code == 200
    with edge.client.websocket_connect(f"/ws/mirror/fr-1?token={token}") as ws:
        assert ws.receive_json()["type"] == "room"
        code, out, _ = devices(edge, capsys)
        device_id = out.split()[0]
        code, out, _ = devices(edge, capsys, "--revoke", device_id)
        assert code == 0 and "revoked" in out
        assert edge.client.portal is not None
        edge.client.portal.call(edge.service.bus.publish, ROOM_CHANGED, "fr-1")  # the room's next update
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    assert edge.client.get("/api/mirror/fr-1", headers=headers).status_code == 401
    # Revoking again changes nothing; an unknown id is an error that names it.
    assert devices(edge, capsys, "--revoke", device_id)[0] == 0
    code, _, err = devices(edge, capsys, "--revoke", "999")
    assert code == 2 and "999" in err


def test_a_revoked_queue_screen_is_closed(edge: MirrorEdge, capsys: pytest.CaptureFixture[str]) -> None:
    token = issue_display_token(edge.service.db, "entrance")
    with edge.client.websocket_connect(f"/ws/queue?token={token}") as ws:
        assert ws.receive_json()["type"] == "queue"
        _, out, _ = devices(edge, capsys)
        assert devices(edge, capsys, "--revoke", out.split()[0])[0] == 0
        assert edge.client.portal is not None
        edge.client.portal.call(edge.service.bus.publish, TASKS_CHANGED, None)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    assert edge.client.get(f"/api/queue/screen?token={token}").status_code == 401
