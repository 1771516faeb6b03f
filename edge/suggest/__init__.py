"""Suggestions for the mirror: other sizes and colours with availability, and complete-the-look."""

from edge.suggest.engine import (
    Availability,
    Reason,
    Suggester,
    Suggestion,
    Variant,
    availability_of,
    variants_of,
)
from edge.suggest.profile import ShopperProfile

__all__ = [
    "Availability",
    "Reason",
    "ShopperProfile",
    "Suggester",
    "Suggestion",
    "Variant",
    "availability_of",
    "variants_of",
]
