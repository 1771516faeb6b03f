"""The demo's payment provider (``simulators.demo_checkout``) against the real edge over HTTP: the edge
opens a checkout, the page's "Pay" places the order through the signed callback, "Pay at the bag desk
instead" hands it to the bag desk."""

from __future__ import annotations

from pathlib import Path

import httpx

from catalog.model import Catalog
from edge.config import DEMO_CATALOG
from edge.credentials import issue_mirror_token
from simulators.demo_checkout import DemoCheckout
from tests.mirror_support import served_edge
from tests.test_endless_aisle import online_only


async def test_the_demo_provider_takes_an_order_from_its_page_to_placed_or_the_bag_desk(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    checkout = DemoCheckout(out=lines.append)
    checkout.start()
    catalog = Catalog.model_validate_json(Path(DEMO_CATALOG).read_bytes())
    sku = online_only(catalog)
    try:
        async with served_edge(tmp_path, None, None, **checkout.settings()) as (base, _rooms, db):
            checkout.edge_url = base
            mirror = {"Authorization": f"Bearer {issue_mirror_token(db, 'fr-1')}"}
            guest = {"gtin": sku.gtin, "email": "shopper@example.com", "consent": True}
            async with httpx.AsyncClient(base_url=base, headers=mirror, timeout=10) as edge:
                outcomes = []
                for button in ("/pay", "/desk"):
                    made = await edge.post("/api/mirror/fr-1/orders", json=guest)
                    assert made.status_code == 201, made.text
                    order = made.json()
                    assert order["status"] == "awaiting_payment"
                    assert order["payment_url"].startswith(checkout.url + "/c/")
                    async with httpx.AsyncClient(timeout=10) as phone:
                        page = await phone.get(order["payment_url"])
                        assert page.status_code == 200 and "Pay at the bag desk instead" in page.text
                        assert "shopper@example.com" not in page.text
                        assert (await phone.post(order["payment_url"] + button)).status_code == 200
                    now = (await edge.get(f"/api/mirror/fr-1/orders/{order['id']}")).json()
                    outcomes.append(now["status"])
            assert outcomes == ["queued", "at_bag_desk"]
            assert any("paid" in line and "queued" in line for line in lines), lines
            assert not any("shopper@example.com" in line for line in lines)
    finally:
        checkout.stop()
