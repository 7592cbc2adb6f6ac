"""A course's topics and lecturers are picked with searchable choosers (issue 10), not with
multi-select boxes of every topic and all hundred lecturers."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from courses.models import CourseFormat, CoursePage
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    SuperuserFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, site_tree):
    user = SuperuserFactory()
    client.force_login(user)
    return user


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def course_form(course, *, topics, lecturers, **fields) -> dict:
    return nested_form_data(
        {
            "title": course.title,
            "slug": course.slug,
            "format": course.format,
            "study_hours": "2.0",
            "topic_links": inline_formset(
                [{"topic": topic.pk, "ORDER": order} for order, topic in enumerate(topics)]
            ),
            "summary": course.summary,
            "image": course.image_id or "",
            "body": streamfield([]),
            "lecturer_links": inline_formset([{"lecturer": lecturer.pk} for lecturer in lecturers]),
            "base": course.base_id or "",
            "materials": inline_formset([]),
            "comments": inline_formset([]),
            **fields,
        }
    )


def test_course_edit_form_offers_choosers_not_select_boxes(client, editor):
    lecturer = LecturerPageFactory(title="王建国")
    topic = TopicFactory(name="党建引领基层治理")
    course = CoursePageFactory(lecturers=[lecturer], topics=[topic])
    LecturerPageFactory.create_batch(3)

    page = client.get(edit_url(course)).content.decode()

    assert 'name="lecturer_links-TOTAL_FORMS" value="1"' in page
    assert 'name="topic_links-TOTAL_FORMS" value="1"' in page
    # The chosen ones are shown by name in their chooser, and nothing lists every lecturer.
    assert "王建国" in page
    assert "党建引领基层治理" in page
    assert 'name="lecturers"' not in page
    assert 'name="topics"' not in page
    assert "multiple" not in [
        attribute for attribute in page.split() if attribute.startswith("multiple")
    ]


def test_saving_the_course_keeps_the_chosen_topics_and_lecturers_in_order(client, editor):
    first, second = LecturerPageFactory(title="王建国"), LecturerPageFactory(title="李红梅")
    governance, property_ = TopicFactory(name="基层治理"), TopicFactory(name="红色物业")
    course = CoursePageFactory(format=CourseFormat.LECTURE)

    response = client.post(
        edit_url(course),
        course_form(
            course,
            topics=[property_, governance],
            lecturers=[second, first],
            **{"action-publish": "publish"},
        ),
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    course = CoursePage.objects.get(pk=course.pk)
    assert [link.lecturer for link in course.lecturer_links.all()] == [second, first]
    assert [link.topic for link in course.topic_links.all()] == [property_, governance]
    # The readers of the many-to-many fields see the same.
    assert set(course.lecturers.all()) == {first, second}
    assert set(first.courses.all()) == {course}
    assert list(governance.courses.all()) == [course]


def test_a_saved_draft_keeps_its_choices_and_the_live_page_its_own(client, editor):
    lecturer = LecturerPageFactory(title="王建国")
    course = CoursePageFactory()

    response = client.post(edit_url(course), course_form(course, topics=[], lecturers=[lecturer]))

    assert response.status_code == 302
    assert list(CoursePage.objects.get(pk=course.pk).lecturers.all()) == []
    draft = Revision.objects.filter(object_id=str(course.pk)).latest("pk").as_object()
    assert [link.lecturer_id for link in draft.lecturer_links.all()] == [lecturer.pk]


def test_choosing_a_lecturer_twice_is_refused_with_a_message(client, editor):
    lecturer = LecturerPageFactory(title="王建国")
    course = CoursePageFactory()

    response = client.post(
        edit_url(course), course_form(course, topics=[], lecturers=[lecturer, lecturer])
    )

    assert response.status_code == 200
    assert list(CoursePage.objects.get(pk=course.pk).lecturers.all()) == []
    assert response.context["form"].formsets["lecturer_links"].non_form_errors()


def chooser_search(client, query: str) -> str:
    response = client.get(
        reverse("wagtailadmin_choose_page_search"),
        {"q": query, "page_type": "lecturers.lecturerpage"},
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("query", ["王", "王建国", "建国"])
def test_the_lecturer_chooser_finds_a_lecturer_by_chinese_name(client, editor, query):
    LecturerPageFactory(title="王建国")
    LecturerPageFactory(title="李红梅")

    results = chooser_search(client, query)

    assert "王建国" in results
    assert "李红梅" not in results


def test_the_lecturer_chooser_finds_a_two_character_name(client, editor):
    LecturerPageFactory(title="赵敏")
    LecturerPageFactory(title="赵立新")

    results = chooser_search(client, "赵敏")

    assert "赵敏" in results
    assert "赵立新" not in results


def test_the_topic_chooser_searches_topics(client, editor):
    TopicFactory(name="党建引领基层治理")
    TopicFactory(name="红色物业")

    response = client.get(
        reverse("wagtailsnippetchoosers_core_topic:choose_results"), {"q": "物业"}
    )

    assert response.status_code == 200
    assert "红色物业" in response.content.decode()
    assert "党建引领基层治理" not in response.content.decode()


@pytest.mark.parametrize(("group_name", "allowed"), [("内容编辑", True), ("讲师", False)])
def test_the_topic_chooser_answers_only_those_who_may_see_topics(
    client, site_tree, group_name, allowed
):
    TopicFactory(name="红色物业")
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)

    response = client.get(
        reverse("wagtailsnippetchoosers_core_topic:choose_results"), {"q": "物业"}
    )

    if allowed:
        assert "红色物业" in response.content.decode()
    else:
        assert "红色物业" not in response.content.decode()
        assert response.status_code in (302, 403)
