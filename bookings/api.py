"""JSON API for the WeChat mini-program and the check-in scanner: cohorts and registrations."""

from django.db.models import Prefetch
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

from .models import Cohort, Registration
from .selectors import session_queryset
from .services import Applicant, BookingError, register


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


class RegistrationResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=["confirmed", "pending", "waitlisted"])
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
                "manage_url": request.build_absolute_uri(registration.get_absolute_url()),
            },
            status=status.HTTP_201_CREATED,
        )
