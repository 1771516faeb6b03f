"""Item pictures drawn by the edge: an SVG garment shape per kind of item, in the SKU's colour.

``GET /media/{style_id}/{rrggbb}.svg`` draws the style in that colour; ``GET /media/{style_id}.svg`` in
its first colour. Nothing is fetched from outside the store. The shape comes from the style's name (a
"Trench Coat" is drawn as a coat) and falls back to its category.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response

from edge.catalog.demo_data import GARMENTS
from edge.catalog.model import Category, Style
from edge.errors import NotFound
from edge.web.context import rooms_context

__all__ = ["render_svg", "router", "shape_of"]

router = APIRouter(tags=["media"])

# Outlines on a 200 x 240 canvas (filled in the item's colour).
_SHAPES: dict[str, str] = {
    "tee": "M62 38 L84 30 Q100 44 116 30 L138 38 L176 70 L158 96 L140 84 L140 212 L60 212 L60 84 L42 96 "
    "L24 70 Z",
    "shirt": "M64 36 L86 28 L100 44 L114 28 L136 36 L172 64 L182 150 L160 154 L152 92 L148 214 L52 214 L48 "
    "92 L40 154 L18 150 L28 64 Z",
    "knit": "M60 40 L84 32 Q100 46 116 32 L140 40 L174 74 L186 176 L164 180 L150 98 L146 214 L54 214 L50 "
    "98 L36 180 L14 176 L26 74 Z",
    "blouse": "M66 38 L88 30 Q100 52 112 30 L134 38 L170 76 L176 140 L158 142 L146 96 L152 208 Q100 220 48 "
    "208 L54 96 L42 142 L24 140 L30 76 Z",
    "tank": "M74 30 L84 30 Q100 64 116 30 L126 30 L132 78 L144 96 L144 212 L56 212 L56 96 L68 78 Z",
    "dress": "M70 30 L86 26 Q100 40 114 26 L130 30 L150 60 L136 72 L130 66 L132 110 L168 222 L32 222 L68 "
    "110 L70 66 L64 72 L50 60 Z",
    "slip": "M78 26 L84 26 L92 62 L108 62 L116 26 L122 26 L126 72 L122 110 L156 222 L44 222 L78 110 L74 72 Z",
    "maxi": "M72 28 L88 24 Q100 36 112 24 L128 28 L136 70 L132 104 L174 232 L26 232 L68 104 L64 70 Z",
    "trousers": "M58 20 L142 20 L150 228 L110 228 L100 86 L90 228 L50 228 Z",
    "jeans": "M60 20 L140 20 L146 228 L110 228 L100 84 L90 228 L54 228 Z",
    "wide": "M60 20 L140 20 L170 228 L112 228 L100 90 L88 228 L30 228 Z",
    "coat": "M62 24 L86 18 L100 40 L114 18 L138 24 L170 60 L184 204 L160 206 L150 100 L152 230 L48 230 "
    "L50 100 L40 206 L16 204 L30 60 Z",
    "jacket": "M62 32 L86 24 L100 46 L114 24 L138 32 L172 66 L184 178 L160 180 L150 100 L150 196 L50 196 "
    "L50 100 L40 180 L16 178 L28 66 Z",
    "puffer": "M58 30 Q100 14 142 30 L176 68 L186 182 L160 184 L150 104 L152 200 Q100 212 48 200 L50 104 "
    "L40 184 L14 182 L24 68 Z",
    "trainer": "M24 150 Q30 108 72 102 L112 96 Q132 118 164 128 Q186 134 184 160 L184 176 L20 176 Z",
    "boot": "M56 40 L112 40 L116 128 Q150 130 170 150 Q182 164 178 184 L40 184 L48 120 Z",
    "loafer": "M22 160 Q26 124 70 118 L120 114 Q160 120 178 146 L180 170 L20 170 Z",
    "sandal": "M24 168 Q60 150 112 152 Q160 150 180 164 L180 176 L24 176 Z",
    "pump": "M24 170 Q40 132 96 128 Q140 126 168 142 L176 150 L176 200 L166 200 L164 164 Q100 150 24 170 Z",
    "tote": "M40 90 L160 90 L172 216 L28 216 Z",
    "crossbody": "M50 110 L150 110 L156 196 L44 196 Z",
    "holdall": "M22 108 Q22 86 48 86 L152 86 Q178 86 178 108 L178 190 L22 190 Z",
    "backpack": "M52 60 Q52 30 100 30 Q148 30 148 60 L152 214 L48 214 Z",
    "belt": "M14 104 L150 104 L150 136 L14 136 Z M150 96 L186 96 L186 144 L150 144 Z",
    "scarf": "M58 40 Q100 62 142 40 L140 80 Q100 100 60 80 Z M64 84 L96 94 L92 214 L60 210 Z M104 94 L136 "
    "84 L140 210 L108 216 Z",
    "hat": "M60 132 Q60 62 100 62 Q140 62 140 132 Z M30 132 L170 132 L170 148 L30 148 Z",
    "wallet": "M36 80 L164 80 L164 172 L36 172 Z",
    "gloves": "M60 220 L60 120 L46 92 L58 86 L72 110 L72 56 L84 56 L86 100 L90 46 L102 46 L102 100 L108 52 "
    "L120 52 L118 104 L126 64 L138 66 L132 150 L128 220 Z",
    "sunglasses": "M20 100 L180 100 L174 116 Q170 150 132 150 Q108 150 106 118 L94 118 Q92 150 68 150 "
    "Q30 150 26 116 Z",
}

# Lines over the outline, stroke only: seams, plackets, straps, handles, buckles.
_DETAILS: dict[str, str] = {
    "shirt": "M100 44 L100 214",
    "jeans": "M60 34 L140 34 M100 34 L100 84 M72 40 Q78 60 92 62",
    "trousers": "M100 20 L100 86",
    "coat": "M100 40 L100 230 M50 150 L150 150",
    "jacket": "M100 46 L100 196",
    "puffer": "M50 92 L150 92 M50 124 L150 124 M50 156 L150 156 M100 26 L100 206",
    "loafer": "M80 122 L118 120",
    "trainer": "M24 160 L184 160 M86 104 L98 130 M104 100 L114 124",
    "sandal": "M70 152 L96 118 L120 152 M134 150 L140 124",
    "tote": "M70 90 Q70 34 100 34 Q130 34 130 90",
    "crossbody": "M50 110 Q100 10 150 110 M44 140 L156 140",
    "holdall": "M70 86 Q70 52 100 52 Q130 52 130 86 M22 120 L178 120",
    "backpack": "M70 140 L130 140 L130 196 L70 196 Z M72 60 L72 110 M128 60 L128 110",
    "belt": "M160 108 L176 108 L176 132 L160 132 Z",
    "wallet": "M36 104 L164 104",
    "scarf": "M66 212 L66 226 M74 214 L74 228 M82 216 L82 230 M118 216 L118 230 M126 214 L126 228 M134 212 "
    "L134 226",
}

_CATEGORY_SHAPES = {
    Category.TOPS: "tee",
    Category.DRESSES: "dress",
    Category.TROUSERS: "trousers",
    Category.OUTERWEAR: "jacket",
    Category.SHOES: "trainer",
    Category.BAGS: "tote",
    Category.ACCESSORIES: "scarf",
}
_BY_NAME = sorted(
    ((g.name, g.shape) for garments in GARMENTS.values() for g in garments), key=lambda kv: -len(kv[0])
)
_HEX = re.compile(r"^[0-9a-fA-F]{6}$")


def shape_of(style: Style) -> str:
    """The outline to draw: from the garment named in the style's name, else the category's."""
    for name, shape in _BY_NAME:
        if style.name.endswith(name):
            return shape
    return _CATEGORY_SHAPES.get(style.category, "tee")


def _shade(hex6: str, factor: float) -> str:
    r, g, b = (int(hex6[i : i + 2], 16) for i in (0, 2, 4))
    if factor < 1:
        r, g, b = (int(c * factor) for c in (r, g, b))
    else:
        r, g, b = (int(c + (255 - c) * (factor - 1)) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


@lru_cache(maxsize=2048)
def render_svg(shape: str, hex6: str) -> str:
    """The SVG document: the outline filled with the colour, a darker edge, on a soft backdrop."""
    path = _SHAPES.get(shape, _SHAPES["tee"])
    detail = _DETAILS.get(shape, "M0 0")
    fill = f"#{hex6.lower()}"
    luminance = sum(int(hex6[i : i + 2], 16) * w for i, w in ((0, 0.299), (2, 0.587), (4, 0.114)))
    edge = _shade(hex6, 0.55) if luminance > 60 else _shade(hex6, 1.6)
    backdrop = "#eeebe6" if luminance > 200 else "#f6f4f0"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 240" width="400" height="480" '
        'role="img">'
        f'<rect width="200" height="240" fill="{backdrop}"/>'
        '<ellipse cx="100" cy="232" rx="70" ry="5" fill="#000" opacity="0.07"/>'
        f'<path d="{path}" fill="{fill}" stroke="{edge}" stroke-width="2.5" stroke-linejoin="round"/>'
        f'<path d="{detail}" fill="none" stroke="{edge}" stroke-width="2.5" stroke-linecap="round" '
        'stroke-linejoin="round"/>'
        "</svg>"
    )


def _svg_response(style: Style, hex6: str) -> Response:
    return Response(
        render_svg(shape_of(style), hex6),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


SVG: dict[int | str, dict[str, Any]] = {
    200: {"description": "The picture (SVG)", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
    404: {"description": "No such style, or not a six-hex-digit colour"},
}


@router.get("/media/{style_id}/{colour}.svg", response_class=Response, responses=SVG)
def style_image_in_colour(style_id: str, colour: str, request: Request) -> Response:
    """The style drawn in a colour given as six hex digits (``1f2a44``). 404 for an unknown style."""
    style = rooms_context(request).catalog.current().by_style.get(style_id)
    if style is None:
        raise NotFound(f"no style {style_id!r}")
    if not _HEX.fullmatch(colour):
        raise NotFound("colour must be six hex digits")
    return _svg_response(style, colour)


@router.get("/media/{style_id}.svg", response_class=Response, responses=SVG)
def style_image(style_id: str, request: Request) -> Response:
    """The style drawn in its first colour."""
    style = rooms_context(request).catalog.current().by_style.get(style_id)
    if style is None:
        raise NotFound(f"no style {style_id!r}")
    return _svg_response(style, style.skus[0].colour_hex.lstrip("#"))
