"""The API's conventions, for every app's endpoints: error bodies `{detail, code}` (and messages
by field for a 400), messages in the client's Accept-Language, size limits, and the schema
limited to the public API."""

from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, serializers, status
from rest_framework.fields import empty
from rest_framework.views import exception_handler

from .locking import LockTimeout
from .validators import normalize_digits


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class TooManyRequests(exceptions.APIException):
    """A spent rate limit; DRF's exception handler sends `wait` (seconds) as Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many attempts from this network or number. Please wait a few minutes.")
    default_code = "too_many_requests"

    def __init__(self, detail=None, code=None, *, wait: int | None = None):
        super().__init__(detail, code)
        self.wait = wait


class Busy(exceptions.APIException):
    """A lock another request held too long (core.locking.LockTimeout): try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = LockTimeout.default_message
    default_code = LockTimeout.code


def api_exception_handler(exc, context):
    """DRF's handler, with the `code` that ErrorSerializer promises next to every `detail`.

    Validation errors keep DRF's shape, a list of messages per field (FieldErrorsSerializer).
    A LockTimeout from any service is a 503 `busy`, never a 500.
    """
    if isinstance(exc, Http404):
        # DRF would pass on get_object_or_404's "No Cohort matches the given query.": English,
        # whatever the language, and naming a model.
        exc = exceptions.NotFound()
    if isinstance(exc, LockTimeout):
        exc = Busy(exc.message)
    response = exception_handler(exc, context)
    if response is None or isinstance(exc, exceptions.ValidationError):
        return response
    detail = response.data["detail"]
    response.data = {"detail": str(detail), "code": detail.code}
    return response


def accepted_language(request) -> str:
    """The first language of the client's Accept-Language that the site has; else Chinese.

    As LocaleMiddleware does, less the language cookie: an API client's language is its header,
    and a response that followed a cookie would need `Vary: Cookie` as well.
    """
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class AcceptLanguageMixin:
    """Messages (and the site URLs in bodies) in the language the client's header asks for.

    LocaleMiddleware cannot do it: with `i18n_patterns(prefix_default_language=False)` it gives
    every path without a language prefix, /api/ included, the default language.
    """

    def initial(self, request, *args, **kwargs):
        translation.activate(accepted_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        response.headers["Content-Language"] = translation.get_language()
        return response


class NormalisedCharField(serializers.CharField):
    """Text normalised before it is validated: by `normalizer`, digits by default (full-width
    digits and letters to ASCII, spaces and dashes removed). `core.forms.NormalisedField` does
    the same for forms.

    It takes a JSON string only (DRF's CharField takes numbers too), at most `max_length`
    characters as typed, and text that normalises to nothing is blank. `pattern` describes
    the typed text the field accepts, for the schema (NormalisedCharFieldSchema).
    """

    def __init__(self, *, normalizer=normalize_digits, pattern=None, **kwargs):
        self.normalizer = normalizer
        self.pattern = pattern
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        if isinstance(data, str):
            if self.max_length is not None and len(data) > self.max_length:
                self.fail("max_length", max_length=self.max_length)
            data = self.normalizer(data)
        elif data is not empty and data is not None:
            self.fail("invalid")
        return super().run_validation(data)


class NormalisedCharFieldSchema(OpenApiSerializerFieldExtension):
    """What NormalisedCharField accepts: a required one at least one character, and the typed
    text its `pattern` describes (DRF's own mapping knows neither)."""

    target_class = NormalisedCharField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_blank:
            schema["minLength"] = 1
        if self.target.pattern:
            schema["pattern"] = self.target.pattern
        return schema


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """Documentation only: messages by field name, `non_field_errors` for the whole body."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    target_class = FieldErrorsSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }


BAD_REQUEST = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="BadRequest",
        serializers=[FieldErrorsSerializer, ErrorSerializer],
        resource_type_field_name=None,
    ),
    description=_("Messages by field, or one message for a body that is not a JSON object."),
)


def check_body_size(request) -> None:
    """Refuse a body over settings.API_MAX_BODY_BYTES before anything reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise PayloadTooLarge()


def public_api_only(endpoints, **kwargs):
    """drf-spectacular hook: document the public API, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
