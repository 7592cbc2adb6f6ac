"""Schemathesis over the API's own OpenAPI schema: no request it makes, valid or not, gets a 5xx
or an answer the schema does not declare.

Schemathesis's pytest plugin (`from_fixture`) does not run under pytest 9, so the test drives
its Python API: one Hypothesis run per operation, as `@schema.parametrize()` would make.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    register_trainees,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# What a WSGI server in front of the site sets (gunicorn does, always); werkzeug's client, which
# schemathesis calls the application through, does not, and the rate limits key on it.
ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def api_schema(site_tree, settings):
    """The schema as /api/schema/ serves it; rate limits out of the way of the examples.

    Requests reach Django's WSGI handler in the test's own transaction; neither the start nor
    the end of one may close the connection that holds it, as Django's test client sees to for
    its own.
    """
    settings.BOOKINGS_RATE_PER_IP = "10000/m"
    settings.BOOKINGS_RATE_PER_PHONE = "10000/h"
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_api_answers_as_its_schema_says(api_schema):
    ProgrammeIndexPageFactory()
    cohort = CohortFactory(programme=ProgrammePageFactory())
    [registration] = register_trainees(cohort, 1)

    def at_the_cohort(case):
        """Most generated ids and tokens name nothing: send about half of the examples to a
        cohort and a registration that exist."""
        if "id" in case.path_parameters:
            case.path_parameters["id"] = cohort.pk
        if "token" in case.path_parameters:
            case.path_parameters["token"] = registration.token
        return case

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.label for operation in operations} == {
        "GET /api/v1/cohorts/",
        "GET /api/v1/cohorts/{id}/",
        "POST /api/v1/cohorts/{id}/registrations/",
        "GET /api/v1/registrations/{token}/",
        "POST /api/v1/registrations/{token}/cancel/",
        "POST /api/v1/registrations/lookup/",
        "POST /api/v1/checkins/",
        "GET /api/v1/sessions/{id}/attendance/",
        "GET /api/v1/figures/",
        "GET /api/v1/rounds/{id}/ranking/",
    }
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=st.one_of(cases.map(at_the_cohort), cases))
        @settings(
            max_examples=50,
            derandomize=True,
            database=None,
            deadline=None,
            # The staff ranking's security schemes (a token header, a session cookie) leave
            # few invalid requests that can be sent at all: most are filtered out.
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
            ],
        )
        def answers_as_declared(case):
            case.call_and_validate(checks=CHECKS, environ_base=ENVIRON)

        answers_as_declared()
