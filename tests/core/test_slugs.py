"""Pinyin slugs: pages titled in Chinese get addresses in pinyin, in the admin and in code."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, streamfield

from core.models import StandardPage
from core.slugs import pinyin_slug
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("红色物业专题", "hong-se-wu-ye-zhuan-ti"),
        ("党建引领·创益福山 2025", "dang-jian-yin-ling-chuang-yi-fu-shan-2025"),
        ("“三会一课”制度解读（第2讲）", "san-hui-yi-ke-zhi-du-jie-du-di-2-jiang"),
        ("Party Building 101", "party-building-101"),
        ("——", ""),
    ],
)
def test_pinyin_slug(title, slug):
    assert pinyin_slug(title) == slug


def test_pinyin_slug_stays_readable_for_a_long_title():
    slug = pinyin_slug("党建引领基层治理" * 10)

    assert len(slug) <= 80
    assert slug.startswith("dang-jian-yin-ling-ji-ceng-zhi-li-dang")
    assert not slug.endswith("-")


def test_page_made_in_code_without_a_slug_gets_pinyin_numbered_among_siblings(site_tree):
    first = site_tree.home.add_child(instance=StandardPage(title="红色物业专题"))
    second = site_tree.home.add_child(instance=StandardPage(title="红色物业专题"))

    assert (first.slug, second.slug) == ("hong-se-wu-ye-zhuan-ti", "hong-se-wu-ye-zhuan-ti-2")
    assert first.url == "/hong-se-wu-ye-zhuan-ti/"


def test_page_given_a_chinese_slug_in_code_gets_pinyin(site_tree):
    page = site_tree.home.add_child(instance=StandardPage(title="关于", slug="关于学院"))

    assert page.slug == "guan-yu-xue-yuan"


def test_page_given_a_latin_slug_keeps_it(site_tree):
    page = site_tree.home.add_child(instance=StandardPage(title="关于学院", slug="about"))

    assert page.slug == "about"


def create_in_admin(client, parent, title: str, slug: str):
    client.force_login(SuperuserFactory())
    data = nested_form_data(
        {"title": title, "slug": slug, "introduction": "", "body": streamfield([])}
    )
    return client.post(f"/admin/pages/add/core/standardpage/{parent.pk}/", data)


def test_admin_saves_the_slug_its_script_fills_from_a_chinese_title_as_pinyin(client, site_tree):
    # Wagtail's slug field copies the title as typed (WAGTAIL_ALLOW_UNICODE_SLUGS).
    response = create_in_admin(client, site_tree.home, "红色物业专题", "红色物业专题")

    assert response.status_code == 302
    assert StandardPage.objects.get(title="红色物业专题").slug == "hong-se-wu-ye-zhuan-ti"


def test_admin_numbers_a_pinyin_slug_a_sibling_has(client, site_tree):
    site_tree.home.add_child(instance=StandardPage(title="红色物业专题"))

    response = create_in_admin(client, site_tree.home, "红色物业专题", "红色物业专题")

    assert response.status_code == 302
    assert StandardPage.objects.filter(title="红色物业专题").order_by("pk").last().slug == (
        "hong-se-wu-ye-zhuan-ti-2"
    )
