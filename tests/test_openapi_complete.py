"""Both FastAPI apps say what every operation answers: each has a success response with a schema (or is
204 No Content), so /openapi.json documents the whole API, the sync status included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloud_sync.central.app import create_app as central_app
from cloud_sync.central.settings import CentralSettings
from tests.mirror_support import mirror_edge


def _undescribed(schema: dict[str, Any]) -> list[str]:
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            described = False
            for code, response in operation["responses"].items():
                if code == "204":
                    described = True
                elif code.startswith("2"):
                    content = response.get("content", {})
                    described |= any(media.get("schema") not in (None, {}) for media in content.values())
            if not described:
                missing.append(f"{method.upper()} {path}")
    return missing


def test_every_edge_operation_has_a_response_schema(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        schema = edge.client.get("/openapi.json").json()
    assert _undescribed(schema) == []
    status = schema["paths"]["/api/sync/status"]["get"]["responses"]["200"]["content"]["application/json"]
    assert status["schema"] == {"$ref": "#/components/schemas/SyncStatus"}
    assert set(schema["components"]["schemas"]["WorkerState"]["enum"]) == {
        "starting",
        "idle",
        "sending",
        "retrying",
        "disabled",
    }


def test_every_central_operation_has_a_response_schema(tmp_path: Path) -> None:
    app = central_app(CentralSettings(db_url=f"sqlite:///{tmp_path / 'central.db'}"))
    assert _undescribed(app.openapi()) == []


def test_every_edge_route_is_in_the_api_reference(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parent.parent / "docs"
    reference = (docs / "mirror-api.md").read_text(encoding="utf-8")
    with mirror_edge(tmp_path / "edge.db") as edge:
        paths = edge.client.get("/openapi.json").json()["paths"]
    # The reference spells the colour of a picture as the six hex digits it is.
    missing = [p for p in paths if p.replace("{colour}", "{rrggbb}") not in reference]
    assert missing == []
