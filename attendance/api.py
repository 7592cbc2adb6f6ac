"""JSON API for a check-in scanner: record a scanned or typed code, read a session's roster.

Staff only: a device holds a token (`manage.py drf_create_token <user>`), the admin's own
scanner page the logged-in session; either way the user needs `attendance.take_attendance`.
Errors are `{detail, code}` in the client's language, as the rest of the API
(`core.api.api_exception_handler`); a refusal a scanner shows apart keeps the service's code.
"""

from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bookings.models import Registration, Session
from core.api import (
    BAD_REQUEST,
    AcceptLanguageMixin,
    Busy,
    CachedPermissionsSessionAuthentication,
    CachedPermissionsTokenAuthentication,
    ErrorSerializer,
    JSONAnswers,
    LengthRequired,
    PayloadTooLarge,
    api_exception_handler,
    check_body_size,
)

from .models import TAKE_ATTENDANCE, Attendance
from .qr import MAX_LENGTH, ScannedCode
from .selectors import roster, roster_counts, session_for_check_in
from .services import CheckInRefused, CheckInResult, check_in

# The refusals a scanner shows apart (409), and the one that looks like an unknown code (404).
CONFLICTS = ("not_in_cohort", "not_confirmed", "session_cancelled", "outside_window")
SESSION_NOT_FOUND = _("No such session.")


class CanTakeAttendance(permissions.BasePermission):
    """A signed-in, active user holding `attendance.take_attendance`."""

    message = _("You may not take attendance.")

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_active and user.has_perm(TAKE_ATTENDANCE)
        )


class CheckInConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The check-in could not be recorded.")
    default_code = "check_in_refused"


class CheckInRequestSerializer(serializers.Serializer):
    session = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("The session's id.")
    )
    code = serializers.CharField(
        max_length=MAX_LENGTH,
        help_text=_("The text of the scanned QR code, or the registration code as typed."),
    )
    scanned_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_(
            "When a queued scan was made (ISO 8601, with a time zone): at most 24 hours ago, "
            "never in the future. Without it, the scan is taken as made now."
        ),
    )


def scanner_message(result: CheckInResult) -> str:
    """签到成功, 迟到, 已签到 09:02: what the scanner shows for a recorded check-in."""
    if result.created:
        return str(_("Checked in late.") if result.late else _("Checked in."))
    checked_in_at = result.attendance.checked_in_at
    if checked_in_at is None:
        return str(_("Already marked present."))
    return str(_("Already checked in at %(time)s.")) % {
        "time": time_format(timezone.localtime(checked_in_at), "H:i")
    }


class CheckInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[CheckInResult.CREATED, CheckInResult.ALREADY],
        help_text=_("`created`: checked in now; `already`: checked in before, nothing new."),
    )
    detail = serializers.SerializerMethodField(
        help_text=_("What the scanner shows, e.g. 签到成功.")
    )
    session = serializers.IntegerField(source="attendance.session_id")
    code = serializers.CharField(
        source="attendance.registration.code", help_text=_("The registration code.")
    )
    name = serializers.CharField()
    unit = serializers.CharField()
    status = serializers.ChoiceField(
        source="attendance.status", choices=[Attendance.Status.PRESENT, Attendance.Status.LATE]
    )
    late = serializers.BooleanField()
    checked_in_at = serializers.DateTimeField(
        source="attendance.checked_in_at",
        allow_null=True,
        help_text=_(
            "When the first check-in was scanned; null when staff marked it on the roster."
        ),
    )

    def get_detail(self, result: CheckInResult) -> str:
        return scanner_message(result)

    def to_representation(self, result: CheckInResult) -> dict:
        """The declared fields (which the schema shows), read straight from the result: DRF's
        walk over them, field by field and source by source, was a tenth of a check-in's CPU
        time. tests/attendance/test_api.py holds the two to the same keys and values."""
        attendance = result.attendance
        checked_in_at = attendance.checked_in_at
        return {
            "outcome": result.outcome,
            "detail": scanner_message(result),
            "session": attendance.session_id,
            "code": attendance.registration.code,
            "name": result.name,
            "unit": result.unit,
            "status": attendance.status,
            "late": result.late,
            "checked_in_at": (
                self.fields["checked_in_at"].to_representation(checked_in_at)
                if checked_in_at is not None
                else None
            ),
        }


class CheckInConflictSerializer(ErrorSerializer):
    name = serializers.CharField(required=False, help_text=_("The trainee the code names."))
    unit = serializers.CharField(required=False)


class RosterSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(source="display_title")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    cancelled = serializers.BooleanField(source="is_cancelled")


class RosterEntrySerializer(serializers.Serializer):
    code = serializers.CharField(source="registration.code")
    name = serializers.CharField(source="registration.name")
    unit = serializers.CharField(source="registration.unit")
    status = serializers.ChoiceField(
        choices=Attendance.Status.choices,
        allow_null=True,
        help_text=_("present, late, excused or absent; null: not yet recorded."),
    )
    checked_in_at = serializers.DateTimeField(source="attendance.checked_in_at", allow_null=True)
    reason = serializers.CharField(
        source="attendance.reason", default="", help_text=_("Why the trainee is excused.")
    )


