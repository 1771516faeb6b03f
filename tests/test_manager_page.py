"""/manager renders the figures as SVG charts with tables and CSV links for a manager, under the pages'
strict CSP; a plain associate gets 403, nobody signed in 401 (HTTP through the real app)."""

from __future__ import annotations

from pathlib import Path

from edge.credentials import set_role
from tests.mirror_support import mirror_edge


def test_the_manager_page_draws_its_charts_and_the_range_changes_them(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        clerk = edge.associate("ana", "Ana", "1234")
        manager = edge.associate("mia", "Mia", "4321")
        set_role(edge.service.db, "mia", "manager")
        sku = edge.sku_in_stock(edge.style(0))
        edge.put_in_room("fr-1", sku, 1)
        page = edge.client.get("/manager", headers=manager)
        assert page.status_code == 200, page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.text.count('<svg class="chart"') == 4  # per day, per size, dwell, by hour
        assert 'data-kpi="sessions">1<' in page.text and "/api/manager/skus.csv?from=" in page.text
        assert f"<td>{sku.gtin}</td>" in page.text
        old = edge.client.get("/manager", params={"from": "2020-01-01", "to": "2020-01-31"}, headers=manager)
        assert 'data-kpi="sessions">0<' in old.text and sku.gtin not in old.text
        assert edge.client.get("/manager", headers=clerk).status_code == 403
        edge.client.cookies.clear()
        assert edge.client.get("/manager").status_code == 401
