import datetime
import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from bookings.models import Registration, RegistrationGroup
from bookings.services import cancel_registration, register
from core.sms import MemorySMSBackend
from tests.factories import LecturerPageFactory, TrainingBasePageFactory

from .factories import (
    ApplicantFactory,
    CohortFactory,
    ProgrammePageFactory,
    SessionFactory,
    register_trainees,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

Status = Registration.Status
PHONE = "13800138000"
MASKED_PHONE = "138****8000"
MOBILE_ERROR = "请输入以1开头的11位手机号码。"
ID_CHECK_ERROR = "身份证号校验位不正确，请核对。"
TOO_MANY = "来自该网络或号码的尝试过于频繁，请稍等几分钟再试。"


def trainee(**fields) -> dict:
    return {
        "name": "张三",
        "phone": PHONE,
        "unit": "芝罘区向阳街道党工委",
        "position": "支部书记",
        "origin_province": "山东省",
        "origin_city": "烟台市",
    } | fields


def registration_data(**fields) -> dict:
    return trainee(consent="on") | fields


def group_data(trainees: list[dict], *, total: int | None = None, **fields) -> dict:
    data = {
        "unit": "芝罘区向阳街道党工委",
        "contact_name": "王老师",
        "contact_phone": "13900139000",
        "consent": "on",
        "trainee-TOTAL_FORMS": str(len(trainees) if total is None else total),
        "trainee-INITIAL_FORMS": "0",
        "trainee-MIN_NUM_FORMS": "1",
        "trainee-MAX_NUM_FORMS": "30",
    } | fields
    for index, fields_of_one in enumerate(trainees):
        data |= {f"trainee-{index}-{name}": value for name, value in fields_of_one.items()}
    return data


def group_of(count: int) -> list[dict]:
    return [trainee(name=f"学员{n}", phone=f"1370000{n:04d}") for n in range(count)]


def field_errors(page: str, field_id: str) -> list[str]:
    """The errors the form_field include puts right above the field's widget."""
    found = re.search(
        rf'<ul class="field__errors" id="{field_id}_error">(.*?)</ul>\s*(<[^>]*>)',
        page,
        re.S,
    )
    if not found:
        return []
    return [html.unescape(error) for error in re.findall(r"<li>(.*?)</li>", found.group(1))]


def widget_after_errors(page: str, field_id: str) -> str:
    """The tag that follows the field's error list: the widget, or its check box wrapper."""
    found = re.search(
        rf'<ul class="field__errors" id="{field_id}_error">.*?</ul>\s*(<[^>]*>)', page, re.S
    )
    return found.group(1) if found else ""


def seats_shown(page: str) -> int:
    return int(re.search(r'<span class="seats__number">(\d+)</span>', page).group(1))


def urls_in(page: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', page)


def written() -> tuple[int, int]:
    return Registration.objects.count(), RegistrationGroup.objects.count()


@pytest.fixture
def cohort_url(cohort):
    return cohort.get_url()


@pytest.fixture
def group_url(cohort_url):
    return cohort_url + "group/"


# The cohort page


def test_cohort_page_shows_the_timetable_and_the_form(client, cohort, cohort_url):
    lecturer = LecturerPageFactory(title="李教授")
    base = TrainingBasePageFactory(title="向阳街道党群服务中心")
    SessionFactory(cohort=cohort, title="党建引领基层治理", lecturers=[lecturer], base=base)

    response = client.get(cohort_url)

    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "bookings/cohort_page.html"
    assert "党建引领基层治理" in page
    assert "李教授" in page
    assert "向阳街道党群服务中心 学院301教室" in page
    assert re.search(r'<form [^>]*method="post"', page)
    assert 'name="phone"' in page
    assert 'name="consent"' in page
    assert 'name="id_number"' not in page
    assert seats_shown(page) == 10


def test_cohort_page_asks_for_the_id_number_when_the_cohort_does(client, programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)

    page = client.get(cohort.get_url()).content.decode()

    assert 'name="id_number"' in page


def test_cohort_page_of_another_programme_is_not_found(client, cohort, programme_index):
    other = ProgrammePageFactory(slug="other")

    response = client.get(f"{other.url}cohorts/{cohort.pk}/")

    assert response.status_code == 404


def test_cohort_page_shows_no_form_once_registration_closed(client, programme):
    now = timezone.now()
    cohort = CohortFactory(
        programme=programme,
        registration_opens_at=now - datetime.timedelta(days=5),
        registration_closes_at=now - datetime.timedelta(days=1),
    )

    page = client.get(cohort.get_url()).content.decode()

    assert 'name="phone"' not in page


def decision_button(page: str) -> str | None:
    """The words of the one button at the top of the cohort page, or None without one."""
    found = re.search(r'<a class="button button--block" href="#registration">(.*?)</a>', page)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    ("cohort_fields", "registered", "button", "form_shown"),
    [
        ({"capacity": 2}, 1, "立即报名", True),
        ({"capacity": 2, "requires_approval": True}, 1, "报名需审核", True),
        ({"capacity": 1}, 1, "加入候补", True),
        ({"capacity": 1, "waitlist_capacity": 1}, 1, "加入候补", True),
        ({"capacity": 1, "waitlist_capacity": 1}, 2, None, False),
        ({"capacity": 1, "waitlist_enabled": False}, 1, None, False),
    ],
)
def test_cohort_page_offers_what_a_new_registration_would_get(
    client, programme, cohort_fields, registered, button, form_shown
):
    cohort = CohortFactory(programme=programme, **cohort_fields)
    register_trainees(cohort, registered)

    page = client.get(cohort.get_url()).content.decode()

    assert decision_button(page) == button
    assert ('name="phone"' in page) is form_shown
    assert ('<p class="notice__title">名额已满</p>' in page) is (button is None)
    if form_shown:
        submit = re.search(r'<button class="button" type="submit">(.*?)</button>', page)
        assert submit.group(1) == button


def test_cohort_page_puts_the_decision_before_the_form_and_the_panels(client, programme):
    cohort = CohortFactory(
        programme=programme,
        contact_name="王老师",
        contact_phone="0535-6688123",
        registration_closes_at=datetime.datetime(2099, 3, 1, 1, 30, tzinfo=datetime.UTC),
    )

    page = client.get(cohort.get_url()).content.decode()

    decision = page.index('class="decision panel"')
    assert decision < page.index('id="registration-form"') < page.index('id="cohort-contact"')
    assert page.index('id="registration-form"') < page.index('id="cohort-calendar"')
    top = page[decision : page.index('id="registration-form"')]
    assert "报名截止" in top
    # 01:30 UTC is 09:30 in Asia/Shanghai.
    assert "2099年3月1日 09:30" in top
    assert "无需审核" in top
    assert seats_shown(top) == 10


def test_cohort_page_says_staff_approve(client, programme):
    cohort = CohortFactory(programme=programme, requires_approval=True)

    page = client.get(cohort.get_url()).content.decode()

    assert "报名需经学院审核" in page
    assert decision_button(page) == "报名需审核"


@pytest.mark.parametrize(("ends_in_days", "finished"), [(-1, True), (0, False)])
def test_cohort_page_says_finished_once_the_last_day_is_over(
    client, programme, ends_in_days, finished
):
    today = timezone.localdate()
    cohort = CohortFactory(
        programme=programme,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=ends_in_days),
    )

    page = client.get(cohort.get_url()).content.decode()

    assert ("本班次已结束" in page) is finished
    assert ('class="seats__number"' in page) is not finished
    assert ('name="phone"' in page) is not finished