class RosterCountsSerializer(serializers.Serializer):
    expected = serializers.IntegerField(help_text=_("Trainees on the roster."))
    checked_in = serializers.IntegerField(help_text=_("Present or late."))
    present = serializers.IntegerField()
    late = serializers.IntegerField()
    excused = serializers.IntegerField()
    absent = serializers.IntegerField()
    not_yet = serializers.IntegerField(help_text=_("Not yet recorded."))


class RosterSerializer(serializers.Serializer):
    session = RosterSessionSerializer()
    counts = RosterCountsSerializer()
    trainees = RosterEntrySerializer(many=True)


# Bound once, not per request: a serializer copies its declared fields each time it is made,
# a tenth of a check-in's time, and these two keep nothing between calls.
CHECK_IN_REQUEST = CheckInRequestSerializer()
CHECK_IN_BODY = CheckInSerializer()


def error(description) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHORIZED = error(_("No token or session, or a token that is not valid."))
FORBIDDEN = error(CanTakeAttendance.message)


class StaffAPIMixin(AcceptLanguageMixin):
    """Staff with a token or a session who may take attendance; errors `{detail, code}`;
    nothing cached."""

    # The token first: DRF answers 401 with its WWW-Authenticate when no credentials come.
    authentication_classes = [
        CachedPermissionsTokenAuthentication,
        CachedPermissionsSessionAuthentication,
    ]
    permission_classes = [CanTakeAttendance]
    content_negotiation_class = JSONAnswers

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_body_size(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


def session_or_404(session_id: int, scanned: ScannedCode | None = None) -> Session:
    session = session_for_check_in(session_id, scanned)
    if session is None:
        raise exceptions.NotFound(SESSION_NOT_FOUND, code="session_not_found")
    return session


class CheckInViewSet(StaffAPIMixin, viewsets.GenericViewSet):
    """Check-ins at the door, for a scanner app or the admin's scanner page."""

    serializer_class = CheckInRequestSerializer

    def get_exception_handler(self):
        return conflict_handler

    @extend_schema(
        summary=_("Check a trainee in"),
        description=_(
            "Records the trainee whose QR code was scanned or whose registration code was "
            "typed as present, or late after the programme's threshold. 201: checked in now; "
            "200: checked in before (the same body, with the first time), nothing new. A "
            "scan queued while offline sends its `scanned_at`, which counts for lateness. "
            "404: unknown session, or an unknown, forged or revoked code (`invalid_code`). "
            "409: not this cohort's trainee (`not_in_cohort`), a registration not confirmed "
            "(`not_confirmed`), a cancelled session (`session_cancelled`), more than 24 "
            "hours from the session's start (`outside_window`)."
        ),
        request=CheckInRequestSerializer,
        responses={
            200: CheckInSerializer,
            201: CheckInSerializer,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: error(_("No such session, or an unknown, forged or revoked code.")),
            409: OpenApiResponse(
                CheckInConflictSerializer, description=CheckInConflict.default_detail
            ),
            411: error(LengthRequired.default_detail),
            413: error(PayloadTooLarge.default_detail),
            415: error(_("The Content-Type is not application/json.")),
            503: error(Busy.default_detail),
        },
    )
    def create(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ParseError(_("Send a JSON object."))
        data = CHECK_IN_REQUEST.run_validation(request.data)
        scanned = ScannedCode.read(data["code"])
        session = session_or_404(data["session"], scanned)
        source = Attendance.Source.SCAN if scanned.is_qr else Attendance.Source.CODE
        try:
            result = check_in(
                session,
                scanned,
                by=request.user,
                source=source,
                scanned_at=data.get("scanned_at"),
            )
        except CheckInRefused as refusal:
            raise api_refusal(refusal) from refusal
        return Response(
            CHECK_IN_BODY.to_representation(result),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


def api_refusal(refusal: CheckInRefused) -> exceptions.APIException:
    if refusal.code == "bad_scanned_at":
        return exceptions.ValidationError({"scanned_at": [refusal.message]})
    if refusal.code not in CONFLICTS:
        return exceptions.NotFound(refusal.message, code=refusal.code)
    conflict = CheckInConflict(refusal.message, code=refusal.code)
    conflict.registration = refusal.registration
    return conflict


def conflict_handler(exc, context):
    """`api_exception_handler`, naming the trainee in a 409 whose code named one."""
    response = api_exception_handler(exc, context)
    registration: Registration | None = getattr(exc, "registration", None)
    if response is not None and registration is not None:
        response.data |= {"name": registration.name, "unit": registration.unit}
    return response


class SessionAttendanceViewSet(StaffAPIMixin, viewsets.GenericViewSet):
    """A session's roster, for a scanner app."""

    queryset = Session.objects.all()
    serializer_class = RosterSerializer
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        summary=_("A session's roster"),
        description=_(
            "Every confirmed trainee of the session's cohort (and anyone recorded there since "
            "cancelled), by name: registration code, name, unit and status (`present`, `late`, "
            "`excused`, `absent`, or null: not yet), with the counts."
        ),
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("The session's id."))
        ],
        responses={
            200: RosterSerializer,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: error(SESSION_NOT_FOUND),
        },
    )
    @action(detail=True, methods=["get"], url_path="attendance")
    def attendance(self, request, pk=None):
        session = Session.objects.filter(pk=int(pk)).first()
        if session is None:
            raise exceptions.NotFound(SESSION_NOT_FOUND, code="session_not_found")
        entries = roster(session)
        return Response(
            RosterSerializer(
                {"session": session, "counts": roster_counts(entries), "trainees": entries}
            ).data
        )
