"""A trainee on a phone finds a training class from the home page, and their registration
again from the header (issue 10)."""

import re

import pytest
from playwright.sync_api import expect

from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    register_trainees,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_trainee_finds_a_class_from_home_and_their_registration_from_the_header(
    page, live_server, site_tree
):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="红色物业专题培训班", slug="red-property")
    cohort = CohortFactory(programme=programme, title="第2期")
    [registration] = register_trainees(cohort, 1)

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="红色物业专题培训班 第2期", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/programmes/red-property/cohorts/{cohort.pk}/$"))

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="培训班报名").click()
    expect(page).to_have_url(re.compile(r"/programmes/$"))

    lookup = page.get_by_role("navigation").get_by_role("link", name="查询我的报名")
    expect(lookup).to_be_visible()
    lookup.click()
    # The look-up form, not the lost-code form beside it, which asks for a phone too.
    form = page.locator("form", has=page.locator("#id_code"))
    form.get_by_label("手机号码").fill(registration.phone)
    form.get_by_label("报名码").fill(registration.code)
    form.get_by_role("button", name=re.compile("查询")).click()
    expect(page).to_have_url(re.compile(rf"/bookings/r/{registration.token}/$"))
