"""Amounts as Chinese finance writes them: 1,234,567.00 (Django's zh-hans number format groups
no digits)."""

from decimal import Decimal


def yuan(amount: Decimal, places: int = 2) -> str:
    return f"{amount:,.{places}f}"
