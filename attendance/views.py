"""Public attendance views: self check-in with the code on the room's screen."""

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from bookings.forms import LookupForm
from bookings.services import find_registration
from core.ratelimit import retry_after, too_many_attempts

from .models import Attendance
from .selfcheckin import (
    SelfCheckInRefused,
    make_ticket,
    read_ticket,
    remember_registration,
    remembered_registration,
    session_for_code,
)
from .services import CheckInRefused, check_in

TEMPLATE = "attendance/self_check_in.html"
REFUSED_STATUS = {SelfCheckInRefused.INVALID: 404, SelfCheckInRefused.EXPIRED: 410}


def render(request, context: dict, *, status: int = 200, headers=None) -> TemplateResponse:
    response = TemplateResponse(request, TEMPLATE, context, status=status, headers=headers)
    response["X-Robots-Tag"] = "noindex"
    return response


def refused_page(request, refused: SelfCheckInRefused) -> TemplateResponse:
    return render(
        request, {"refused": refused.message}, status=REFUSED_STATUS.get(refused.code, 409)
    )


@never_cache
def self_check_in(request, code: str):
    """自助签到. A GET opens the screen's code: the trainee the cookie names confirms with one
    button, anyone else gives their registration code and mobile number. The POST carries the
    ticket the GET gave (selfcheckin.make_ticket), so the check-in keeps the time of the scan."""
    if request.method == "POST":
        return confirm(request)
    now = timezone.now()
    try:
        session = session_for_code(code, at=now)
    except SelfCheckInRefused as refused:
        return refused_page(request, refused)
    return identify(
        request,
        session=session,
        ticket=make_ticket(session, scanned_at=now),
        registration=remembered_registration(request, session),
        form=LookupForm(),
    )


def identify(request, *, session, ticket, registration, form, status=200, wait=0):
    context = {"session": session, "ticket": ticket, "registration": registration, "form": form}
    return render(request, context, status=status, headers=retry_after(wait))


def typed_registration(request) -> tuple:
    """The registration the typed mobile number and code name, rate-limited as the look-up:
    (registration or None, the form with its errors, the status to answer, the wait)."""
    form = LookupForm(request.POST)
    if wait := too_many_attempts(
        request, group="self_check_in", phone=request.POST.get("phone", "")
    ):
        form.add_error(
            None, _("Too many attempts from this network or number. Please wait a few minutes.")
        )
        return None, form, 429, wait
    if not form.is_valid():
        return None, form, 400, 0
    registration = find_registration(
        phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
    )
    if registration is None:
        form.add_error(None, _("No registration matches this mobile number and code."))
        return None, form, 404, 0
    return registration, form, 200, 0


def confirm(request):
    ticket = request.POST.get("ticket", "")
    try:
        session, scanned_at = read_ticket(ticket)
    except SelfCheckInRefused as refused:
        return refused_page(request, refused)
    typed = "phone" in request.POST or "code" in request.POST
    form, status, wait = LookupForm(), 200, 0
    if typed:
        registration, form, status, wait = typed_registration(request)
    else:
        # The cookie may have gone since the page was opened: then the form.
        registration = remembered_registration(request, session)
    if registration is None:
        return identify(
            request,
            session=session,
            ticket=ticket,
            registration=None,
            form=form,
            status=status,
            wait=wait,
        )
    try:
        result = check_in(
            session,
            registration.code,
            by=None,
            scanned_at=scanned_at,
            source=Attendance.Source.SELF,
        )
    except CheckInRefused as refused:
        context = {"session": session, "registration": registration, "refused": refused.message}
        return render(request, context, status=409)
    response = render(request, {"session": session, "registration": registration, "result": result})
    if typed:
        remember_registration(request, registration, response)
    return response
