"""The course review workflow (课程发布审核) that every course index assigns."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Workflow, WorkflowPage, WorkflowState

from courses.models import CourseIndexPage
from courses.signals import COURSE_WORKFLOW_NAME
from tests.factories import CoursePageFactory, LecturerPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def moderator(db):
    user = UserFactory(username="moderator")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def draft_course(site_tree, editor):
    course = CoursePageFactory(title="党建引领基层治理", live=False, owner=editor)
    course.save_revision(user=editor)
    return course


def test_course_workflow_created_by_migration(db):
    course_workflow = Workflow.objects.get(name=COURSE_WORKFLOW_NAME)

    tasks = [task.specific for task in course_workflow.tasks.all()]
    assert course_workflow.active is True
    assert [task.name for task in tasks] == ["课程内容审核"]
    assert [group.name for group in tasks[0].groups.all()] == ["Moderators"]


def test_course_index_creation_assigns_workflow(site_tree):
    workflow_page = WorkflowPage.objects.get(page=site_tree.courses)

    assert workflow_page.workflow.name == COURSE_WORKFLOW_NAME


def test_course_under_the_index_inherits_workflow(site_tree):
    course = CoursePageFactory()

    assert course.get_workflow().name == COURSE_WORKFLOW_NAME


def test_other_pages_keep_wagtails_default_workflow(site_tree):
    lecturer = LecturerPageFactory()

    assert lecturer.get_workflow().name == "页面发布审核"


def test_course_index_resave_keeps_one_assignment(site_tree):
    site_tree.courses.title = "名课堂"
    site_tree.courses.save_revision().publish()

    assert WorkflowPage.objects.filter(page=site_tree.courses).count() == 1


def test_course_index_gets_no_course_workflow_once_deactivated(site_tree):
    site_tree.courses.get_workflow().deactivate()
    site_tree.courses.delete()

    index = site_tree.home.add_child(instance=CourseIndexPage(title="名课", slug="courses"))

    assert index.get_workflow().name == "页面发布审核"


def test_editor_cannot_publish_a_course(draft_course, editor):
    assert draft_course.permissions_for_user(editor).can_publish() is False


def test_editor_submission_waits_for_review(draft_course, editor):
    workflow = draft_course.get_workflow()

    state = workflow.start(draft_course, editor)

    draft_course.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == "课程内容审核"
    assert draft_course.live is False
    assert WorkflowState.objects.active().for_instance(draft_course).get() == state


def test_editor_cannot_approve_own_submission(draft_course, editor, moderator):
    state = draft_course.get_workflow().start(draft_course, editor)
    task = state.current_task_state.task.specific

    assert task.get_actions(draft_course, editor) == []
    assert [action for action, _, _ in task.get_actions(draft_course, moderator)] == [
        "reject",
        "approve",
        "approve",
    ]


def test_moderator_approval_publishes_course(client, draft_course, editor, moderator):
    state = draft_course.get_workflow().start(draft_course, editor)
    assert client.get("/courses/").context["courses_page"].paginator.count == 0

    state.current_task_state.approve(user=moderator)

    state.refresh_from_db()
    draft_course.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert draft_course.live is True
    assert [course.title for course in client.get("/courses/").context["courses_page"]] == [
        "党建引领基层治理"
    ]


def test_moderator_rejection_keeps_course_unpublished(draft_course, editor, moderator):
    state = draft_course.get_workflow().start(draft_course, editor)

    state.current_task_state.reject(user=moderator)

    state.refresh_from_db()
    draft_course.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert draft_course.live is False
