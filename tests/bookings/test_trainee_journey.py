"""What a trainee needs on the way (issue 10): messages as a person writes them, the waiting-list
position, the private page after cancelling, cohort lists that never count seats of a closed
registration, and the privacy notice every form links to."""

import datetime
import html
import json
import re

import pytest
from django.utils import timezone

from bookings.forms import GroupContactForm, LookupForm, RegistrationForm
from bookings.models import Cohort, Registration
from bookings.services import GroupContact, cancel_registration, register
from tests.factories import SuperuserFactory

from .factories import (
    ApplicantFactory,
    CohortFactory,
    SessionFactory,
    mobile,
    register_trainees,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

Status = Registration.Status
DAY = datetime.timedelta(days=1)
ID_FORMAT = "身份证号应为18位：前17位为数字，最后一位为数字或X。"


def text_of(page: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities and spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def form_data(**fields) -> dict:
    return {
        "name": "张三",
        "phone": "13800138000",
        "unit": "芝罘区向阳街道党工委",
        "consent": "on",
    } | fields


# Messages as a person writes them


def test_a_200_character_name_is_told_the_limit_in_words(client, cohort):
    response = client.post(cohort.get_url(), form_data(name="张" * 200))

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["姓名最多 40 个字。"]}
    assert "姓名最多 40 个字。" in response.content.decode()
    assert "确保" not in response.content.decode()
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"name": "", "phone": "", "unit": ""},
            {"name": "请填写姓名。", "phone": "请填写手机号码。", "unit": "请填写单位。"},
        ),
        ({"phone": "1" * 21}, {"phone": "请输入以1开头的11位手机号码。"}),
        ({"unit": "单" * 121}, {"unit": "单位最多 120 个字。"}),
        ({"position": "职" * 61}, {"position": "职务最多 60 个字。"}),
        ({"party_organisation": "党" * 121}, {"party_organisation": "所在党组织最多 120 个字。"}),
        ({"origin_province": "省" * 21}, {"origin_province": "省份最多 20 个字。"}),
        ({"origin_city": "市" * 31}, {"origin_city": "城市最多 30 个字。"}),
        ({"email": "zhangsan"}, {"email": "请填写正确的电子邮箱，例如 name@example.com。"}),
        ({"id_number": ""}, {"id_number": "请填写身份证号。"}),
        ({"id_number": "1" * 25}, {"id_number": ID_FORMAT}),
    ],
)
def test_registration_form_messages_name_the_field(fields, errors):
    data = form_data(id_number=valid_id_number(7)) | fields
    form = RegistrationForm(data, cohort=Cohort(asks_id_number=True))

    assert not form.is_valid()
    assert {name: messages[0] for name, messages in form.errors.items()} == errors


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"unit": "", "contact_name": "", "contact_phone": ""},
            {
                "unit": "请填写单位。",
                "contact_name": "请填写联系人。",
                "contact_phone": "请填写联系人手机。",
            },
        ),
        ({"unit": "单" * 121}, {"unit": "单位最多 120 个字。"}),
        ({"contact_name": "王" * 41}, {"contact_name": "联系人最多 40 个字。"}),
    ],
)
def test_group_contact_form_messages_name_the_field(fields, errors):
    data = {"unit": "向阳街道", "contact_name": "王老师", "contact_phone": "13900139000"}
    form = GroupContactForm(data | {"consent": "on"} | fields)

    assert not form.is_valid()
    assert {name: messages[0] for name, messages in form.errors.items()} == errors


def test_lookup_form_messages_name_the_field():
    assert LookupForm({"phone": "", "code": ""}).errors == {
        "phone": ["请填写手机号码。"],
        "code": ["请填写报名码。"],
    }
    assert LookupForm({"phone": "13800138000", "code": "A" * 13}).errors == {
        "code": ["报名码是 8 位字母和数字，请核对。"]
    }


