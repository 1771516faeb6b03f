"""Suggestions: other sizes/colours with availability, and complete-the-look rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.catalog.model import Catalog, Category, Sku, StockLevel, Style, load_catalog
from edge.epc import gtin_check_digit
from edge.suggest import Availability, Reason, ShopperProfile, Suggester, variants_of

DEMO = Path(__file__).resolve().parent.parent / "edge" / "data" / "demo_catalog.json"


def gtin(n: int) -> str:
    body = f"0506123{n:06d}"
    return body + str(gtin_check_digit(body))


def style(
    sid: str, category: Category, sizes: list[str], first: int, colours: tuple[str, ...] = ("Black",)
) -> Style:
    skus = []
    n = first
    for colour in colours:
        for size in sizes:
            skus.append(Sku(gtin=gtin(n), size=size, colour=colour, colour_hex="#000000"))
            n += 1
    return Style(id=sid, name=sid, brand="B", category=category, price_cents=1000, skus=tuple(skus))


LETTERS = ["XS", "S", "M", "L", "XL"]
SHIRT = style("shirt", Category.TOPS, LETTERS, 100)
JACKET = style("jacket", Category.OUTERWEAR, LETTERS, 200, colours=("Navy", "Camel"))
BOOTS = style("boots", Category.SHOES, ["38", "39", "40"], 300)
BELT = style("belt", Category.ACCESSORIES, ["One size"], 400)


def catalog(stock: dict[str, tuple[int, int, int]], pairs: tuple[tuple[str, str, int], ...] = ()) -> Catalog:
    levels = tuple(StockLevel(gtin=g, floor=f, stockroom=s, online=o) for g, (f, s, o) in stock.items())
    return Catalog(styles=(SHIRT, JACKET, BOOTS, BELT), stock=levels, co_purchases=pairs)


def all_here() -> dict[str, tuple[int, int, int]]:
    return {sku.gtin: (1, 1, 5) for st in (SHIRT, JACKET, BOOTS, BELT) for sku in st.skus}


def test_variants_mark_here_online_and_sold_out() -> None:
    stock = all_here()
    shirt_s, shirt_m, shirt_l = (SHIRT.skus[i].gtin for i in (1, 2, 3))
    stock[shirt_s] = (0, 0, 3)  # online only
    stock[shirt_l] = (0, 0, 0)  # sold out everywhere
    variants = {v.size: v for v in variants_of(catalog(stock), shirt_m, in_room={shirt_m})}
    assert "M" not in variants  # the item itself is not its own variant
    assert variants["S"].availability is Availability.ONLINE
    assert variants["L"].availability is Availability.SOLD_OUT
    assert variants["XL"].availability is Availability.HERE


def test_variants_say_which_are_in_the_room_and_put_the_items_colour_first() -> None:
    cat = catalog(all_here())
    navy_m, camel_m = JACKET.skus[2].gtin, JACKET.skus[7].gtin
    variants = variants_of(cat, camel_m, in_room={navy_m, camel_m})
    assert variants[0].colour == "Camel"
    assert next(v for v in variants if v.gtin == navy_m).in_room


def test_unknown_gtin_has_no_variants() -> None:
    assert variants_of(catalog(all_here()), gtin(999)) == []


def test_complete_the_look_never_suggests_what_is_sold_out_here() -> None:
    stock = all_here()
    for sku in JACKET.skus:
        stock[sku.gtin] = (0, 0, 10)  # online only: not here
    suggestions = Suggester(catalog(stock)).complete_the_look([SHIRT.skus[2].gtin])
    assert suggestions
    assert all(s.style.id != "jacket" for s in suggestions)
    assert all(catalog(stock).stock_of(s.sku.gtin).in_store > 0 for s in suggestions)


def test_complete_the_look_never_suggests_a_style_already_in_the_room() -> None:
    cat = catalog(all_here())
    room = [SHIRT.skus[2].gtin, BOOTS.skus[0].gtin]
    ids = {s.style.id for s in Suggester(cat).complete_the_look(room)}
    assert ids and not ids & {"shirt", "boots"}


def test_complete_the_look_prefers_the_size_the_shopper_is_trying() -> None:
    cat = catalog(all_here())
    jacket = next(s for s in Suggester(cat).complete_the_look([SHIRT.skus[3].gtin]) if s.style.id == "jacket")
    assert jacket.sku.size == "L"


def test_when_the_tried_size_is_sold_out_the_nearest_size_in_stock_is_picked() -> None:
    stock = all_here()
    for sku in JACKET.skus:
        if sku.size == "L":
            stock[sku.gtin] = (0, 0, 4)
    jacket = next(
        s for s in Suggester(catalog(stock)).complete_the_look([SHIRT.skus[3].gtin]) if s.style.id == "jacket"
    )
    assert jacket.sku.size in {"M", "XL"}


def test_a_profiles_preferred_size_and_colour_win() -> None:
    cat = catalog(all_here())
    profile = ShopperProfile(
        member_id="m1", preferred_sizes={"outerwear": "XS"}, favourite_colours=("Camel",)
    )
    suggestions = Suggester(cat).complete_the_look([SHIRT.skus[3].gtin], profile=profile)
    jacket = next(s for s in suggestions if s.style.id == "jacket")
    assert (jacket.sku.size, jacket.sku.colour) == ("XS", "Camel")


def test_co_purchase_data_ranks_and_labels_suggestions() -> None:
    cat = catalog(all_here(), pairs=(("belt", "shirt", 50),))
    first = Suggester(cat).complete_the_look([SHIRT.skus[2].gtin])[0]
    assert first.style.id == "belt" and first.reason is Reason.CO_PURCHASE


def test_an_empty_or_unknown_room_gets_no_suggestions() -> None:
    cat = catalog(all_here())
    assert Suggester(cat).complete_the_look([]) == []
    assert Suggester(cat).complete_the_look([gtin(999)]) == []


@pytest.mark.parametrize("index", range(0, 300, 37))
def test_demo_catalog_suggestions_hold_the_rules(index: int) -> None:
    cat = load_catalog(DEMO)
    item = cat.styles[index]
    room = [item.skus[len(item.skus) // 2].gtin]
    suggestions = Suggester(cat).complete_the_look(room, limit=8)
    assert suggestions
    for s in suggestions:
        assert s.style.id != item.id
        assert s.sku.gtin not in room
        assert cat.stock_of(s.sku.gtin).in_store > 0


def test_a_wanted_size_now_in_stock_comes_first_and_bought_ones_never_come_back() -> None:
    from edge.config import DEMO_CATALOG
    from edge.suggest.profile import ProfileItem

    demo = load_catalog(DEMO_CATALOG)
    room = [demo.styles[0].skus[0].gtin]
    plain = Suggester(demo).complete_the_look(room, limit=6)
    assert len(plain) >= 3
    last = plain[-1].style
    wanted = next(s for s in reversed(last.skus) if demo.stock_of(s.gtin).in_store > 0 and s.gtin not in room)
    profile = ShopperProfile(member_id="m-1", unbought=(ProfileItem(gtin=wanted.gtin, size=wanted.size),))
    first = Suggester(demo).complete_the_look(room, profile=profile, limit=6)[0]
    assert (first.style.id, first.sku.gtin) == (last.id, wanted.gtin)

    # Bought since: neither ranked first nor suggested again; nor is anything else they bought.
    bought = (
        ProfileItem(gtin=wanted.gtin, channel="online"),
        ProfileItem(gtin=plain[0].sku.gtin, channel="store"),
    )
    again = Suggester(demo).complete_the_look(
        room, profile=ShopperProfile(member_id="m-1", purchases=bought, unbought=profile.unbought), limit=6
    )
    assert {s.sku.gtin for s in again}.isdisjoint({wanted.gtin, plain[0].sku.gtin})
    assert again[0].style.id != last.id or again[0].sku.gtin != wanted.gtin
