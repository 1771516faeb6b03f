"""The demo catalog: a deterministic, realistic store assortment.

``python -m edge.catalog.demo [--out PATH] [--seed N]`` writes ``edge/data/demo_catalog.json``. The same
seed always gives the same file, byte for byte, so the committed file and the simulator's tags agree.

Every SKU has a valid GTIN-14 (indicator 0, a brand's 7-digit GS1 company prefix, a 5-digit item
reference, the mod-10 check digit), so ``edge.epc.encode_sgtin96(gtin, serial)`` encodes it.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from edge.catalog.demo_data import (
    BRANDS,
    CATEGORY_CODES,
    COLOUR_NAMES,
    COLOURS,
    FITS,
    GARMENTS,
    MATERIALS,
    PRICE_RANGES,
    SIZE_RUNS,
    STYLE_COUNTS,
    Brand,
    Garment,
)
from edge.catalog.model import Catalog, Category, Sku, StockLevel, Style
from edge.catalog.outfits import complements_of
from edge.epc import gtin_check_digit

__all__ = ["DEFAULT_OUT", "DEFAULT_SEED", "build_demo_catalog", "main", "write_catalog"]

DEFAULT_SEED = 42
_CLOTHES = {Category.TOPS, Category.DRESSES, Category.TROUSERS, Category.OUTERWEAR}
_DESIGN_WORDS = ("Classic", "Everyday", "Minimal", "Signature", "Heritage", "Weekend")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "demo_catalog.json"


def make_gtin(company_prefix: str, item_reference: int) -> str:
    """GTIN-14 with indicator digit 0: '0' + 7-digit prefix + 5-digit item reference + check digit."""
    body = "0" + company_prefix + f"{item_reference:05d}"
    return body + str(gtin_check_digit(body))


def _price_cents(rng: random.Random, category: Category, brand: Brand, garment: Garment) -> int:
    low, high = PRICE_RANGES[category]
    premium = 1.7 if _PREMIUM_WORDS & set(garment.name.split(" ")) else 1.0
    euros = rng.randint(low, high) * brand.price_factor * premium
    # Shop prices end in .95 or .00 (whole tens get .00).
    whole = max(int(round(euros / 5.0) * 5) - 1, 9)
    return whole * 100 + (95 if rng.random() < 0.7 else 0)


# Materials by a word of the garment's name, so a "Linen Shirt" is linen and a T-shirt never silk.
_MATERIALS_BY_WORD: dict[str, tuple[str, ...]] = {
    "Linen": ("washed linen", "linen-cotton blend"),
    "Silk": ("mulberry silk", "silk crepe de chine"),
    "Satin": ("satin", "recycled satin"),
    "Merino": ("extra-fine merino wool",),
    "Cashmere": ("Grade-A cashmere",),
    "Wool": ("wool blend", "pure new wool"),
    "Cable-knit": ("chunky lambswool", "wool-cotton blend"),
    "Roll-neck": ("merino wool", "cotton-cashmere blend"),
    "Corduroy": ("cotton corduroy",),
    "Jeans": ("stretch denim", "rigid organic denim"),
    "Denim": ("rigid denim", "organic denim"),
    "Leather": ("full-grain leather", "vegetable-tanned leather"),
    "Suede": ("calf suede",),
    "Canvas": ("cotton canvas",),
    "Straw": ("woven raffia", "woven straw"),
    "Jersey": ("cotton jersey",),
    "T-shirt": ("organic cotton jersey", "heavyweight cotton"),
    "Tank": ("ribbed cotton", "ribbed modal"),
    "Polo": ("cotton piqué",),
    "Sweatshirt": ("brushed-back cotton", "organic cotton fleece"),
    "Breton": ("heavyweight cotton",),
    "Poplin": ("cotton poplin",),
    "Oxford": ("Oxford cotton",),
    "Camisole": ("silk-blend satin", "viscose"),
    "Knitted": ("fine-gauge knit",),
    "Floral": ("printed viscose",),
    "Broderie": ("cotton broderie anglaise",),
    "Pleated": ("recycled polyester crepe", "wool blend"),
    "Chinos": ("cotton twill", "stretch cotton twill"),
    "Cargo": ("cotton ripstop", "cotton twill"),
    "Tailored": ("wool blend", "stretch wool"),
    "Trench": ("cotton gabardine",),
    "Waxed": ("waxed cotton",),
    "Quilted": ("recycled nylon with light padding",),
    "Puffer": ("recycled nylon with recycled down",),
    "Parka": ("waterproof recycled nylon",),
    "Blazer": ("wool-linen blend", "stretch cotton"),
    "Trainers": ("full-grain leather",),
    "Sneakers": ("cotton canvas",),
    "Boots": ("full-grain leather", "calf suede"),
    "Loafers": ("calf suede",),
    "Derby": ("polished leather",),
    "Sandals": ("soft leather",),
    "Pumps": ("leather", "suede"),
    "Espadrilles": ("cotton canvas with a jute sole",),
    "Shopper": ("heavy cotton canvas",),
    "Bag": ("pebbled leather", "smooth leather"),
    "Holdall": ("waxed canvas and leather",),
    "Belt": ("full-grain leather",),
    "Beanie": ("lambswool", "merino wool"),
    "Cap": ("cotton twill",),
    "Gloves": ("lambskin leather",),
    "Sunglasses": ("acetate",),
    "Scarf": ("lambswool",),
    "Dress": ("viscose", "cotton poplin", "crepe"),
}

# Fit words only make sense for clothes; shoes, bags and accessories get a design note instead.
_FIT_TEXT = {
    "Relaxed": "a relaxed, easy fit",
    "Slim": "a slim fit that follows the body",
    "Classic": "a classic regular fit",
    "Oversized": "a generous oversized fit",
    "Cropped": "a cropped length",
    "Tailored": "a sharp tailored fit",
    "Essential": "a clean, versatile shape",
    "Heritage": "heritage details",
    "Soft": "a soft hand-feel",
    "Everyday": "an everyday, go-with-anything design",
    "Minimal": "a minimal, clean design",
    "Signature": "the house's signature hardware",
    "Weekend": "a laid-back weekend look",
}
_CARE = ("Machine wash at 30°C.", "Hand wash cold.", "Dry clean only.", "Wash at 40°C.")
_PREMIUM_WORDS = {"Cashmere", "Silk", "Leather", "Wool", "Merino", "Trench", "Suede", "Satin"}


def _material(rng: random.Random, category: Category, garment: Garment) -> str:
    for word in garment.name.split(" "):
        if word in _MATERIALS_BY_WORD:
            return rng.choice(_MATERIALS_BY_WORD[word])
    return rng.choice(MATERIALS[category])


def _description(rng: random.Random, category: Category, garment: Garment, fit: str) -> str:
    material = _material(rng, category, garment)
    care = {
        Category.SHOES: "Cushioned insole; resoleable.",
        Category.BAGS: "Lined interior with an inside pocket.",
        Category.ACCESSORIES: "Gift-boxed.",
    }.get(category) or rng.choice(_CARE)
    return f"{garment.name} in {material} with {_FIT_TEXT[fit]}. {care}"


def _size_weight(category: Category, index: int, count: int) -> float:
    """Stores stock the middle of a size run deepest."""
    if count == 1:
        return 1.0
    centre = (count - 1) / 2
    return max(0.25, 1.0 - abs(index - centre) / (count / 1.6))


def _stock(
    rng: random.Random, category: Category, sizes: Sequence[str], gtins: Sequence[str]
) -> Iterator[StockLevel]:
    for i, gtin in enumerate(gtins):
        weight = _size_weight(category, i % len(sizes), len(sizes))
        roll = rng.random()
        if roll < 0.10:  # sold out in this store, still online
            yield StockLevel(gtin=gtin, floor=0, stockroom=0, online=rng.randint(1, 40))
        elif roll < 0.14:  # sold out everywhere
            yield StockLevel(gtin=gtin, floor=0, stockroom=0, online=0)
        else:
            floor = max(0, round(rng.randint(0, 4) * weight + (1 if weight > 0.6 else 0)))
            stockroom = max(0, round(rng.randint(0, 8) * weight))
            if floor + stockroom == 0:
                floor = 1
            yield StockLevel(gtin=gtin, floor=floor, stockroom=stockroom, online=rng.randint(0, 60))


def build_demo_catalog(seed: int = DEFAULT_SEED) -> Catalog:
    """The demo assortment; deterministic for a given seed."""
    rng = random.Random(seed)
    next_ref = {b.company_prefix: 10001 for b in BRANDS}
    styles: list[Style] = []
    stock: list[StockLevel] = []
    used_names: set[tuple[str, str]] = set()
    per_code: dict[str, int] = {}
    for category, count in STYLE_COUNTS.items():
        brands = [b for b in BRANDS if category in b.categories]
        garments = GARMENTS[category]
        made = 0
        attempt = 0
        while made < count:
            brand = brands[attempt % len(brands)]
            garment = garments[(attempt // len(brands) + attempt) % len(garments)]
            attempt += 1
            fit = rng.choice(FITS if category in _CLOTHES else _DESIGN_WORDS)
            plain = rng.random() >= 0.85 and (brand.code, garment.name) not in used_names
            name = garment.name if plain else f"{fit} {garment.name}"
            if (brand.code, name) in used_names:
                continue
            used_names.add((brand.code, name))
            code = f"{brand.code}-{CATEGORY_CODES[category]}"
            per_code[code] = per_code.get(code, 0) + 1
            style_id = f"{code}{per_code[code]:03d}"
            n_colours = min(len(garment.colours), rng.choice((1, 2, 2, 3, 3, 4)))
            colours = rng.sample(garment.colours, n_colours)
            sizes = SIZE_RUNS[category]
            skus: list[Sku] = []
            for colour in colours:
                for size in sizes:
                    gtin = make_gtin(brand.company_prefix, next_ref[brand.company_prefix])
                    next_ref[brand.company_prefix] += 1
                    skus.append(
                        Sku(
                            gtin=gtin,
                            size=size,
                            colour=colour,
                            colour_hex=COLOURS[colour],
                            colours=COLOUR_NAMES[colour],
                        )
                    )
            styles.append(
                Style(
                    id=style_id,
                    name=name,
                    brand=brand.name,
                    category=category,
                    price_cents=_price_cents(rng, category, brand, garment),
                    currency="EUR",
                    description=_description(rng, category, garment, fit),
                    image=f"/media/{style_id}.svg",
                    skus=tuple(skus),
                )
            )
            stock.extend(_stock(rng, category, sizes, [s.gtin for s in skus]))
            made += 1
    return Catalog(styles=tuple(styles), stock=tuple(stock), co_purchases=_co_purchases(rng, styles))


def _co_purchases(rng: random.Random, styles: Sequence[Style]) -> tuple[tuple[str, str, int], ...]:
    """Pairs of styles bought together, mostly across complementary categories, with a count."""
    by_category: dict[Category, list[Style]] = {}
    for style in styles:
        by_category.setdefault(style.category, []).append(style)
    pairs: dict[tuple[str, str], int] = {}
    for style in styles:
        for category in complements_of(style.category):
            pool = by_category.get(category, [])
            same_brand = [s for s in pool if s.brand == style.brand]
            partners = rng.sample(same_brand, min(1, len(same_brand))) + rng.sample(pool, min(2, len(pool)))
            for partner in partners:
                key = (min(style.id, partner.id), max(style.id, partner.id))
                pairs[key] = pairs.get(key, 0) + rng.randint(2, 60)
    return tuple((a, b, n) for (a, b), n in sorted(pairs.items()))


def catalog_to_json(catalog: Catalog) -> str:
    """The file form: one style, stock level or pair per line so that diffs stay readable."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def block(rows: list[str]) -> str:
        return "[\n" + ",\n".join(rows) + "\n]"

    # Names and descriptions in other languages only where a style has them.
    styles = [
        dump(s.model_dump(mode="json", exclude={k for k in ("names", "descriptions") if not getattr(s, k)}))
        for s in catalog.styles
    ]
    stock = [dump(s.model_dump(mode="json")) for s in catalog.stock]
    pairs = [dump(list(p)) for p in catalog.co_purchases]
    return f'{{"styles":{block(styles)},\n"stock":{block(stock)},\n"co_purchases":{block(pairs)}}}\n'


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(catalog_to_json(catalog), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge.catalog.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the catalog JSON")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    catalog = build_demo_catalog(args.seed)
    write_catalog(catalog, args.out)
    skus = sum(len(s.skus) for s in catalog.styles)
    print(f"wrote {args.out}: {len(catalog.styles)} styles, {skus} SKUs, {len(catalog.co_purchases)} pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