# Registering


def test_register_redirects_to_the_private_page_with_code_and_status(client, cohort, cohort_url):
    response = client.post(cohort_url, registration_data())

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/r/{registration.token}/"
    private = client.get(response["Location"])
    page = private.content.decode()
    assert private.status_code == 200
    assert registration.code in page
    assert '<span class="badge badge--lg badge--confirmed">已确认</span>' in page
    assert registration.status == Status.CONFIRMED
    assert registration.source == Registration.Source.WEB


def test_register_with_a_bad_phone_is_refused_next_to_the_field(client, cohort, cohort_url):
    response = client.post(cohort_url, registration_data(phone="12345"))

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors == {"phone": [MOBILE_ERROR]}
    assert field_errors(page, "id_phone") == [MOBILE_ERROR]
    assert 'name="phone"' in widget_after_errors(page, "id_phone")
    assert written() == (0, 0)


def test_register_with_a_wrong_id_check_digit_is_refused_next_to_the_field(client, programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)
    good = valid_id_number(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")

    response = client.post(cohort.get_url(), registration_data(id_number=wrong))

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors == {"id_number": [ID_CHECK_ERROR]}
    assert field_errors(page, "id_id_number") == [ID_CHECK_ERROR]
    assert 'name="id_number"' in widget_after_errors(page, "id_id_number")
    assert written() == (0, 0)


def test_register_keeps_a_valid_id_number(client, programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)

    response = client.post(cohort.get_url(), registration_data(id_number=valid_id_number(7)))

    assert response.status_code == 302
    assert Registration.objects.get().id_number == valid_id_number(7)


def test_register_without_consent_is_refused_next_to_the_field(client, cohort, cohort_url):
    data = registration_data()
    del data["consent"]

    response = client.post(cohort_url, data)

    message = "请同意学院使用您的个人信息。"
    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors == {"consent": [message]}
    assert field_errors(page, "id_consent") == [message]
    assert written() == (0, 0)


def test_register_accepts_full_width_digits_and_spaces(client, cohort, cohort_url):
    response = client.post(cohort_url, registration_data(phone="１３８ ００１３ ８０００"))

    assert response.status_code == 302
    assert Registration.objects.get().phone == "13800138000"


def test_register_twice_with_one_phone_is_refused(client, cohort, cohort_url):
    client.post(cohort_url, registration_data())

    response = client.post(cohort_url, registration_data(name="李四"))

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "以下手机号码已报名本班次：138****8000。"
    ]
    assert written() == (1, 0)


