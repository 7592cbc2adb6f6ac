"""JSON API for the WeChat mini-program and the check-in scanner: cohorts and registrations."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import (
    BAD_REQUEST,
    AcceptLanguageMixin,
    Busy,
    ErrorSerializer,
    LengthRequired,
    NormalisedCharField,
    PayloadTooLarge,
    TooManyRequests,
    api_exception_handler,
    check_body_size,
)
from core.ratelimit import too_many_attempts
from core.validators import MOBILE_INPUT, validate_mobile

from .models import Cohort, Registration
from .selectors import session_queryset
from .services import (
    Applicant,
    BookingError,
    InvalidTransition,
    cancel_registration,
    find_registration,
    register,
)


class RegistrationConflict(exceptions.APIException):
    """A BookingError (full, closed, already registered) with its message and code."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The registration could not be completed.")
    default_code = "booking_error"


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(source="display_title")
    lecturers = serializers.SerializerMethodField()
    place = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    study_hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    cancelled = serializers.BooleanField(source="is_cancelled")

    def get_lecturers(self, session) -> list[str]:
        return [lecturer.title for lecturer in session.lecturers.all()]


class CohortSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.title")
    seats_left = serializers.SerializerMethodField()
    registration_open = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = [
            "id",
            "title",
            "programme",
            "starts_on",
            "ends_on",
            "capacity",
            "seats_left",
            "registration_open",
            "registration_opens_at",
            "registration_closes_at",
            "requires_approval",
            "waitlist_enabled",
            "asks_id_number",
            "page_url",
        ]

    def get_seats_left(self, cohort) -> int:
        return cohort.seats_left

    def get_registration_open(self, cohort) -> bool:
        return cohort.accepts_registrations()

    def get_page_url(self, cohort) -> str:
        request = self.context.get("request")
        url = cohort.get_url()
        return request.build_absolute_uri(url) if request else url


class CohortDetailSerializer(CohortSerializer):
    sessions = SessionSerializer(many=True)

    class Meta(CohortSerializer.Meta):
        fields = [*CohortSerializer.Meta.fields, "sessions"]


# Wagtail's catalog, before DRF's in INSTALLED_APPS, translates this as "必需字段"; the project's
# catalog (LOCALE_PATHS) wins over both, site-wide. Marked so that makemessages keeps the entry.
gettext_noop("This field is required.")


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConsentField(serializers.BooleanField):
    """The trainee's consent; the schema says what `validate_consent` holds: only true."""


# One trainee's details, the fields `Registration.TRAINEE_FIELDS` names as the model declares
# them, and their consent. (A comment, not a docstring: a docstring would be the schema's text.)
class RegistrationRequestSerializer(serializers.ModelSerializer):
    consent = ConsentField()

    class Meta:
        model = Registration
        fields = [*Registration.TRAINEE_FIELDS, "consent"]

    def build_standard_field(self, field_name, model_field):
        """The model's field, taking input as `Registration.TRAINEE_INPUT` says it is typed,
        with the messages the registration forms give (`Registration.trainee_messages`)."""
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in Registration.TRAINEE_FIELDS:
            kwargs["error_messages"] = Registration.trainee_messages(field_name)
        typed = Registration.TRAINEE_INPUT.get(field_name)
        if typed:
            field_class = NormalisedCharField
            kwargs |= {"normalizer": typed.normalize, "pattern": typed.pattern}
            if typed.max_length:
                kwargs["max_length"] = typed.max_length
        return field_class, kwargs

    def validate_consent(self, value):
        if value is not True:
            raise serializers.ValidationError(
                _("Please agree to the use of your personal information.")
            )
        return value

    def validate(self, attrs):
        cohort = self.context["cohort"]
        if cohort.asks_id_number and not attrs.get("id_number"):
            raise serializers.ValidationError(
                {"id_number": _("This cohort asks for the ID number.")}
            )
        if not cohort.asks_id_number:
            attrs["id_number"] = ""
        return attrs

    def applicant(self) -> Applicant:
        return Applicant(
            **{name: self.validated_data.get(name, "") for name in Registration.TRAINEE_FIELDS}
        )


WAITING_POSITION = _("Its place on the waiting list (1 is promoted next), or null if not waiting.")


class RegistrationResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=["confirmed", "pending", "waitlisted"])
    waiting_position = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Its place on the waiting list (1 is promoted next), or null when not waiting."
        ),
    )
    manage_url = serializers.URLField()


NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_("No such cohort."))


