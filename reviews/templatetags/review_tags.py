"""Template helpers for reviews."""

from django import template

from reviews.models import RATING_MAX

register = template.Library()


@register.filter
def stars(value: object) -> str:
    """A rating as five stars, filled for each whole star (rounded): 4 -> "★★★★☆"."""
    try:
        filled = int(float(str(value)) + 0.5)
    except (TypeError, ValueError):
        filled = 0
    filled = max(0, min(RATING_MAX, filled))
    return "★" * filled + "☆" * (RATING_MAX - filled)