def test_register_when_full_without_a_waiting_list_says_so(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1, waitlist_enabled=False)
    register_trainees(cohort, 1)
    # The form is not shown once the cohort is full; a page loaded before still posts.

    response = client.post(cohort.get_url(), registration_data())

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == ["名额已满。"]
    # The page now shows the "full" notice in place of the form.
    assert '<p class="notice__title">名额已满</p>' in response.content.decode()
    assert 'name="phone"' not in response.content.decode()
    assert written() == (1, 0)


def test_cohort_page_is_never_cached_for_anonymous_visitors(client, cohort, cohort_url):
    visitor = Client()
    before = visitor.get(cohort_url)

    client.post(cohort_url, registration_data())
    after = visitor.get(cohort_url)

    assert seats_shown(before.content.decode()) == 10
    assert seats_shown(after.content.decode()) == 9
    assert "no-store" in after["Cache-Control"]


def test_cohort_page_gives_every_visitor_a_working_csrf_token(cohort, cohort_url):
    Client().get(cohort_url)
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(cohort_url)

    response = visitor.post(
        cohort_url,
        registration_data(csrfmiddlewaretoken=visitor.cookies["csrftoken"].value),
    )

    assert response.status_code == 302
    assert written() == (1, 0)


# Group registration


def test_group_registration_redirects_to_the_groups_own_page(client, cohort, group_url):
    response = client.post(group_url, group_data(group_of(3)))

    group = RegistrationGroup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/g/{group.token}/"
    assert len(group.token) >= 40
    registrations = list(Registration.objects.order_by("phone"))
    assert [registration.phone for registration in registrations] == [
        "13700000000",
        "13700000001",
        "13700000002",
    ]
    assert {registration.group_id for registration in registrations} == {group.pk}
    assert {registration.status for registration in registrations} == {Status.CONFIRMED}
    assert {registration.source for registration in registrations} == {Registration.Source.GROUP}
    assert (group.unit, group.contact_name, group.contact_phone, group.contact_email) == (
        "芝罘区向阳街道党工委",
        "王老师",
        "13900139000",
        "",
    )


