"""Word lists and ranges the demo catalog is built from: brands, garments, colours, size runs, prices.

Plain data, kept apart from the generator so each reads in one sitting. The brands are invented; their
7-digit GS1 company prefixes are shaped like real ones (a country range plus a company number).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.catalog.model import Category

__all__ = [
    "BRANDS",
    "CATEGORY_CODES",
    "COLOURS",
    "COLOUR_NAMES",
    "FITS",
    "GARMENTS",
    "MATERIALS",
    "PRICE_RANGES",
    "SIZE_RUNS",
    "STYLE_COUNTS",
    "Brand",
    "Garment",
]


@dataclass(frozen=True, slots=True)
class Brand:
    code: str
    name: str
    company_prefix: str  # 7 digits: the simulator encodes EPCs with a 7-digit prefix (SGTIN partition 5)
    categories: tuple[Category, ...]
    price_factor: float


BRANDS: tuple[Brand, ...] = (
    Brand(
        "MFN",
        "Marlowe & Finch",
        "5061234",
        (Category.TOPS, Category.TROUSERS, Category.OUTERWEAR, Category.SHOES, Category.ACCESSORIES),
        1.35,
    ),
    Brand(
        "SOL",
        "Solenne",
        "3760123",
        (Category.DRESSES, Category.TOPS, Category.BAGS, Category.ACCESSORIES),
        1.2,
    ),
    Brand("NRV", "Norrvik", "7350123", (Category.TOPS, Category.OUTERWEAR, Category.ACCESSORIES), 1.1),
    Brand(
        "CBS",
        "Costa Brava Studio",
        "8437012",
        (Category.DRESSES, Category.TOPS, Category.SHOES, Category.BAGS),
        0.85,
    ),
    Brand("KST", "Kestrel Denim", "4260123", (Category.TROUSERS, Category.TOPS, Category.OUTERWEAR), 0.95),
    Brand("AVR", "Atelier Vera", "8051234", (Category.SHOES, Category.BAGS, Category.ACCESSORIES), 1.5),
)

CATEGORY_CODES: dict[Category, str] = {
    Category.TOPS: "TP",
    Category.DRESSES: "DR",
    Category.TROUSERS: "TR",
    Category.OUTERWEAR: "OW",
    Category.SHOES: "SH",
    Category.BAGS: "BG",
    Category.ACCESSORIES: "AC",
}

STYLE_COUNTS: dict[Category, int] = {
    Category.TOPS: 80,
    Category.DRESSES: 50,
    Category.TROUSERS: 48,
    Category.OUTERWEAR: 40,
    Category.SHOES: 40,
    Category.BAGS: 26,
    Category.ACCESSORIES: 26,
}

_LETTERS = ("XS", "S", "M", "L", "XL", "XXL")
SIZE_RUNS: dict[Category, tuple[str, ...]] = {
    Category.TOPS: _LETTERS,
    Category.OUTERWEAR: _LETTERS,
    Category.DRESSES: ("34", "36", "38", "40", "42", "44", "46"),
    Category.TROUSERS: tuple(f"W{w} L{length}" for w in (28, 30, 32, 34, 36) for length in (30, 32, 34)),
    Category.SHOES: tuple(str(s) for s in range(36, 47)),
    Category.BAGS: ("One size",),
    Category.ACCESSORIES: ("One size",),
}

# Price range in whole euros per category, before the brand's factor.
PRICE_RANGES: dict[Category, tuple[int, int]] = {
    Category.TOPS: (19, 59),
    Category.DRESSES: (35, 119),
    Category.TROUSERS: (35, 99),
    Category.OUTERWEAR: (79, 219),
    Category.SHOES: (49, 149),
    Category.BAGS: (39, 169),
    Category.ACCESSORIES: (15, 59),
}

COLOURS: dict[str, str] = {
    "Black": "#141414",
    "White": "#F7F7F2",
    "Navy": "#1F2A44",
    "Ecru": "#EDE6D6",
    "Camel": "#C19A6B",
    "Olive": "#556B2F",
    "Burgundy": "#7A1F2B",
    "Sky blue": "#8EC5E8",
    "Stone": "#B8AFA0",
    "Charcoal": "#36454F",
    "Forest green": "#2E5E3A",
    "Rust": "#B7410E",
    "Dusty pink": "#D8A1A4",
    "Mid blue": "#4A6FA5",
    "Light wash": "#9DB4D3",
    "Dark indigo": "#26355D",
    "Sand": "#C9B68E",
    "Red": "#C0272D",
    "Cognac": "#9A463D",
    "Tan": "#D2B48C",
    "Silver": "#C4C4C8",
    "Gold": "#C9A43A",
    "Grey marl": "#9E9E9E",
    "Lilac": "#C8A2C8",
    "Mustard": "#D9A404",
    "Khaki": "#8A8055",
    "Chocolate": "#5C3A21",
    "Terracotta": "#C8643B",
    "Sage": "#9CAF88",
    "Cobalt": "#0047AB",
}

# The colours' names in the mirror's other languages (the catalog's ``Sku.colours``).
COLOUR_NAMES: dict[str, dict[str, str]] = {
    "Black": {"es": "Negro", "fr": "Noir", "de": "Schwarz", "pt": "Preto", "ar": "أسود"},
    "White": {"es": "Blanco", "fr": "Blanc", "de": "Weiß", "pt": "Branco", "ar": "أبيض"},
    "Navy": {
        "es": "Azul marino",
        "fr": "Bleu marine",
        "de": "Marineblau",
        "pt": "Azul-marinho",
        "ar": "كحلي",
    },
    "Ecru": {"es": "Crudo", "fr": "Écru", "de": "Ecru", "pt": "Cru", "ar": "عاجي"},
    "Camel": {"es": "Camel", "fr": "Camel", "de": "Camel", "pt": "Camelo", "ar": "جملي"},
    "Olive": {"es": "Oliva", "fr": "Olive", "de": "Oliv", "pt": "Azeitona", "ar": "زيتوني"},
    "Burgundy": {"es": "Burdeos", "fr": "Bordeaux", "de": "Bordeaux", "pt": "Bordô", "ar": "عنابي"},
    "Sky blue": {
        "es": "Azul cielo",
        "fr": "Bleu ciel",
        "de": "Himmelblau",
        "pt": "Azul-céu",
        "ar": "أزرق سماوي",
    },
    "Stone": {"es": "Piedra", "fr": "Pierre", "de": "Stein", "pt": "Pedra", "ar": "حجري"},
    "Charcoal": {"es": "Gris marengo", "fr": "Anthracite", "de": "Anthrazit", "pt": "Carvão", "ar": "فحمي"},
    "Forest green": {
        "es": "Verde bosque",
        "fr": "Vert forêt",
        "de": "Waldgrün",
        "pt": "Verde-floresta",
        "ar": "أخضر غامق",
    },
    "Rust": {"es": "Óxido", "fr": "Rouille", "de": "Rost", "pt": "Ferrugem", "ar": "صدئي"},
    "Dusty pink": {
        "es": "Rosa empolvado",
        "fr": "Vieux rose",
        "de": "Altrosa",
        "pt": "Rosa-velho",
        "ar": "وردي باهت",
    },
    "Mid blue": {
        "es": "Azul medio",
        "fr": "Bleu moyen",
        "de": "Mittelblau",
        "pt": "Azul médio",
        "ar": "أزرق متوسط",
    },
    "Light wash": {
        "es": "Lavado claro",
        "fr": "Délavé clair",
        "de": "Hell gewaschen",
        "pt": "Lavagem clara",
        "ar": "غسيل فاتح",
    },
    "Dark indigo": {
        "es": "Índigo oscuro",
        "fr": "Indigo foncé",
        "de": "Dunkles Indigo",
        "pt": "Índigo escuro",
        "ar": "نيلي داكن",
    },
    "Sand": {"es": "Arena", "fr": "Sable", "de": "Sand", "pt": "Areia", "ar": "رملي"},
    "Red": {"es": "Rojo", "fr": "Rouge", "de": "Rot", "pt": "Vermelho", "ar": "أحمر"},
    "Cognac": {"es": "Coñac", "fr": "Cognac", "de": "Cognac", "pt": "Conhaque", "ar": "كونياك"},
    "Tan": {"es": "Tostado", "fr": "Fauve", "de": "Hellbraun", "pt": "Castanho-claro", "ar": "بني فاتح"},
    "Silver": {"es": "Plateado", "fr": "Argent", "de": "Silber", "pt": "Prateado", "ar": "فضي"},
    "Gold": {"es": "Dorado", "fr": "Doré", "de": "Gold", "pt": "Dourado", "ar": "ذهبي"},
    "Grey marl": {
        "es": "Gris jaspeado",
        "fr": "Gris chiné",
        "de": "Grau meliert",
        "pt": "Cinzento mesclado",
        "ar": "رمادي مبرقش",
    },
    "Lilac": {"es": "Lila", "fr": "Lilas", "de": "Flieder", "pt": "Lilás", "ar": "ليلكي"},
    "Mustard": {"es": "Mostaza", "fr": "Moutarde", "de": "Senf", "pt": "Mostarda", "ar": "خردلي"},
    "Khaki": {"es": "Caqui", "fr": "Kaki", "de": "Khaki", "pt": "Caqui", "ar": "كاكي"},
    "Chocolate": {
        "es": "Chocolate",
        "fr": "Chocolat",
        "de": "Schokobraun",
        "pt": "Chocolate",
        "ar": "شوكولاتي",
    },
    "Terracotta": {
        "es": "Terracota",
        "fr": "Terracotta",
        "de": "Terrakotta",
        "pt": "Terracota",
        "ar": "تيراكوتا",
    },
    "Sage": {"es": "Salvia", "fr": "Sauge", "de": "Salbei", "pt": "Salva", "ar": "أخضر مريمي"},
    "Cobalt": {"es": "Cobalto", "fr": "Cobalt", "de": "Kobaltblau", "pt": "Cobalto", "ar": "كوبالتي"},
}

_NEUTRALS = ("Black", "White", "Navy", "Ecru", "Stone", "Charcoal", "Grey marl")
_BRIGHTS = ("Red", "Sky blue", "Dusty pink", "Lilac", "Mustard", "Terracotta", "Sage", "Cobalt", "Rust")
_LEATHER = ("Black", "Cognac", "Tan", "Chocolate", "Burgundy", "Stone")


@dataclass(frozen=True, slots=True)
class Garment:
    """A kind of item: its name, the SVG shape that draws it, and the colours it comes in."""

    name: str
    shape: str
    colours: tuple[str, ...]


GARMENTS: dict[Category, tuple[Garment, ...]] = {
    Category.TOPS: (
        Garment("Oxford Shirt", "shirt", ("White", "Sky blue", "Navy", "Ecru")),
        Garment("Linen Shirt", "shirt", ("White", "Sand", "Sage", "Sky blue", "Terracotta")),
        Garment("Crew-neck T-shirt", "tee", (*_NEUTRALS, "Olive", "Rust")),
        Garment("Breton Striped Top", "tee", ("Navy", "Ecru", "Red")),
        Garment("Merino Crew Jumper", "knit", ("Charcoal", "Navy", "Camel", "Forest green", "Burgundy")),
        Garment("Cable-knit Jumper", "knit", ("Ecru", "Grey marl", "Navy", "Olive")),
        Garment("Silk Blouse", "blouse", ("Ecru", "Black", "Dusty pink", "Lilac", "Cobalt")),
        Garment("Poplin Blouse", "blouse", ("White", "Sky blue", "Black", "Mustard")),
        Garment("Ribbed Tank Top", "tank", ("Black", "White", "Stone", "Sage")),
        Garment("Piqué Polo Shirt", "tee", ("Navy", "White", "Forest green", "Burgundy")),
        Garment("Cashmere V-neck", "knit", ("Camel", "Charcoal", "Dusty pink", "Navy")),
        Garment("Hooded Sweatshirt", "knit", ("Grey marl", "Black", "Navy", "Sage")),
        Garment("Roll-neck Sweater", "knit", ("Black", "Ecru", "Chocolate", "Camel")),
        Garment("Camisole", "tank", ("Black", "Ecru", "Dusty pink", "Lilac")),
    ),
    Category.DRESSES: (
        Garment("Linen Wrap Dress", "dress", ("Sand", "Terracotta", "Sage", "Black")),
        Garment("Satin Slip Dress", "slip", ("Black", "Burgundy", "Ecru", "Forest green")),
        Garment("Shirt Dress", "dress", ("White", "Sky blue", "Khaki", "Navy")),
        Garment("Knitted Midi Dress", "dress", ("Camel", "Grey marl", "Black")),
        Garment("Floral Tea Dress", "dress", ("Dusty pink", "Cobalt", "Mustard")),
        Garment("Tiered Maxi Dress", "maxi", ("White", "Terracotta", "Lilac", "Black")),
        Garment("Jersey T-shirt Dress", "dress", ("Black", "Navy", "Grey marl")),
        Garment("Pleated Midi Dress", "maxi", ("Red", "Navy", "Sage", "Black")),
        Garment("Little Black Dress", "slip", ("Black",)),
        Garment("Broderie Sundress", "slip", ("White", "Sky blue", "Mustard")),
    ),
    Category.TROUSERS: (
        Garment("Straight-leg Jeans", "jeans", ("Mid blue", "Light wash", "Dark indigo", "Black")),
        Garment("Slim Jeans", "jeans", ("Dark indigo", "Black", "Mid blue")),
        Garment("Wide-leg Jeans", "wide", ("Light wash", "Mid blue", "Ecru")),
        Garment("Chinos", "trousers", ("Stone", "Navy", "Khaki", "Olive")),
        Garment("Pleated Wool Trousers", "trousers", ("Charcoal", "Navy", "Camel")),
        Garment("Linen Drawstring Trousers", "wide", ("Sand", "White", "Olive", "Black")),
        Garment("Cargo Trousers", "trousers", ("Khaki", "Olive", "Black", "Stone")),
        Garment("Corduroy Trousers", "trousers", ("Chocolate", "Rust", "Forest green", "Camel")),
        Garment("Tailored Trousers", "trousers", ("Black", "Navy", "Charcoal")),
    ),
    Category.OUTERWEAR: (
        Garment("Trench Coat", "coat", ("Camel", "Stone", "Black", "Navy")),
        Garment("Wool Overcoat", "coat", ("Camel", "Charcoal", "Navy", "Black")),
        Garment("Quilted Jacket", "jacket", ("Navy", "Olive", "Black")),
        Garment("Denim Jacket", "jacket", ("Mid blue", "Light wash", "Black")),
        Garment("Leather Biker Jacket", "jacket", ("Black", "Chocolate", "Cognac")),
        Garment("Puffer Jacket", "puffer", ("Black", "Navy", "Forest green", "Ecru")),
        Garment("Unstructured Blazer", "jacket", ("Navy", "Charcoal", "Stone", "Black")),
        Garment("Waxed Field Jacket", "jacket", ("Olive", "Navy", "Chocolate")),
        Garment("Rain Parka", "coat", ("Mustard", "Navy", "Black", "Olive")),
    ),
    Category.SHOES: (
        Garment("Leather Trainers", "trainer", ("White", "Black", "Stone")),
        Garment("Canvas Sneakers", "trainer", ("White", "Navy", "Red", "Black")),
        Garment("Chelsea Boots", "boot", ("Black", "Cognac", "Chocolate")),
        Garment("Suede Loafers", "loafer", ("Tan", "Chocolate", "Navy", "Burgundy")),
        Garment("Strappy Sandals", "sandal", ("Tan", "Black", "Gold")),
        Garment("Block-heel Pumps", "pump", ("Black", "Red", "Stone", "Burgundy")),
        Garment("Derby Shoes", "loafer", ("Black", "Cognac")),
        Garment("Ankle Boots", "boot", ("Black", "Tan", "Burgundy")),
        Garment("Espadrilles", "loafer", ("Navy", "Ecru", "Red", "Black")),
    ),
    Category.BAGS: (
        Garment("Leather Tote", "tote", _LEATHER),
        Garment("Crossbody Bag", "crossbody", ("Black", "Cognac", "Burgundy", "Sage")),
        Garment("Canvas Shopper", "tote", ("Ecru", "Navy", "Olive")),
        Garment("Mini Shoulder Bag", "crossbody", ("Black", "Dusty pink", "Silver", "Cognac")),
        Garment("Weekender Holdall", "holdall", ("Tan", "Navy", "Black")),
        Garment("Leather Backpack", "backpack", ("Black", "Cognac", "Chocolate")),
        Garment("Woven Straw Bag", "tote", ("Sand", "Tan")),
    ),
    Category.ACCESSORIES: (
        Garment("Leather Belt", "belt", ("Black", "Cognac", "Tan", "Chocolate")),
        Garment("Silk Scarf", "scarf", ("Cobalt", "Burgundy", "Mustard", "Dusty pink")),
        Garment("Wool Scarf", "scarf", ("Camel", "Grey marl", "Navy", "Red")),
        Garment("Ribbed Beanie", "hat", ("Black", "Grey marl", "Mustard", "Forest green")),
        Garment("Straw Sun Hat", "hat", ("Sand", "Tan", "Black")),
        Garment("Cap", "hat", ("Navy", "Black", "Stone", "Olive")),
        Garment("Leather Card Holder", "wallet", _LEATHER),
        Garment("Leather Gloves", "gloves", ("Black", "Chocolate", "Cognac")),
        Garment("Sunglasses", "sunglasses", ("Black", "Tan", "Gold", "Silver")),
    ),
}

MATERIALS: dict[Category, tuple[str, ...]] = {
    Category.TOPS: ("organic cotton", "linen", "merino wool", "cotton jersey", "silk", "cotton poplin"),
    Category.DRESSES: ("linen", "viscose", "cotton poplin", "satin", "jersey", "crepe"),
    Category.TROUSERS: ("rigid denim", "stretch denim", "cotton twill", "wool blend", "linen", "corduroy"),
    Category.OUTERWEAR: ("cotton gabardine", "wool blend", "recycled nylon", "waxed cotton", "leather"),
    Category.SHOES: ("full-grain leather", "suede", "canvas", "nubuck"),
    Category.BAGS: ("vegetable-tanned leather", "cotton canvas", "pebbled leather", "woven straw"),
    Category.ACCESSORIES: ("leather", "silk twill", "lambswool", "acetate", "cotton"),
}

FITS = ("Relaxed", "Slim", "Classic", "Oversized", "Tailored", "Essential", "Heritage", "Soft")
