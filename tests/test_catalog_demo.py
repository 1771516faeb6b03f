"""The demo catalog: deterministic, realistic, and its GTINs encode as the simulator's tags."""

from __future__ import annotations

from collections import Counter

from edge.catalog.demo import DEFAULT_OUT, build_demo_catalog, catalog_to_json
from edge.catalog.model import Category, load_catalog
from edge.epc import decode_sgtin96, encode_sgtin96, gtin_check_digit


def test_committed_file_is_what_the_generator_writes() -> None:
    assert DEFAULT_OUT.read_text(encoding="utf-8") == catalog_to_json(build_demo_catalog())


def test_at_least_300_styles_across_every_category_and_several_brands() -> None:
    cat = load_catalog(DEFAULT_OUT)
    assert len(cat.styles) >= 300
    per_category = Counter(s.category for s in cat.styles)
    assert set(per_category) == set(Category)
    assert len({s.brand for s in cat.styles}) >= 4
    assert len({s.id for s in cat.styles}) == len(cat.styles)


def test_real_size_runs_per_category() -> None:
    cat = load_catalog(DEFAULT_OUT)
    runs: dict[Category, set[str]] = {c: set() for c in Category}
    for s in cat.styles:
        runs[s.category].update(k.size for k in s.skus)
    assert runs[Category.TOPS] == {"XS", "S", "M", "L", "XL", "XXL"}
    assert runs[Category.DRESSES] == {str(n) for n in range(34, 47, 2)}
    assert "W32 L32" in runs[Category.TROUSERS]
    assert runs[Category.SHOES] == {str(n) for n in range(36, 47)}
    assert runs[Category.BAGS] == runs[Category.ACCESSORIES] == {"One size"}


def test_every_gtin_is_unique_valid_and_encodes_as_an_sgtin96() -> None:
    cat = load_catalog(DEFAULT_OUT)
    gtins = [k.gtin for s in cat.styles for k in s.skus]
    assert len(gtins) == len(set(gtins))
    prefixes = {g[1:8] for g in gtins}
    assert 2 <= len(prefixes) <= 8
    for n, g in enumerate(gtins):
        assert gtin_check_digit(g[:13]) == int(g[13])
        if n % 97 == 0:
            assert decode_sgtin96(encode_sgtin96(g, 1000 + n)).gtin == g


def test_stock_covers_every_sku_with_some_sold_out_here() -> None:
    cat = load_catalog(DEFAULT_OUT)
    assert {s.gtin for s in cat.stock} == set(cat.by_gtin)
    sold_out_here = [s for s in cat.stock if s.in_store == 0]
    assert 0 < len(sold_out_here) < len(cat.stock) / 4
    assert any(s.online > 0 for s in sold_out_here)
    assert any(s.online == 0 for s in sold_out_here)


def test_co_purchases_name_existing_styles() -> None:
    cat = load_catalog(DEFAULT_OUT)
    assert len(cat.co_purchases) > len(cat.styles)
    for a, b, n in cat.co_purchases:
        assert a in cat.by_style and b in cat.by_style and a != b and n > 0


def test_prices_and_descriptions_look_like_a_shop() -> None:
    cat = load_catalog(DEFAULT_OUT)
    for s in cat.styles:
        assert 900 <= s.price_cents <= 60000
        assert s.price_cents % 100 in (0, 95)
        assert s.image == f"/media/{s.id}.svg"
        assert s.description