def test_group_page_lists_every_trainee_with_code_status_and_link(client, cohort, group_url):
    response = client.post(group_url, group_data(group_of(3)), follow=True)

    page = response.content.decode()
    registrations = list(Registration.objects.order_by("pk"))
    assert response.status_code == 200
    assert response.templates[0].name == "bookings/group_page.html"
    assert "团体报名已提交。" in page
    for registration in registrations:
        assert registration.name in page
        assert registration.code in page
        assert registration.masked_phone in page
        assert registration.phone not in page
        assert f'href="/bookings/r/{registration.token}/"' in page
    assert page.count("已确认") == 3
    assert response["X-Robots-Tag"] == "noindex"


def test_group_page_reloaded_registers_nobody_again(client, cohort, group_url):
    client.post(group_url, group_data(group_of(2)))
    group = RegistrationGroup.objects.get()

    first = client.get(group.get_absolute_url())
    again = client.get(group.get_absolute_url())

    assert (first.status_code, again.status_code) == (200, 200)
    assert written() == (2, 1)
    assert "团体报名已提交。" in first.content.decode()
    assert "团体报名已提交。" not in again.content.decode()


def test_group_page_shows_each_trainees_status_as_it_changes(client, cohort, group_url):
    client.post(group_url, group_data(group_of(2)))
    group = RegistrationGroup.objects.get()
    cancel_registration(group.registrations.order_by("pk").first(), by=None)

    page = client.get(group.get_absolute_url()).content.decode()

    assert (page.count("已确认"), page.count("已取消")) == (1, 1)


def test_group_page_for_an_unknown_token_is_not_found(client, cohort, group_url):
    client.post(group_url, group_data(group_of(1)))

    assert client.get("/bookings/g/not-a-token/").status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_group_page_runs_the_same_queries_for_any_size(
    client, cohort, group_url, count, django_assert_num_queries
):
    client.post(group_url, group_data(group_of(count)))
    url = RegistrationGroup.objects.get().get_absolute_url()
    client.get(url)  # the header's and footer's cache warm, the message shown

    # The group with its cohort and programme, the request's site (the header's), then the
    # group's registrations.
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200


def test_group_registration_stores_the_groups_unit_on_every_trainee(client, cohort, group_url):
    trainees = group_of(2)
    trainees[1]["unit"] = "另一个单位"  # not a field of a row: ignored

    client.post(group_url, group_data(trainees, unit="  福山区清洋街道党工委 "))

    assert {registration.unit for registration in Registration.objects.all()} == {
        "福山区清洋街道党工委"
    }
    assert RegistrationGroup.objects.get().unit == "福山区清洋街道党工委"


def test_group_registration_asks_for_the_unit_once(client, cohort, group_url):
    page = client.get(group_url).content.decode()

    assert page.count('name="unit"') == 1
    assert 'name="trainee-0-unit"' not in page
    assert 'name="contact_email"' in page