@extend_schema_view(retrieve=extend_schema(responses={200: CohortDetailSerializer, 404: NOT_FOUND}))
class CohortViewSet(
    AcceptLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Open and upcoming cohorts, and registration for them."""

    authentication_classes = []
    permission_classes = []

    def get_queryset(self):
        if self.action == "registrations":
            return Cohort.objects.filter(programme__live=True).select_related("programme")
        queryset = (
            Cohort.objects.filter(programme__live=True)
            .unfinished()
            .with_seats()
            .order_by("starts_on", "pk")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("sessions", queryset=session_queryset().order_by("starts_at", "pk"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CohortDetailSerializer
        if self.action == "registrations":
            return RegistrationRequestSerializer
        return CohortSerializer

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_body_size(request)

    @extend_schema(
        request=RegistrationRequestSerializer,
        parameters=[
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                description=_("Seconds until the spent rate limit counts again."),
                response=[429],
            )
        ],
        responses={
            201: RegistrationResultSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description=RegistrationConflict.default_detail),
            411: OpenApiResponse(ErrorSerializer, description=LengthRequired.default_detail),
            413: OpenApiResponse(ErrorSerializer, description=PayloadTooLarge.default_detail),
            415: OpenApiResponse(
                ErrorSerializer, description=_("The Content-Type is not application/json.")
            ),
            429: OpenApiResponse(ErrorSerializer, description=TooManyRequests.default_detail),
            503: OpenApiResponse(ErrorSerializer, description=Busy.default_detail),
        },
    )
    @action(detail=True, methods=["post"], url_path="registrations")
    def registrations(self, request, pk=None):
        """Register one trainee: `confirmed`, `pending` (staff approve) or `waitlisted`."""
        cohort = self.get_object()
        if not isinstance(request.data, dict):
            raise exceptions.ParseError(_("Send a JSON object."))
        if wait := too_many_attempts(
            request, group="register", phone=str(request.data.get("phone", ""))
        ):
            raise TooManyRequests(wait=wait)
        serializer = RegistrationRequestSerializer(
            data=request.data, context={"cohort": cohort, "request": request}
        )
        serializer.is_valid(raise_exception=True)
        try:
            [registration] = register(
                cohort.pk, applicants=[serializer.applicant()], source=Registration.Source.API
            )
        except BookingError as error:
            raise RegistrationConflict(error.message, code=error.code) from error
        return Response(
            {
                "code": registration.code,
                "status": registration.status,
                "waiting_position": registration.waiting_position,
                "manage_url": request.build_absolute_uri(registration.get_absolute_url()),
            },
            status=status.HTTP_201_CREATED,
        )


# The trainee's registration, for the mini-program: what their private page shows.


class RegistrationCohortSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    programme = serializers.CharField(source="programme.title")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    location = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    page_url = serializers.SerializerMethodField()

    def get_page_url(self, cohort) -> str:
        return self.context["request"].build_absolute_uri(cohort.get_url())


class RegistrationDetailSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("The private link's token: keep it, it opens this registration.")
    )
    code = serializers.CharField(help_text=_("The registration code, to read out at the desk."))
    status = serializers.ChoiceField(choices=Registration.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    waiting_position = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Its place on the waiting list (1 is promoted next), or null when not waiting."
        ),
    )
    name = serializers.CharField()
    phone = serializers.CharField(source="masked_phone", help_text=_("Masked: 138****1234."))
    unit = serializers.CharField()
    registered_at = serializers.DateTimeField(source="created_at")
    cancelled_at = serializers.DateTimeField(allow_null=True)
    can_cancel = serializers.SerializerMethodField(
        help_text=_(
            "Whether the trainee may still cancel: an active one, before the cohort begins."
        )
    )
    manage_url = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()
    cohort = RegistrationCohortSerializer()
    sessions = SessionSerializer(many=True, source="timetable_sessions")

    def get_can_cancel(self, registration) -> bool:
        return registration.is_active and not registration.cohort.has_begun

    def get_manage_url(self, registration) -> str:
        return self.context["request"].build_absolute_uri(registration.get_absolute_url())

    def get_calendar_url(self, registration) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("calendar:registration", kwargs={"token": registration.token})
        )


# A comment, not a docstring, as for RegistrationRequestSerializer: the schema shows docstrings.
class LookupRequestSerializer(serializers.Serializer):
    phone = NormalisedCharField(
        normalizer=MOBILE_INPUT.normalize,
        pattern=MOBILE_INPUT.pattern,
        max_length=MOBILE_INPUT.max_length,
        validators=[validate_mobile],
        label=_("Mobile"),
    )
    code = NormalisedCharField(max_length=12, label=_("Registration code"))


REGISTRATION_NOT_FOUND = _("No registration has this link. It may have been reset.")
LOOKUP_NOT_FOUND = _("No registration matches this mobile number and code.")
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    description=_("Seconds until the spent rate limit counts again."),
    response=[429],
)
TOKEN = OpenApiParameter(
    "token",
    str,
    OpenApiParameter.PATH,
    description=_("The token of the trainee's private link, as registration returned it."),
)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("A trainee's registration"),
        description=_(
            "Status, registration code, cohort and timetable of the registration the private "
            "link's token opens. The mobile number is masked."
        ),
        parameters=[TOKEN],
        responses={
            200: RegistrationDetailSerializer,
            404: OpenApiResponse(ErrorSerializer, description=REGISTRATION_NOT_FOUND),
        },
    )
)
class RegistrationViewSet(AcceptLanguageMixin, viewsets.GenericViewSet):
    """A trainee's own registration: read it, cancel it, or find it with phone and code."""

    authentication_classes = []
    permission_classes = []
    lookup_field = "token"
    lookup_value_regex = "[A-Za-z0-9_-]{1,64}"
    serializer_class = RegistrationDetailSerializer

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_body_size(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # personal and live: no cache keeps it
        return response

    def get_object(self) -> Registration:
        registration = (
            Registration.objects.select_related("cohort__programme")
            .filter(token=self.kwargs["token"])
            .first()
        )
        if registration is None:
            raise exceptions.NotFound(REGISTRATION_NOT_FOUND)
        return registration

    def detail_response(self, registration: Registration) -> Response:
        registration.timetable_sessions = list(
            session_queryset().filter(cohort=registration.cohort_id).order_by("starts_at", "pk")
        )
        serializer = RegistrationDetailSerializer(registration, context={"request": self.request})
        return Response(serializer.data)

    def retrieve(self, request, token=None):
        return self.detail_response(self.get_object())

    @extend_schema(
        summary=_("Cancel registration"),
        description=_(
            "Cancels the registration and frees its seat for the waiting list. A registration "
            "already cancelled is answered as it is. After the cohort has begun, or once it was "
            "turned down, only the academy's staff can change it (409)."
        ),
        request=None,
        parameters=[TOKEN],
        responses={
            200: RegistrationDetailSerializer,
            404: OpenApiResponse(ErrorSerializer, description=REGISTRATION_NOT_FOUND),
            409: OpenApiResponse(ErrorSerializer, description=InvalidTransition.default_message),
            411: OpenApiResponse(ErrorSerializer, description=LengthRequired.default_detail),
            413: OpenApiResponse(ErrorSerializer, description=PayloadTooLarge.default_detail),
            503: OpenApiResponse(ErrorSerializer, description=Busy.default_detail),
        },
    )
    @action(detail=True, methods=["post"], url_path="cancel")
    def cancel(self, request, token=None):
        registration = self.get_object()
        if registration.status != Registration.Status.CANCELLED:
            try:
                cancel_registration(registration, by=None)
            except BookingError as error:
                raise RegistrationConflict(error.message, code=error.code) from error
            registration.refresh_from_db()
        return self.detail_response(registration)

    @extend_schema(
        summary=_("Find a registration by mobile number and code"),
        description=_(
            "The registration with this mobile number and registration code, and its token. "
            "A wrong number and a wrong code get the same 404. Attempts are limited per network "
            "and per number (429 with Retry-After)."
        ),
        request=LookupRequestSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: RegistrationDetailSerializer,
            400: BAD_REQUEST,
            404: OpenApiResponse(ErrorSerializer, description=LOOKUP_NOT_FOUND),
            411: OpenApiResponse(ErrorSerializer, description=LengthRequired.default_detail),
            413: OpenApiResponse(ErrorSerializer, description=PayloadTooLarge.default_detail),
            415: OpenApiResponse(
                ErrorSerializer, description=_("The Content-Type is not application/json.")
            ),
            429: OpenApiResponse(ErrorSerializer, description=TooManyRequests.default_detail),
        },
    )
    @action(detail=False, methods=["post"], url_path="lookup")
    def lookup(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ParseError(_("Send a JSON object."))
        if wait := too_many_attempts(
            request, group="lookup", phone=str(request.data.get("phone", ""))
        ):
            raise TooManyRequests(wait=wait)
        serializer = LookupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = find_registration(
            phone=serializer.validated_data["phone"], code=serializer.validated_data["code"]
        )
        if registration is None:
            raise exceptions.NotFound(LOOKUP_NOT_FOUND)
        return self.detail_response(registration)
