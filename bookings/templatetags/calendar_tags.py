"""Links to calendar feeds: download, subscribe (webcal://) and a QR code for phones."""

import functools
import re

import qrcode
import qrcode.image.svg
from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

SVG_SIZE = re.compile(r'^<svg width="[^"]*" height="[^"]*"')


def qr_svg(data: str, label: str) -> str:
    """The QR code as inline SVG, drawn here: no external service sees the URL."""
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=10
    ).to_string(encoding="unicode")
    return SVG_SIZE.sub(
        f'<svg class="qr" role="img" aria-label="{escape(label)}" focusable="false"', image, count=1
    )


# Public feeds' codes are drawn once per process; a private link's is never kept.
public_qr_svg = functools.lru_cache(maxsize=512)(qr_svg)


@register.inclusion_tag("bookings/includes/calendar_links.html", takes_context=True)
def calendar_links(context, url_name: str, *args, private: bool = False) -> dict:
    """Download and subscribe links for the feed `url_name` with `args`, and its QR code."""
    path = reverse(url_name, args=args)
    request = context.get("request")
    absolute = request.build_absolute_uri(path) if request else path
    webcal = "webcal://" + absolute.split("://", 1)[-1]
    return {
        "download_url": path,
        "webcal_url": webcal,
        "qr": mark_safe(
            (qr_svg if private else public_qr_svg)(webcal, _("QR code to subscribe on a phone"))
        ),
        "private": private,
    }