def test_group_contact_is_texted_the_groups_page(
    client, cohort, group_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(group_url, group_data(group_of(2)))
    group = RegistrationGroup.objects.get()

    [to_contact] = [message for phone, message in MemorySMSBackend.outbox if phone == "13900139000"]
    assert f"http://testserver/bookings/g/{group.token}/" in to_contact
    assert "王老师" in to_contact
    assert "芝罘区向阳街道党工委" in to_contact
    assert sorted(phone for phone, _message in MemorySMSBackend.outbox) == [
        "13700000000",
        "13700000001",
        "13900139000",
    ]
    assert mail.outbox == []


def test_group_contact_with_an_address_is_mailed_the_groups_page_too(
    client, cohort, group_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(group_url, group_data(group_of(2), contact_email="wang@example.org"))
    group = RegistrationGroup.objects.get()

    [email] = mail.outbox
    assert email.to == ["wang@example.org"]
    assert email.subject == f"团体报名已提交：{cohort}"
    assert f"http://testserver/bookings/g/{group.token}/" in email.body
    assert email.attachments == []


def test_group_registration_page_shows_the_forms(client, cohort, group_url):
    response = client.get(group_url + "?size=4")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="trainee-TOTAL_FORMS"' in page
    assert 'name="trainee-3-phone"' in page
    assert 'name="trainee-4-phone"' not in page
    # The empty row the script copies, the script, and the link that works without it.
    assert 'name="trainee-__prefix__-phone"' in page
    assert '<script src="/static/js/group-rows.js" defer></script>' in page
    assert 'href="?size=7"' in page


def test_group_registration_page_never_offers_more_rows_than_allowed(
    client, settings, cohort, group_url
):
    settings.BOOKINGS_MAX_GROUP_SIZE = 4

    page = client.get(group_url + "?size=100").content.decode()

    assert 'name="trainee-3-phone"' in page
    assert 'name="trainee-4-phone"' not in page
    assert 'name="trainee-MAX_NUM_FORMS" value="4"' in page
    assert 'href="?size=' not in page
    assert "每个团体最多 4 名学员。" in page


def test_group_registration_with_a_tampered_form_count_is_refused(client, cohort, group_url):
    response = client.post(group_url, group_data(group_of(3), total=1000))

    assert response.status_code == 400
    assert written() == (0, 0)


def test_group_registration_larger_than_allowed_is_refused(client, settings, cohort, group_url):
    settings.BOOKINGS_MAX_GROUP_SIZE = 4

    response = client.post(group_url, group_data(group_of(5)))

    assert response.status_code == 400
    assert response.context["formset"].non_form_errors() == ["请最多提交 4 个表单。"]
    assert written() == (0, 0)


def test_group_registration_with_one_phone_twice_is_refused(client, cohort, group_url):
    trainees = [trainee(name="张三"), trainee(name="李四")]

    response = client.post(group_url, group_data(trainees))

    assert response.status_code == 400
    assert response.context["formset"].non_form_errors() == ["每位学员须填写各自的手机号码。"]
    assert written() == (0, 0)


def test_group_registration_exceeding_the_seats_without_a_list_is_refused(client, programme):
    cohort = CohortFactory(programme=programme, capacity=2, waitlist_enabled=False)

    response = client.post(cohort.get_url() + "group/", group_data(group_of(3)))

    page = response.content.decode()
    assert response.status_code == 409
    assert response.context["contact_form"].non_field_errors() == ["名额已满。"]
    assert "名额已满。" in page
    assert written() == (0, 0)


def test_group_registration_with_a_bad_trainee_phone_is_refused(client, cohort, group_url):
    trainees = group_of(3)
    trainees[1]["phone"] = "12345"

    response = client.post(group_url, group_data(trainees))

    assert response.status_code == 400
    assert response.context["formset"].errors[1] == {"phone": [MOBILE_ERROR]}
    assert MOBILE_ERROR in response.content.decode()
    assert written() == (0, 0)


# The private page, cancellation and look-up


def test_private_page_for_an_unknown_token_is_not_found(client, cohort):
    register_trainees(cohort, 1)

    response = client.get("/bookings/r/not-a-token-anyone-was-given/")

    assert response.status_code == 404


def test_private_page_is_not_indexed_nor_cached(client, cohort):
    [registration] = register_trainees(cohort, 1)

    response = client.get(registration.get_absolute_url())

    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_private_page_never_shows_the_phone_unmasked(client, cohort, cohort_url):
    response = client.post(cohort_url, registration_data(), follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert PHONE not in page
    assert MASKED_PHONE in page
    assert all(PHONE not in url for url in urls_in(page))
    assert all(PHONE not in url for url, _status in response.redirect_chain)


def test_cancel_by_post_frees_the_seat(client, cohort, cohort_url):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory()])

    response = client.post(f"{registration.get_absolute_url()}cancel/")

    registration.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == registration.get_absolute_url()
    assert registration.status == Status.CANCELLED
    assert seats_shown(client.get(cohort_url).content.decode()) == 10


def test_cancel_promotes_the_first_waitlisted(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    [seated, first, second] = register_trainees(cohort, 3)

    client.post(f"{seated.get_absolute_url()}cancel/")

    assert [
        Registration.objects.get(pk=registration.pk).status
        for registration in (seated, first, second)
    ] == [Status.CANCELLED, Status.CONFIRMED, Status.WAITLISTED]


def test_cancel_by_get_is_not_allowed(client, cohort):
    [registration] = register_trainees(cohort, 1)

    response = client.get(f"{registration.get_absolute_url()}cancel/")

    registration.refresh_from_db()
    assert response.status_code == 405
    assert registration.status == Status.CONFIRMED


def test_cancel_twice_says_it_can_no_longer_be_changed(client, cohort):
    [registration] = register_trainees(cohort, 1)
    cancel_registration(registration)

    response = client.post(f"{registration.get_absolute_url()}cancel/", follow=True)

    assert [str(message) for message in response.context["messages"]] == ["该报名已无法更改。"]
    assert Registration.objects.get().status == Status.CANCELLED


def test_lookup_by_phone_and_code_redirects_to_the_private_page(client, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])

    response = client.post(
        "/bookings/find/", {"phone": "１３８ ００１３ ８０００", "code": registration.code.lower()}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/bookings/r/{registration.token}/"
    assert PHONE not in response["Location"]


def test_lookup_with_a_wrong_code_says_nothing_matches(client, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    wrong = "3333333" + ("4" if registration.code != "33333334" else "6")

    response = client.post("/bookings/find/", {"phone": PHONE, "code": wrong})

    assert response.status_code == 404
    assert response.context["form"].non_field_errors() == ["没有与该手机号码和报名码相符的报名。"]
    assert "没有与该手机号码和报名码相符的报名。" in response.content.decode()


def test_lookup_page_shows_the_form(client):
    response = client.get("/bookings/find/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="phone"' in page
    assert 'name="code"' in page


# A lost code

CODE_SENT = "如果该手机号有报名记录，我们已发送短信。"
RESEND_URL = "/bookings/find/code/"


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_lookup_page_offers_to_send_a_lost_code(client):
    page = client.get("/bookings/find/").content.decode()

    assert "忘记报名码？" in page
    assert f'action="{RESEND_URL}#lost-code"' in page
    assert 'name="resend-phone"' in page


def test_lost_code_is_texted_with_the_private_link(
    client, programme, django_capture_on_commit_callbacks
):
    first, second = CohortFactory(programme=programme), CohortFactory(programme=programme)
    [one] = register(first.pk, applicants=[ApplicantFactory(phone=PHONE)])
    [two] = register(second.pk, applicants=[ApplicantFactory(phone=PHONE, email="li@example.org")])
    MemorySMSBackend.outbox.clear()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND_URL, {"resend-phone": "+86 138 0013 8000"})

    assert response.status_code == 302
    assert response["Location"] == "/bookings/find/"
    assert [phone for phone, _message in MemorySMSBackend.outbox] == [PHONE, PHONE]
    for registration, (_phone, message) in zip((one, two), MemorySMSBackend.outbox, strict=True):
        assert f"报名码：{registration.code}" in message
        assert f"http://testserver/bookings/r/{registration.token}/" in message
    [email] = mail.outbox
    assert (email.to, email.attachments) == (["li@example.org"], [])
    assert two.code in email.body


def test_lost_code_is_not_sent_for_a_cancelled_registration(
    client, programme, django_capture_on_commit_callbacks
):
    cancelled, active = CohortFactory(programme=programme), CohortFactory(programme=programme)
    [gone] = register(cancelled.pk, applicants=[ApplicantFactory(phone=PHONE)])
    cancel_registration(gone, by=None)
    [kept] = register(active.pk, applicants=[ApplicantFactory(phone=PHONE)])
    MemorySMSBackend.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESEND_URL, {"resend-phone": PHONE})

    [(_phone, message)] = MemorySMSBackend.outbox
    assert kept.code in message
    assert gone.code not in message


def test_lost_code_answers_alike_whether_or_not_the_number_registered(
    client, cohort, django_capture_on_commit_callbacks
):
    register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    MemorySMSBackend.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registered = client.post(RESEND_URL, {"resend-phone": PHONE})
        registered_page = client.get(registered["Location"])
        unknown = client.post(RESEND_URL, {"resend-phone": "13900000000"})
        unknown_page = client.get(unknown["Location"])

    assert (registered.status_code, unknown.status_code) == (302, 302)
    assert registered["Location"] == unknown["Location"] == "/bookings/find/"
    assert registered_page.status_code == unknown_page.status_code == 200
    assert without_csrf(registered_page.content.decode()) == without_csrf(
        unknown_page.content.decode()
    )
    assert CODE_SENT in unknown_page.content.decode()
    assert [phone for phone, _message in MemorySMSBackend.outbox] == [PHONE]


def test_lost_code_leaves_one_audit_entry_a_registration_without_the_phone(client, programme):
    first, second = CohortFactory(programme=programme), CohortFactory(programme=programme)
    registrations = [
        register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])[0]
        for cohort in (first, second)
    ]

    client.post(RESEND_URL, {"resend-phone": PHONE})

    entries = ModelLogEntry.objects.filter(action="bookings.registration.resend_code")
    assert sorted(int(entry.object_id) for entry in entries) == sorted(
        registration.pk for registration in registrations
    )
    assert {entry.user_id for entry in entries} == {None}
    assert all(PHONE not in f"{entry.label} {entry.data}" for entry in entries)


