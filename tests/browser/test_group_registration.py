"""At 390 px in Chromium: a unit's contact adds rows with the button, types into them, registers
the group and lands on the group's page, which a reload shows again without registering anyone
twice; a trainee who lost their code has it texted again from the look-up page."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import Registration, RegistrationGroup
from bookings.services import register
from core.sms import MemorySMSBackend
from tests.bookings.factories import (
    ApplicantFactory,
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cohort(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班", slug="secretaries")
    return CohortFactory(programme=programme, title="第3期", capacity=30)


@pytest.fixture(autouse=True)
def _sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


def test_group_adds_rows_without_losing_input_and_reloads_its_page(page, live_server, cohort):
    refused = []  # the script is a file of ours: the Content-Security-Policy lets it run
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}{cohort.get_url()}group/?size=1")
    expect(page.get_by_role("link", name="增加行数")).to_be_hidden()
    add = page.get_by_role("button", name="增加一行")

    page.locator("[name=unit]").fill("芝罘区向阳街道党工委")
    page.locator("[name=contact_name]").fill("王老师")
    page.locator("[name=contact_phone]").fill("139 0013 9000")
    page.locator("[name=trainee-0-name]").fill("李红梅")
    page.locator("[name=trainee-0-phone]").fill("13700000000")
    add.click()
    add.click()
    expect(page.locator("legend", has_text="学员 3")).to_be_visible()
    expect(page.locator("[name=trainee-TOTAL_FORMS]")).to_have_value("3")
    # What was typed before the rows were added is still there: nothing reloaded.
    expect(page.locator("[name=trainee-0-name]")).to_have_value("李红梅")
    expect(page.locator("[name=unit]")).to_have_value("芝罘区向阳街道党工委")
    page.locator("[name=trainee-1-name]").fill("张伟")
    page.locator("[name=trainee-1-phone]").fill("13700000001")
    page.locator("[name=trainee-2-name]").fill("赵敏")
    page.locator("[name=trainee-2-phone]").fill("１３７ ００００ ０００２")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="提交团体报名").click()

    # The form posts to #group-form, a fragment the browser keeps through the redirect.
    expect(page).to_have_url(re.compile(r"/bookings/g/[\w-]{40,}/(#group-form)?$"))
    group = RegistrationGroup.objects.get()
    assert page.url.split("#")[0] == live_server.url + group.get_absolute_url()
    registrations = list(Registration.objects.order_by("pk"))
    assert [(r.name, r.phone, r.unit) for r in registrations] == [
        ("李红梅", "13700000000", "芝罘区向阳街道党工委"),
        ("张伟", "13700000001", "芝罘区向阳街道党工委"),
        ("赵敏", "13700000002", "芝罘区向阳街道党工委"),
    ]
    expect(page.get_by_text("团体报名已提交。")).to_be_visible()
    for registration in registrations:
        expect(page.get_by_text(registration.code)).to_be_visible()
        expect(page.get_by_text(registration.masked_phone)).to_be_visible()
    assert "13700000000" not in page.content()
    contact_texts = [text for phone, text in MemorySMSBackend.outbox if phone == "13900139000"]
    assert [group.get_absolute_url() in text for text in contact_texts] == [True]

    page.reload()

    expect(page.get_by_role("heading", name="团体报名", exact=True)).to_be_visible()
    expect(page.get_by_text(registrations[2].code)).to_be_visible()
    expect(page.get_by_text("团体报名已提交。")).to_have_count(0)
    assert (RegistrationGroup.objects.count(), Registration.objects.count()) == (1, 3)

    assert refused == []
    page.get_by_role("link", name="赵敏 的报名页面").click()
    expect(page).to_have_url(re.compile(rf"/bookings/r/{registrations[2].token}/$"))


def test_add_row_stops_at_the_largest_group(page, live_server, settings, cohort):
    settings.BOOKINGS_MAX_GROUP_SIZE = 2
    page.goto(f"{live_server.url}{cohort.get_url()}group/?size=1")
    add = page.get_by_role("button", name="增加一行")

    add.click()

    expect(add).to_be_disabled()
    expect(page.get_by_text("每个团体最多 2 名学员。")).to_be_visible()
    expect(page.locator("[name=trainee-TOTAL_FORMS]")).to_have_value("2")


def test_lost_code_is_texted_again_from_the_look_up_page(page, live_server, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone="13905356688")])
    MemorySMSBackend.outbox.clear()

    page.goto(live_server.url + "/bookings/find/")
    page.get_by_text("忘记报名码？").click()
    page.locator("[name=resend-phone]").fill("139 0535 6688")
    page.get_by_role("button", name="发送报名码").click()

    expect(page.get_by_text("如果该手机号有报名记录，我们已发送短信。")).to_be_visible()
    [(phone, text)] = MemorySMSBackend.outbox
    assert phone == "13905356688"
    assert f"报名码：{registration.code}" in text
    assert registration.get_absolute_url() in text

    page.locator("[name=phone]").fill("13905356688")
    page.locator("[name=code]").fill(registration.code)
    page.get_by_role("button", name="查询我的报名").click()
    expect(page).to_have_url(re.compile(rf"/bookings/r/{registration.token}/$"))
