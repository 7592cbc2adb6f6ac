"""The Wagtail admin: page editors, the organisation snippets and their export."""

import csv
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from core.models import District, Organisation
from courses.models import CourseFormat, CoursePage
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    NewsPageFactory,
    OrganisationFactory,
    StandardPageFactory,
    TrainingBasePageFactory,
    gallery,
    rich_course,
    valid_credit_code,
)

pytestmark = pytest.mark.django_db

ORGANISATIONS_URL = "/admin/snippets/core/organisation/"


@pytest.mark.parametrize(
    "make_page",
    [
        rich_course,
        lambda: LecturerPageFactory(),
        lambda: TrainingBasePageFactory(gallery_images=gallery(2)),
        lambda: NewsPageFactory(),
        lambda: StandardPageFactory(),
    ],
    ids=["course", "lecturer", "base", "news", "standard"],
)
def test_admin_page_edit_view_loads(admin_client, site_tree, make_page):
    page = make_page()

    response = admin_client.get(f"/admin/pages/{page.pk}/edit/")

    assert response.status_code == 200
    assert page.title in response.content.decode()


@pytest.mark.parametrize("index", ["home", "courses", "lecturers", "bases", "news"])
def test_admin_index_page_edit_view_loads(admin_client, site_tree, index):
    page = getattr(site_tree, index)

    assert admin_client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200


def course_form(**fields) -> dict:
    data = {
        "title": "红色物业现场教学",
        "slug": "red-property",
        "format": CourseFormat.ONSITE,
        "study_hours": "2.0",
        "summary": "走进小区，看党建如何引领物业服务。",
        "body": streamfield([]),
        "topic_links": inline_formset([]),
        "lecturer_links": inline_formset([]),
        "materials": inline_formset([]),
        "comments": inline_formset([]),
        "base": "",
        "action-publish": "action-publish",
    }
    data.update(fields)
    return nested_form_data(data)


def test_admin_add_onsite_course_without_base_is_refused(admin_client, site_tree):
    url = f"/admin/pages/add/courses/coursepage/{site_tree.courses.pk}/"

    response = admin_client.post(url, course_form())

    assert response.status_code == 200
    assert "base" in response.context["form"].errors
    assert CoursePage.objects.count() == 0


def test_admin_add_onsite_course_with_base_is_published(admin_client, site_tree):
    base = TrainingBasePageFactory()
    url = f"/admin/pages/add/courses/coursepage/{site_tree.courses.pk}/"

    response = admin_client.post(url, course_form(base=str(base.pk)))

    assert response.status_code == 302
    course = CoursePage.objects.get()
    assert (course.title, course.base_id, course.live) == ("红色物业现场教学", base.pk, True)


def test_admin_organisation_listing_loads(admin_client):
    OrganisationFactory(name="芝罘区幸福社区党委")
    OrganisationFactory(name="莱山区黄海路街道党工委")

    response = admin_client.get(ORGANISATIONS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "芝罘区幸福社区党委" in html
    assert "莱山区黄海路街道党工委" in html


def test_admin_organisation_listing_filters_by_district(admin_client):
    laishan = District.objects.get(slug="laishan")
    OrganisationFactory(name="芝罘区幸福社区党委")
    OrganisationFactory(name="莱山区黄海路街道党工委", district=laishan)

    response = admin_client.get(ORGANISATIONS_URL, {"district": laishan.pk})

    assert [str(item) for item in response.context["object_list"]] == ["莱山区黄海路街道党工委"]


def test_admin_organisation_listing_filters_by_kind(admin_client):
    OrganisationFactory(name="芝罘区幸福社区党委")
    OrganisationFactory(name="烟台红色物业有限公司", kind=Organisation.Kind.ENTERPRISE)

    response = admin_client.get(ORGANISATIONS_URL, {"kind": Organisation.Kind.ENTERPRISE})

    assert [str(item) for item in response.context["object_list"]] == ["烟台红色物业有限公司"]
    assert 'name="kind"' in response.content.decode()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(
        name="芝罘区幸福社区党委",
        kind=Organisation.Kind.COMMUNITY,
        credit_code=valid_credit_code(1),
        address="烟台市芝罘区幸福路1号",
        contact_phone="0535-6688123",
    )


def organisation_export(admin_client, fmt):
    """The organisations listing's export button: the organisations' spreadsheet kind."""
    response = admin_client.get(reverse("core_imports:export", args=["organisations", fmt]))
    assert response.status_code == 200
    assert "单位_" in unquote(response["Content-Disposition"])
    return response


def test_admin_organisation_export_csv(admin_client, organisation):
    response = organisation_export(admin_client, "csv")

    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = csv.reader(io.StringIO(text))
    assert dict(zip(header, row, strict=True)) == {
        "统一社会信用代码": valid_credit_code(1),
        "名称": "芝罘区幸福社区党委",
        "类型": str(Organisation.Kind.COMMUNITY.label),
        "区市": "芝罘区",
        "地址": "烟台市芝罘区幸福路1号",
        "办公电话": "0535-6688123",
    }


def test_admin_organisation_export_xlsx(admin_client, organisation):
    response = organisation_export(admin_client, "xlsx")

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = sheet.iter_rows(values_only=True)
    values = dict(zip(header, row, strict=True))
    assert (values["名称"], values["统一社会信用代码"]) == (
        "芝罘区幸福社区党委",
        valid_credit_code(1),
    )


def test_admin_organisation_create_with_bad_credit_code_is_refused(admin_client):
    response = admin_client.post(
        f"{ORGANISATIONS_URL}add/",
        {"name": "芝罘区幸福社区党委", "kind": "community", "credit_code": "91350100M000100Y44"},
    )

    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["credit_code"]] == [
        "credit_code_check"
    ]
    assert Organisation.objects.count() == 0


def test_admin_organisation_create_normalises_credit_code(admin_client):
    response = admin_client.post(
        f"{ORGANISATIONS_URL}add/",
        {"name": "芝罘区幸福社区党委", "kind": "community", "credit_code": "91350100m000100y43"},
    )

    assert response.status_code == 302
    assert Organisation.objects.get().credit_code == "91350100M000100Y43"


def test_admin_course_edit_clearing_base_of_onsite_course_is_refused(admin_client, site_tree):
    course = CoursePageFactory(
        format=CourseFormat.ONSITE, base=TrainingBasePageFactory(), slug="onsite"
    )

    response = admin_client.post(
        f"/admin/pages/{course.pk}/edit/", course_form(title=course.title, slug="onsite")
    )

    assert response.status_code == 200
    assert "base" in response.context["form"].errors
    course.refresh_from_db()
    assert course.base_id is not None