def test_lost_code_with_a_bad_number_is_refused_next_to_the_field(client, cohort):
    response = client.post(RESEND_URL, {"resend-phone": "12345"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "id_resend-phone") == [MOBILE_ERROR]
    assert '<details class="panel lost-code" id="lost-code" open>' in (response.content.decode())
    assert MemorySMSBackend.outbox == []


def test_lost_code_by_get_is_not_allowed(client):
    assert client.get(RESEND_URL).status_code == 405


@pytest.mark.parametrize("registered", [True, False])
def test_lost_code_rate_limited_per_phone_alike_for_any_number(
    client, settings, cohort, registered
):
    settings.BOOKINGS_RESEND_RATE_PER_PHONE = "2/h"
    if registered:
        register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    for n in range(2):
        client.post(RESEND_URL, {"resend-phone": PHONE}, REMOTE_ADDR=f"10.0.0.{n}")
    MemorySMSBackend.outbox.clear()

    response = client.post(RESEND_URL, {"resend-phone": "138-0013-8000"}, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert response.context["resend_form"].non_field_errors() == [TOO_MANY]
    assert MemorySMSBackend.outbox == []


def test_lost_code_rate_limited_per_ip(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "2/m"
    for n in range(2):
        client.post(RESEND_URL, {"resend-phone": f"1390000000{n}"})

    response = client.post(RESEND_URL, {"resend-phone": "13900000009"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert TOO_MANY in response.content.decode()


# Anti-automation


def test_register_rate_limited_per_ip(client, settings, cohort, cohort_url):
    settings.BOOKINGS_RATE_PER_IP = "3/m"
    for n in range(3):
        assert client.post(cohort_url, registration_data(phone=f"1380000000{n}")).status_code == 302

    response = client.post(cohort_url, registration_data(phone="13800000009"))

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert TOO_MANY in response.content.decode()
    assert written() == (3, 0)


def test_register_rate_limited_per_phone(client, settings, cohort, cohort_url):
    settings.BOOKINGS_RATE_PER_PHONE = "2/h"
    unconsented = registration_data()
    del unconsented["consent"]
    for n in range(2):
        client.post(cohort_url, unconsented, REMOTE_ADDR=f"10.0.0.{n}")

    full_width = registration_data(phone="１３８ ００１３ ８０００")

    response = client.post(cohort_url, full_width, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert written() == (0, 0)


def test_lookup_rate_limited_per_ip(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "3/m"
    for _ in range(3):
        client.post("/bookings/find/", {"phone": PHONE, "code": "33333333"})

    response = client.post("/bookings/find/", {"phone": PHONE, "code": "33333333"})

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY]
