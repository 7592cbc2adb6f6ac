"""Security policies on every response: Content-Security-Policy (django-csp) and
Permissions-Policy, a strict one for the public site and a looser one for Wagtail's admin.

The public site runs no inline script or style, so its policy allows only its own files.
Wagtail's admin writes inline scripts and styles (panels, date pickers), frames its own page
previews and shows uploads as blob: images; it gets CONTENT_SECURITY_POLICY_ADMIN instead, and
may use the camera (the check-in scanner) where the public site may not.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.urls import reverse


def in_admin(request) -> bool:
    """Whether the request is under Wagtail's admin; worked out once per request (both
    middlewares below ask, and `reverse` is not free on every page of the site)."""
    answer = getattr(request, "_in_admin", None)
    if answer is None:
        answer = request._in_admin = request.path_info.startswith(reverse("wagtailadmin_home"))
    return answer


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own policy under Wagtail's admin URLs. A view's
    `csp_update`/`csp_replace` still applies on top of either."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and in_admin(request):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": ["self"], "usb": []}` as the header says it: `camera=(self), usb=()`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in features.items())


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY, or PERMISSIONS_POLICY_ADMIN under the admin."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.public = permissions_policy(settings.PERMISSIONS_POLICY)
        self.admin = permissions_policy(settings.PERMISSIONS_POLICY_ADMIN)

    def __call__(self, request):
        response = self.get_response(request)
        policy = self.admin if in_admin(request) else self.public
        response.headers.setdefault("Permissions-Policy", policy)
        return response
