"""What the check-in browser tests share: a session on now with its trainees, and a registrar
(教务) who logs in to scan or to put the self check-in code on the room's screen."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    register_trainees,
)
from tests.factories import UserFactory

REGISTRAR, PASSWORD = "jiaowu", "correct-horse-battery"


def session_on_now() -> dict:
    """A session that began five minutes ago with two confirmed trainees (first, second), a
    trainee of another cohort of the programme (elsewhere), and the registrar."""
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班")
    cohort = CohortFactory(programme=programme, title="第1期")
    start = timezone.now() - datetime.timedelta(minutes=5)
    session = SessionFactory(
        cohort=cohort,
        title="红色物业专题讲座",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    first, second = register_trainees(cohort, 2)
    (elsewhere,) = register_trainees(CohortFactory(programme=programme, title="第2期"), 1)
    user = UserFactory(username=REGISTRAR, password=PASSWORD)
    user.groups.add(Group.objects.get(name="教务"))
    return {"session": session, "first": first, "second": second, "elsewhere": elsewhere}


def log_in(page, live_server, next_url: str = "/admin/"):
    """The registrar logs in to the admin and lands on `next_url`."""
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.locator("input[name=username]").fill(REGISTRAR)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(live_server.url + next_url)
