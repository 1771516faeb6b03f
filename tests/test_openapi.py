"""The JSON API is described by the generated OpenAPI schema, served by the edge itself."""

from __future__ import annotations

from pathlib import Path

from tests.mirror_support import mirror_edge


def test_the_schema_describes_the_mirror_and_associate_api_and_no_cdn_page_is_served(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        schema = edge.client.get("/openapi.json")
        assert schema.status_code == 200
        paths = schema.json()["paths"]
        for path in (
            "/api/rooms",
            "/api/mirror/{room_id}",
            "/api/mirror/{room_id}/requests",
            "/api/mirror/{room_id}/purchases",
            "/api/mirror/{room_id}/email",
            "/api/associate/login",
            "/api/associate/tasks",
            "/api/sync/status",
        ):
            assert path in paths, path
        # /docs and /redoc would pull Swagger and ReDoc from a CDN: not on a store network.
        assert edge.client.get("/docs").status_code == 404
        assert edge.client.get("/redoc").status_code == 404
