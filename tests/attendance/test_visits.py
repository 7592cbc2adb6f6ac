"""Study visits (来烟学习交流): staff record them; only the contact person of a visited base
confirms one, with the actual headcount, and sees only the visits to their bases."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry

from attendance.models import StudyVisit
from attendance.services_visits import NotTheBaseContact, VisitNotYetHeld, confirm_visit
from tests.factories import SuperuserFactory, TrainingBasePageFactory

from .visits_factories import study_visit, user_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(db):
    return user_in("基地联系人", username="jidi")


@pytest.fixture
def base(site_tree, contact):
    return TrainingBasePageFactory(title="只楚红色物业服务中心", contact_user=contact)


@pytest.fixture
def other_base(site_tree):
    return TrainingBasePageFactory(title="幸福街道党群服务中心", contact_user=user_in("基地联系人"))


def confirm_url(visit) -> str:
    return reverse("study_visits:confirm", args=[visit.pk])


# -- the service ----------------------------------------------------------------------------------


def test_the_base_contact_confirms_with_the_actual_headcount(base, contact):
    visit = study_visit(bases=[base])

    confirm_visit(visit, actual_headcount=28, by=contact)

    visit.refresh_from_db()
    assert (visit.actual_headcount, visit.confirmed_by, visit.is_confirmed) == (28, contact, True)
    entry = ModelLogEntry.objects.get(action="attendance.study_visit.confirm")
    assert (entry.user, entry.data) == (contact, {"old": None, "new": 28})


def test_a_corrected_headcount_is_logged_from_the_old_count(base, contact):
    visit = study_visit(bases=[base])
    confirm_visit(visit, actual_headcount=28, by=contact)

    confirm_visit(visit, actual_headcount=26, by=contact)

    visit.refresh_from_db()
    assert visit.actual_headcount == 26
    assert [entry.data for entry in ModelLogEntry.objects.order_by("pk")] == [
        {"old": None, "new": 28},
        {"old": 28, "new": 26},
    ]


@pytest.mark.parametrize("who", ["other_contact", "registrar", "administrator", "superuser"])
def test_only_the_contact_of_a_visited_base_may_confirm(base, other_base, who):
    user = {
        "other_contact": lambda: other_base.contact_user,
        "registrar": lambda: user_in("教务"),
        "administrator": lambda: user_in("学院管理员"),
        "superuser": SuperuserFactory,
    }[who]()
    visit = study_visit(bases=[base])

    with pytest.raises(NotTheBaseContact):
        confirm_visit(visit, actual_headcount=28, by=user)

    visit.refresh_from_db()
    assert (visit.actual_headcount, visit.confirmed_at) == (None, None)
    assert not ModelLogEntry.objects.exists()


def test_a_contact_who_left_the_role_may_not_confirm(base, contact):
    contact.groups.clear()
    visit = study_visit(bases=[base])

    with pytest.raises(NotTheBaseContact):
        confirm_visit(visit, actual_headcount=28, by=contact)


def test_a_visit_to_come_cannot_be_confirmed(base, contact):
    visit = study_visit(bases=[base], days_ago=-2)

    with pytest.raises(VisitNotYetHeld):
        confirm_visit(visit, actual_headcount=28, by=contact)


def test_contact_phone_is_normalised_validated_and_masked(site_tree):
    visit = StudyVisit(
        organisation=" 江苏省南京市鼓楼区委组织部 ",
        province="江苏省",
        city="南京市",
        contact_name="周科长",
        contact_phone="+86 139 0000 1234",
        visited_on=datetime.date(2026, 5, 20),
        planned_headcount=30,
    )
    visit.full_clean()

    assert (visit.organisation, visit.contact_phone) == (
        "江苏省南京市鼓楼区委组织部",
        "13900001234",
    )
    assert visit.masked_contact_phone == "139****1234"
    visit.contact_phone = "0535-6688123"
    with pytest.raises(ValidationError) as excinfo:
        visit.full_clean()
    assert "contact_phone" in excinfo.value.error_dict


# -- the admin ------------------------------------------------------------------------------------


def test_the_contact_confirms_from_the_admin(client, base, contact):
    visit = study_visit(bases=[base])
    client.force_login(contact)

    form = client.get(confirm_url(visit))
    response = client.post(confirm_url(visit), {"actual_headcount": "27"})

    assert form.status_code == 200
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.actual_headcount, visit.confirmed_by) == (27, contact)


@pytest.mark.parametrize("group", ["教务", "学院管理员", "基地联系人"])
def test_the_confirm_page_refuses_everybody_else(client, base, other_base, group):
    visit = study_visit(bases=[base])
    client.force_login(other_base.contact_user if group == "基地联系人" else user_in(group))

    answers = [
        client.get(confirm_url(visit)),
        client.post(confirm_url(visit), {"actual_headcount": "27"}),
    ]

    # Wagtail answers a refusal with its dashboard and a message.
    home = reverse("wagtailadmin_home")
    assert [(answer.status_code, answer["Location"]) for answer in answers] == [(302, home)] * 2
    visit.refresh_from_db()
    assert visit.confirmed_at is None


def test_a_contact_lists_only_the_visits_to_their_bases(client, base, other_base, contact):
    study_visit(bases=[base], organisation="南京市鼓楼区委组织部")
    study_visit(bases=[other_base], organisation="青岛市市北区委组织部", serial=501)
    client.force_login(contact)

    html = client.get(reverse("study_visits:index")).content.decode()

    assert "南京市鼓楼区委组织部" in html
    assert "青岛市市北区委组织部" not in html
    assert confirm_url(StudyVisit.objects.get(organisation="南京市鼓楼区委组织部")) in html


def test_staff_list_every_visit_with_masked_phones(client, base, other_base):
    first = study_visit(bases=[base], organisation="南京市鼓楼区委组织部")
    study_visit(bases=[other_base], organisation="青岛市市北区委组织部", serial=501)
    client.force_login(user_in("教务"))

    html = client.get(reverse("study_visits:index")).content.decode()

    assert "南京市鼓楼区委组织部" in html
    assert "青岛市市北区委组织部" in html
    assert first.masked_contact_phone in html
    assert first.contact_phone not in html
    assert confirm_url(first) not in html


def test_staff_record_a_visit_in_the_admin(client, base):
    client.force_login(user_in("教务"))

    response = client.post(
        reverse("study_visits:add"),
        {
            "organisation": "河北省石家庄市长安区委组织部",
            "province": "河北省",
            "city": "石家庄市",
            "contact_name": "赵主任",
            "contact_phone": "139 0000 5678",
            "visited_on": "2026-06-12",
            "bases": [base.pk],
            "planned_headcount": "40",
            "actual_headcount": "",
            "notes": "",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    visit = StudyVisit.objects.get()
    assert (visit.contact_phone, list(visit.bases.all())) == ("13900005678", [base])
    assert ModelLogEntry.objects.filter(action="wagtail.create").count() == 1


def test_staff_edit_a_confirmed_visit_through_the_service(client, base, contact):
    visit = study_visit(bases=[base])
    confirm_visit(visit, actual_headcount=38, by=contact)
    client.force_login(user_in("教务"))
    url = reverse("study_visits:edit", args=[visit.pk])
    fields = {
        "organisation": visit.organisation,
        "province": visit.province,
        "city": visit.city,
        "contact_name": visit.contact_name,
        "contact_phone": visit.contact_phone,
        "visited_on": visit.visited_on.isoformat(),
        "bases": [base.pk],
        "planned_headcount": "40",
        "notes": "",
    }

    response = client.post(url, {**fields, "actual_headcount": ""})

    assert response.status_code == 200
    assert "已确认的来访须保留实到人数。" in response.content.decode()
    visit.refresh_from_db()
    assert visit.actual_headcount == 38
    response = client.post(url, {**fields, "actual_headcount": "39", "notes": "补记"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.actual_headcount, visit.notes, visit.confirmed_by) == (39, "补记", contact)
    assert ModelLogEntry.objects.filter(action="wagtail.edit").count() == 1


def test_export_shows_full_phones_only_to_those_who_may_see_them(client, base):
    visit = study_visit(bases=[base], actual=28)
    answers = {}
    for group in ("教务", "学院管理员"):
        user = user_in(group)
        client.force_login(user)
        response = client.get(reverse("core_imports:export", args=["visits", "csv"]))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        answers[group] = list(csv.reader(io.StringIO(text)))[1][4]

    assert answers == {"教务": visit.contact_phone, "学院管理员": visit.contact_phone}


def test_export_masks_phones_without_the_personal_data_permission(client, base):
    visit = study_visit(bases=[base])
    group = Group.objects.create(name="来访登记")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_studyvisit"),
    )
    user = user_in("来访登记")
    client.force_login(user)

    response = client.get(reverse("core_imports:export", args=["visits", "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert visit.masked_contact_phone in text
    assert visit.contact_phone not in text


def test_visit_listing_runs_the_same_queries_for_one_row_or_many(client, base, other_base):
    client.force_login(user_in("教务"))
    url = reverse("study_visits:index")
    study_visit(bases=[base])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for serial in range(3):
        visit = study_visit(bases=[base, other_base], serial=600 + serial)
        confirm_visit(visit, actual_headcount=20, by=base.contact_user)

    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many.captured_queries) == len(one.captured_queries)
