"""The staff desk at desktop size in Chromium, as a registrar (教务) uses it: the dashboard's
panels, approving a pending registration from its row, registering someone who phoned in."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import ModelLogEntry

from bookings.models import Registration
from bookings.services import Applicant, register
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
)
from tests.bookings.helpers import make_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def desk(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def training(site_tree):
    """Demo-like training: a cohort staff approve, a full one with a waiting list, a running
    one with a session today, and a registrar (教务) to log in as."""
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班")
    today = timezone.localdate()
    approval = CohortFactory(programme=programme, title="第3期", requires_approval=True)
    full = CohortFactory(programme=programme, title="第2期", capacity=1)
    running = CohortFactory(
        programme=programme,
        title="第1期",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=1),
        registration_opens_at=timezone.now() - datetime.timedelta(days=30),
        registration_closes_at=timezone.now() - datetime.timedelta(days=2),
    )
    make_session(
        running,
        title="红色物业专题讲座",
        starts_at=at_local(today, 14),
        ends_at=at_local(today, 16),
    )
    register(
        approval.pk,
        applicants=[Applicant(name="李红梅", phone="13905356688", unit="向阳街道党工委")],
    )
    for name, phone in (("王建国", "13905351111"), ("赵志强", "13905352222")):
        register(full.pk, applicants=[Applicant(name=name, phone=phone, unit="福山区党建办")])
    user = UserFactory(username="jiaowu", password=PASSWORD)
    user.groups.add(Group.objects.get(name="教务"))
    return {"approval": approval, "full": full, "user": user}


def log_in(page, live_server):
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("jiaowu")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#dashboard-pending-registrations-section")).to_be_visible()


def test_dashboard_shows_the_training_panels(desk, live_server, training):
    log_in(desk, live_server)

    pending = desk.locator("#dashboard-pending-registrations-section")
    expect(pending).to_contain_text("1 个报名等待审核")
    expect(pending).to_contain_text("李红梅")
    waiting = desk.locator("#dashboard-waiting-lists-section")
    expect(waiting).to_contain_text("社区书记示范培训班 第2期")
    sessions = desk.locator("#dashboard-sessions-section")
    expect(sessions).to_contain_text("红色物业专题讲座")
    expect(sessions).to_contain_text("14:00–16:00")
    upcoming = desk.locator("#dashboard-upcoming-cohorts-section")
    expect(upcoming).to_contain_text("社区书记示范培训班 第3期")
    expect(upcoming).not_to_contain_text("第2期")

    pending.get_by_role("link", name="查看全部").click()
    expect(desk).to_have_url(re.compile(r"/admin/snippets/bookings/registration/\?status=pending"))
    expect(desk.get_by_role("link", name="导出 Excel")).to_be_visible()
    expect(desk.get_by_role("link", name="导出 CSV")).to_be_visible()


def test_registrar_approves_a_pending_registration_from_its_row(desk, live_server, training):
    log_in(desk, live_server)
    desk.goto(live_server.url + "/admin/snippets/bookings/registration/")

    row = desk.locator("tr", has_text="李红梅")
    row.get_by_role("link", name="审核通过").click()
    expect(desk.get_by_text(re.compile("确认通过 李红梅"))).to_be_visible()
    desk.get_by_role("button", name="确认通过").click()

    registration = Registration.objects.get(name="李红梅")
    expect(desk.get_by_text(f"报名 {registration.code} 已审核通过。")).to_be_visible()
    assert registration.status == Registration.Status.CONFIRMED
    row = desk.locator("tr", has_text="李红梅")
    expect(row.get_by_role("link", name="审核通过")).to_have_count(0)
    entry = ModelLogEntry.objects.get(action="bookings.registration.approve")
    assert entry.user_id == training["user"].pk


def test_registrar_registers_someone_who_phoned_in(desk, live_server, training):
    full = training["full"]
    log_in(desk, live_server)
    desk.goto(live_server.url + f"/admin/snippets/bookings/registration/?cohort={full.pk}")

    desk.get_by_role("link", name="代表学员报名").click()
    expect(desk.locator("select[name=cohort]")).to_have_value(str(full.pk))
    desk.locator("input[name=name]").fill("孙丽")
    desk.locator("input[name=phone]").fill("+86 139 0535 3333")
    desk.locator("input[name=unit]").fill("莱山区滨海路街道")
    desk.get_by_role("button", name="报名", exact=True).click()

    registration = Registration.objects.get(name="孙丽")
    expect(desk.get_by_text(re.compile(f"候补.*{registration.code}"))).to_be_visible()
    assert (registration.phone, registration.source, registration.status) == (
        "13905353333",
        Registration.Source.STAFF,
        Registration.Status.WAITLISTED,
    )
    assert "13905353333" not in desk.url
