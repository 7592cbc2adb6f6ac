from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from bases.models import TrainingBaseCategory, TrainingBasePage
from core.models import District
from courses.models import CourseFormat
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    TopicFactory,
    TrainingBasePageFactory,
    gallery,
    rich_course,
)

pytestmark = pytest.mark.django_db

BASE_INDEX_QUERIES = 13
# One of them for the next sessions, which bookings adds through the section hook.
BASE_PAGE_QUERIES = 15


def shown(response) -> set[str]:
    return {base.title for base in response.context["bases_page"]}


@pytest.fixture
def bases(site_tree):
    laishan, zhifu = District.objects.get(slug="laishan"), District.objects.get(slug="zhifu")
    TrainingBasePageFactory(
        title="莱山区红色物业服务中心", district=laishan, category=TrainingBaseCategory.RED_PROPERTY
    )
    TrainingBasePageFactory(
        title="莱山区黄海社区", district=laishan, category=TrainingBaseCategory.COMMUNITY
    )
    TrainingBasePageFactory(
        title="芝罘区红色物业示范点", district=zhifu, category=TrainingBaseCategory.RED_PROPERTY
    )
    TrainingBasePageFactory(
        title="莱山区未开放基地",
        district=laishan,
        category=TrainingBaseCategory.RED_PROPERTY,
        live=False,
    )


ALL_BASES = {"莱山区红色物业服务中心", "莱山区黄海社区", "芝罘区红色物业示范点"}


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ALL_BASES),
        ("?district=laishan&category=red_property", {"莱山区红色物业服务中心"}),
        ("?district=laishan", {"莱山区红色物业服务中心", "莱山区黄海社区"}),
        ("?category=red_property", {"莱山区红色物业服务中心", "芝罘区红色物业示范点"}),
        ("?district=fushan", set()),
        ("?district=nope&category=nope", ALL_BASES),
        ("?district=nope&category=community", {"莱山区黄海社区"}),
    ],
)
def test_base_index_filters(client, bases, query, titles):
    response = client.get(f"/bases/{query}")

    assert response.status_code == 200
    assert shown(response) == titles


def test_base_index_lists_all_fifteen_districts_in_order(client, bases):
    response = client.get("/bases/")

    districts = response.context["districts"]
    assert len(districts) == 15
    assert [district.slug for district in districts[:4]] == [
        "zhifu",
        "fushan",
        "muping",
        "laishan",
    ]


def test_base_index_orders_by_district(client, bases):
    response = client.get("/bases/")

    assert [base.district.slug for base in response.context["bases_page"]] == [
        "zhifu",
        "laishan",
        "laishan",
    ]


@pytest.mark.parametrize(("page", "number", "count"), [("999", 2, 1), ("abc", 1, 12)])
def test_base_index_bad_page_numbers_fall_back(client, site_tree, page, number, count):
    for _ in range(13):
        TrainingBasePageFactory()

    response = client.get(f"/bases/?page={page}")

    bases_page = response.context["bases_page"]
    assert (bases_page.number, len(bases_page)) == (number, count)


def test_base_index_query_count_constant(site_tree, count_queries):
    TrainingBasePageFactory(gallery_images=gallery(2))
    one = count_queries("/bases/")
    for _ in range(19):
        TrainingBasePageFactory(gallery_images=gallery(2))

    assert (one, count_queries("/bases/")) == (BASE_INDEX_QUERIES, BASE_INDEX_QUERIES)


def test_base_page_shows_gallery_and_live_courses(client, site_tree):
    base = TrainingBasePageFactory(title="幸福社区", gallery_images=gallery(2))
    CoursePageFactory(title="现场教学一", format=CourseFormat.ONSITE, base=base)
    CoursePageFactory(title="现场教学草稿", format=CourseFormat.ONSITE, base=base, live=False)

    response = client.get(base.url)

    assert response.status_code == 200
    assert [item.caption for item in response.context["gallery"]] == ["现场照片0", "现场照片1"]
    assert [course.title for course in response.context["courses"]] == ["现场教学一"]


def test_base_page_query_count_constant(site_tree, count_queries):
    base = TrainingBasePageFactory(gallery_images=gallery(1))
    rich_course(base=base)
    one = count_queries(base.url)
    base = TrainingBasePageFactory(gallery_images=gallery(20))
    shared = {"lecturers": [LecturerPageFactory()], "topics": [TopicFactory()], "materials": []}
    for _ in range(20):
        rich_course(base=base, **shared)

    assert (one, count_queries(base.url)) == (BASE_PAGE_QUERIES, BASE_PAGE_QUERIES)


def test_base_clean_latitude_without_longitude_fails(site_tree):
    base = TrainingBasePageFactory()
    base.latitude = Decimal("37.463822")

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            base.full_clean()

        assert excinfo.value.messages == [
            "Give both latitude and longitude, or neither.",
            "Constraint “base_coordinates_both_or_neither” is violated.",
        ]


def test_base_clean_longitude_without_latitude_fails(site_tree):
    base = TrainingBasePageFactory()
    base.longitude = Decimal("121.447935")

    with pytest.raises(ValidationError):
        base.full_clean()


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(None, None), (Decimal("37.463822"), Decimal("121.447935"))]
)
def test_base_clean_both_or_neither_passes(site_tree, latitude, longitude):
    base = TrainingBasePageFactory(latitude=latitude, longitude=longitude)

    assert base.full_clean() is None


def test_base_coordinates_constraint_holds_in_the_database(site_tree):
    base = TrainingBasePageFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingBasePage.objects.filter(pk=base.pk).update(latitude=Decimal("37.463822"))


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(Decimal("90.5"), Decimal("121")), (Decimal("37"), Decimal("-181"))]
)
def test_base_clean_coordinates_out_of_range_fail(site_tree, latitude, longitude):
    base = TrainingBasePageFactory()
    base.latitude, base.longitude = latitude, longitude

    with pytest.raises(ValidationError) as excinfo:
        base.full_clean()

    assert set(excinfo.value.message_dict) <= {"latitude", "longitude"}


def test_base_map_url_with_coordinates(site_tree):
    base = TrainingBasePageFactory(
        title="幸福社区", latitude=Decimal("37.463822"), longitude=Decimal("121.447935")
    )

    url = urlsplit(base.map_url)

    assert (url.netloc, url.path) == ("uri.amap.com", "/marker")
    assert parse_qs(url.query) == {
        "position": ["121.447935,37.463822"],
        "name": ["幸福社区"],
        "coordinate": ["wgs84"],
        "callnative": ["1"],
    }


def test_base_map_url_without_coordinates_searches_the_address(site_tree):
    base = TrainingBasePageFactory(title="幸福社区", address="芝罘区幸福街道")

    url = urlsplit(base.map_url)

    assert (url.netloc, url.path) == ("uri.amap.com", "/search")
    assert parse_qs(url.query) == {"keyword": ["芝罘区幸福街道 幸福社区"], "city": ["烟台"]}
