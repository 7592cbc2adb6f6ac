from django import template

from ..formats import yuan as format_yuan

register = template.Library()


@register.filter
def yuan(amount, places: int = 2) -> str:
    """`{{ page.budget|yuan:0 }}` → 2,000,000."""
    return "" if amount is None else format_yuan(amount, int(places))
