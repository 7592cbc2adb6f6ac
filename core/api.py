"""The API's conventions, for every app's endpoints: error bodies `{detail, code}` (and messages
by field for a 400) for every error under /api/, Django's 404 and 500 included, messages in the
client's Accept-Language, limits on what the JSON parser takes, and the schema limited to the
public API."""

import re

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views import defaults
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.fields import empty
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils import json
from rest_framework.validators import ProhibitSurrogateCharactersValidator
from rest_framework.views import exception_handler

from .locking import LockTimeout
from .permissions import authenticate_cached, load_permissions
from .validators import normalize_digits


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class BadRequest(exceptions.APIException):
    """A request Django refuses before any view (a Host not allowed, too many fields)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = exceptions.ParseError.default_detail
    default_code = "bad_request"


class LengthRequired(exceptions.APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = _("Send the request body with a Content-Length header, not in chunks.")
    default_code = "length_required"


class ServerError(exceptions.APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = _("The server could not handle the request. Please try again later.")
    default_code = "server_error"


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
        say_language(response)
        return response


def say_language(response) -> None:
    """The response is in the active language, which the client's Accept-Language chose."""
    patch_vary_headers(response, ["Accept-Language"])
    response.headers["Content-Language"] = translation.get_language()


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
    """Refuse a body over settings.API_MAX_BODY_BYTES before anything reads it, and one sent
    in chunks (411).

    Django reads a request body as CONTENT_LENGTH says, so a chunked body, which has none,
    would be read as empty and answered "this field is required". Counting the chunks instead
    would mean reading the server's `wsgi.input` behind Django's back, which only some WSGI
    servers de-chunk (gunicorn does, runserver does not). A client holding a small JSON body
    sends its length, and nginx in front buffers a chunked body and passes it on with one.
    """
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        raise LengthRequired()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise PayloadTooLarge()


MAX_JSON_DEPTH = 20
# A bracket, or a JSON string from its opening quote to its closing one (to the end of the text
# if it has none): brackets inside a string are text, not nesting. A match starts at every
# quote outside a string and ends after it, so the scan is linear however a body arranges its
# quotes and backslashes (a pattern that could fail at a quote would rescan from the next).
JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
SURROGATE = re.compile("[\ud800-\udfff]")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of `text` nest, counted without recursion: exact for
    valid JSON, and never less than json.loads would recurse for any text."""
    depth = deepest = 0
    for token in JSON_TOKEN.findall(text):
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def strings_in(data):
    """Every string in parsed JSON, keys included, walked without recursion."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


class LimitedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits, refusing what it must not take in the client's language.

    The body is counted as read (413 over API_MAX_BODY_BYTES, whatever Content-Length said);
    its nesting is measured before json.loads, whose recursion a 2 KB body of brackets would
    exhaust (400 `too_deep`); it is read as UTF-8, the one encoding RFC 8259 allows between
    systems, whatever charset the Content-Type names, so raw surrogates or another encoding are
    malformed (400 `parse_error`); and no string or key may hold NUL or a lone surrogate
    (`\\ud800`), which no database column takes (400, the codes of Django's and DRF's own
    validators).
    """

    not_json = _("The request body is not valid JSON.")

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(self.not_json) from error
        if json_depth(text) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                _("The JSON in the request body is nested too deeply."), code="too_deep"
            )
        try:
            data = json.loads(text)
        except ValueError as error:
            raise exceptions.ParseError(self.not_json) from error
        for string in strings_in(data):
            if "\x00" in string:
                raise exceptions.ParseError(
                    ProhibitNullCharactersValidator.message,
                    code=ProhibitNullCharactersValidator.code,
                )
            if surrogate := SURROGATE.search(string):
                raise exceptions.ParseError(
                    ProhibitSurrogateCharactersValidator.message.format(
                        code_point=ord(surrogate.group())
                    ),
                    code=ProhibitSurrogateCharactersValidator.code,
                )
        return data


def error_response(request, error_class: type[exceptions.APIException]) -> JsonResponse:
    """The API's `{detail, code}` body for an error Django answers outside DRF's views, in the
    client's language as AcceptLanguageMixin answers inside them."""
    with translation.override(accepted_language(request)):
        error = error_class()
        response = JsonResponse(
            {"detail": str(error.detail), "code": error.default_code},
            status=error.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
        say_language(response)
    return response


def api_or_site(error_class: type[exceptions.APIException], site_handler):
    """A Django error handler (handler404, handler500…): the API's JSON error for a path under
    /api/, the site's page for any other.

    Without it a path under /api/ that no route matches falls through to Wagtail's pages and
    gets the site's HTML 404, and an exception DRF does not handle the HTML 500 page.
    """

    def handler(request, *args, **kwargs):
        if request.path_info.startswith("/api/"):
            return error_response(request, error_class)
        return site_handler(request, *args, **kwargs)

    return handler


bad_request = api_or_site(BadRequest, defaults.bad_request)
permission_denied = api_or_site(exceptions.PermissionDenied, defaults.permission_denied)
page_not_found = api_or_site(exceptions.NotFound, defaults.page_not_found)
server_error = api_or_site(ServerError, defaults.server_error)


def public_api_only(endpoints, **kwargs):
    """drf-spectacular hook: document the public API, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class JSONAnswers(DefaultContentNegotiation):
    """The request's Content-Type still chooses the parser (415 for anything not JSON), but the
    answer is JSON whatever the client's Accept says: DRF's own recipe
    (`IgnoreClientContentNegotiation`) for views that have one renderer, which spares matching
    the header against it at every request. For the scanner's API, one request per person."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CachedPermissionsTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, the token, its user and their permissions kept in the cache
    (`core.permissions`): a device that sends a request for every person at the door (a
    check-in scanner) is looked up once, not at every request."""

    def authenticate_credentials(self, key):
        return authenticate_cached(key, super().authenticate_credentials)


class CachedPermissionsSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (CSRF enforced), the user's permissions from the cache: the
    admin's scanner page sends a check-in for every person with the staff member's session."""

    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is not None:
            load_permissions(authenticated[0])
        return authenticated


class CachedPermissionsSessionScheme(SessionScheme):
    """The schema's cookie authentication for it: drf-spectacular matches the session scheme
    to DRF's class only, not to its subclasses."""

    target_class = CachedPermissionsSessionAuthentication