def test_api_gives_the_forms_messages(client, cohort):
    response = client.post(
        f"/api/v1/cohorts/{cohort.pk}/registrations/",
        json.dumps({"name": "张" * 200, "phone": "13800138000", "unit": "", "consent": True}),
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )

    assert response.status_code == 400
    assert response.json() == {"name": ["姓名最多 40 个字。"], "unit": ["请填写单位。"]}


def test_api_messages_are_in_english_for_english_clients(client, cohort):
    response = client.post(
        f"/api/v1/cohorts/{cohort.pk}/registrations/",
        json.dumps({"name": "张" * 200, "phone": "13800138000", "unit": "", "consent": True}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert response.json() == {
        "name": ["Name: at most 40 characters."],
        "unit": ["Unit is required."],
    }


# The waiting-list position


def test_waiting_position_counts_in_the_order_the_list_is_promoted(programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    seated, first, second, third = register_trainees(cohort, 4)

    assert [r.waiting_position for r in (seated, first, second, third)] == [None, 1, 2, 3]

    promoted = cancel_registration(seated)

    assert promoted == [first.pk]
    positions = [Registration.objects.get(pk=r.pk).waiting_position for r in (first, second, third)]
    assert positions == [None, 1, 2]


def test_waiting_position_of_a_group_follows_its_rows(programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    register_trainees(cohort, 1)
    group = register(
        cohort.pk,
        applicants=[ApplicantFactory(), ApplicantFactory()],
        source=Registration.Source.GROUP,
    )
    [alone] = register_trainees(cohort, 1)

    assert [r.waiting_position for r in [*group, alone]] == [1, 2, 3]


def test_private_page_shows_the_waiting_position(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    register_trainees(cohort, 1)
    first, second = register_trainees(cohort, 2)

    first_page = text_of(client.get(first.get_absolute_url()).content.decode())
    second_page = text_of(client.get(second.get_absolute_url()).content.decode())

    assert "候补第 1 位" in first_page
    assert "候补第 2 位" in second_page


def test_private_page_of_a_confirmed_registration_shows_no_position(client, cohort):
    [registration] = register_trainees(cohort, 1)

    page = text_of(client.get(registration.get_absolute_url()).content.decode())

    assert "候补第" not in page


# The private page after cancelling

CALENDAR_NOTE = "课表调整时自动更新"
KEEP_CODE = "请保存报名码"


def test_private_page_before_cancelling_has_the_timetable_and_calendar(client, cohort):
    SessionFactory(cohort=cohort, title="党建引领基层治理")
    [registration] = register_trainees(cohort, 1)

    page = client.get(registration.get_absolute_url()).content.decode()

    assert "加入日历" in page
    assert CALENDAR_NOTE in page
    assert KEEP_CODE in page
    assert ">重新报名</a>" not in page


def test_private_page_after_cancelling_says_so_and_offers_to_register_again(client, cohort):
    SessionFactory(cohort=cohort, title="党建引领基层治理")
    [registration] = register_trainees(cohort, 1)

    response = client.post(f"{registration.get_absolute_url()}cancel/", follow=True)

    page = response.content.decode()
    registration.refresh_from_db()
    when = timezone.localtime(registration.cancelled_at).strftime("%Y年%-m月%-d日 %H:%M")
    assert f"您已于 {when} 取消此报名。" in text_of(page)
    assert "您在本班次已不再占有名额。" in page
    assert "加入日历" not in page
    assert CALENDAR_NOTE not in page
    assert KEEP_CODE not in page
    assert "党建引领基层治理" not in page
    assert f'<a class="button" href="{cohort.get_url()}">重新报名</a>' in page
    assert f"{registration.get_absolute_url()}cancel/" not in page


def test_private_page_cancelled_by_staff_says_by_whom(client, cohort):
    [registration] = register_trainees(cohort, 1)

    cancel_registration(registration, by=SuperuserFactory())

    page = text_of(client.get(registration.get_absolute_url()).content.decode())
    assert "学院工作人员已于" in page
    assert "您已于" not in page


def test_private_page_after_cancelling_offers_nothing_once_registration_closed(client, cohort):
    [registration] = register_trainees(cohort, 1)
    cancel_registration(registration)
    Cohort.objects.filter(pk=cohort.pk).update(
        registration_opens_at=timezone.now() - 3 * DAY,
        registration_closes_at=timezone.now() - DAY,
    )

    page = client.get(registration.get_absolute_url()).content.decode()

    assert ">重新报名</a>" not in page


# Cohort lists


@pytest.mark.parametrize(
    ("window", "starts_in", "badge", "shown"),
    [
        ((-3, -1), 30, "报名已截止", None),
        ((-3, -1), -1, "进行中", "报名已截止"),
        ((2, 5), 30, "尚未开始报名", "开始报名"),
    ],
)
def test_cohort_rows_count_no_seats_outside_the_registration_window(
    client, programme, window, starts_in, badge, shown
):
    now = timezone.now()
    starts_on = timezone.localdate() + datetime.timedelta(days=starts_in)
    CohortFactory(
        programme=programme,
        registration_opens_at=now + window[0] * DAY,
        registration_closes_at=now + window[1] * DAY,
        starts_on=starts_on,
        ends_on=starts_on + 3 * DAY,
    )

    for url in ("/programmes/", "/programmes/secretaries/"):
        page = client.get(url).content.decode()
        row = re.search(r'<p class="cohort-row__meta">(.*?)</p>', page, re.S).group(1)
        assert "剩余" not in row
        assert f">{badge}</span>" in row
        seats = re.search(r'<span class="cohort-row__seats">\s*(.*?)\s*</span>', row, re.S)
        if shown is None:
            assert seats is None
        else:
            assert shown in seats.group(1)


# The privacy notice


def test_privacy_notice_says_what_why_how_long_who_and_how_to_withdraw(client, site_tree):
    response = client.get("/privacy/")

    page = text_of(response.content.decode())
    assert response.status_code == 200
    for heading in ("我们收集哪些信息", "用途", "保存多久", "谁能看到", "撤回同意与删除"):
        assert heading in page
    assert "居民身份证号：仅在班次需要时填写" in page
    assert "《个人信息保护法》" in page


def test_privacy_notice_in_english(client, site_tree):
    response = client.get("/en/privacy/")

    assert response.status_code == 200
    assert "What we collect" in response.content.decode()


@pytest.mark.parametrize("path", ["", "group/"])
def test_registration_forms_link_the_privacy_notice_from_the_consent_line(client, cohort, path):
    page = client.get(cohort.get_url() + path).content.decode()

    consent = re.search(r'<label class="field__label" for="id_consent">(.*?)</label>', page, re.S)
    assert '<a href="/privacy/">隐私说明</a>' in consent.group(1)


def test_lookup_page_and_footer_link_the_privacy_notice(client, site_tree):
    page = client.get("/bookings/find/").content.decode()

    assert page.count('href="/privacy/"') == 2


def test_group_page_shows_each_waiting_members_position(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    register_trainees(cohort, 2)  # a seat taken, then the first place on the waiting list
    group = register(
        cohort.pk,
        applicants=[ApplicantFactory(), ApplicantFactory()],
        source=Registration.Source.GROUP,
        group=GroupContact(
            unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=mobile(9)
        ),
    )

    page = text_of(client.get(group[0].group.get_absolute_url()).content.decode())

    assert "候补第 2 位" in page
    assert "候补第 3 位" in page
    assert "候补第 1 位" not in page


def test_api_gives_the_waiting_position_on_registering_and_after(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    register_trainees(cohort, 1)
    body = {"name": "李明", "phone": mobile(77), "unit": "芝罘区", "consent": True}

    answer = client.post(
        f"/api/v1/cohorts/{cohort.pk}/registrations/", body, content_type="application/json"
    ).json()
    registration = Registration.objects.get(code=answer["code"])
    detail = client.get(f"/api/v1/registrations/{registration.token}/").json()

    assert (answer["status"], answer["waiting_position"]) == ("waitlisted", 1)
    assert detail["waiting_position"] == 1
