"""Every URL the project serves, asked by anonymous visitors, a superuser and each role (issue 9).

The patterns come from the root resolver, admin included, so a new URL has no expectation until
someone writes its row in EXPECTED below, and the test names it; a row whose pattern went away
fails too. Each pattern gets a concrete URL built from the fixtures (a page of each type, a
cohort, a session, a registration, an image, a document, a user…); some get several (a page of
each type for the page server, CSV and Excel for an export, each model's bulk actions).

Outcomes are classes, not pages: OK (200), LOGIN (to the admin's login), DENIED (403, or
Wagtail's permission-denied redirect to the dashboard with its message), NOT_FOUND, NOT_ALLOWED
(405), REDIRECT (any other redirect), BAD (400), UNAUTHORIZED (401: an API for staff, asked
without credentials).

POSTs to the state-changing admin views of our models (add, edit, delete, copy, cancel, restore,
resend, the chooser's create and the bulk actions) are refused to every role without the
permission, and change nothing.
"""

import datetime
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from wagtail.admin.models import EditingSession
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.views.serve import generate_image_url
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    ModelLogEntry,
    Site,
    UploadedFile,
    Workflow,
)
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views.snippets import SnippetViewSet

from academy.settings.base import tasks_backend
from attendance.models import Attendance, Certificate, Evaluation, StudyVisit
from attendance.selfcheckin import session_code
from attendance.services import mark
from bookings.admin.notices import notice_tasks
from bookings.models import Cohort, Registration, Session
from bookings.services import GroupContact, register
from competitions import services as competition_services
from competitions.models import (
    Assignment,
    Award,
    Category,
    JudgeProfile,
    Objection,
    Project,
    ResultPublication,
    Round,
    Score,
)
from core.models import District, ImportRecord, Organisation, Topic
from tests.attendance.visits_factories import attend, rate, study_visit
from tests.bookings.factories import (
    ApplicantFactory,
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    mobile,
    register_trainees,
)
from tests.competitions.factories import (
    CompetitionIndexPageFactory,
    CompetitionPageFactory,
    JudgeFactory,
    ProjectFactory,
    RoundFactory,
)
from tests.factories import (
    CoursePageFactory,
    DocumentFactory,
    ImageFactory,
    LecturerPageFactory,
    NewsPageFactory,
    OrganisationFactory,
    StandardPageFactory,
    SuperuserFactory,
    TopicFactory,
    TrainingBasePageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OK, LOGIN, DENIED, NOT_FOUND, NOT_ALLOWED, REDIRECT, BAD, SERVER_ERROR, UNAUTHORIZED = (
    "ok",
    "login",
    "denied",
    "not found",
    "not allowed",
    "redirect",
    "bad request",
    "server error",
    "unauthorized",
)

# The academy's roles (groups created by academy/migrations/0002_roles.py).
GROUPS = {
    "administrator": "学院管理员",
    "editor": "内容编辑",
    "registrar": "教务",
    "judge": "评委",
    "lecturer": "讲师",
    "base_contact": "基地联系人",
}
ROLES = ("anonymous", "superuser", *GROUPS)
STAFF = tuple(GROUPS)
LATER = ("judge", "lecturer", "base_contact")
# Judges score on the site's own pages (issue 12): the admin sends them to its login page.
NO_ADMIN = {"judge": LOGIN}


def everyone(outcome: str, **special: str) -> dict[str, str]:
    """The same answer for every visitor, anonymous included, but for `special` roles."""
    return {role: special.get(role, outcome) for role in ROLES}


def admin(*allowed: str, **special: str) -> dict[str, str]:
    """An admin view: OK for a superuser and the `allowed` roles, the login page for anonymous
    visitors, Wagtail's permission-denied answer for every other role."""
    unknown = (set(allowed) | set(special)) - set(ROLES)
    assert not unknown, f"no such role: {unknown}"
    row = {"anonymous": LOGIN, "superuser": OK}
    row.update({role: OK if role in allowed else DENIED for role in GROUPS})
    row.update(NO_ADMIN)
    row.update(special)
    return row


def staff(outcome: str = OK, **special: str) -> dict[str, str]:
    """Any user with admin access gets `outcome`; anonymous visitors (and judges, who have no
    admin access) the login page."""
    special = NO_ADMIN | special
    return {"anonymous": LOGIN, **{role: special.get(role, outcome) for role in ROLES[1:]}}


PAGE_EDITORS = ("administrator", "editor")
TRAINING = ("administrator", "registrar")
COMPETITIONS = ("administrator", "registrar")
PAGE_EDITORS_REDIRECTED = dict.fromkeys(PAGE_EDITORS, REDIRECT)


def competition_rows(model: str, *, extra=(), refused=(), inspect=False) -> dict:
    """The admin screens of a competitions model: for its staff (学院管理员, 教务); `refused`
    views (add, delete, edit: what only the services do) answer everybody with a refusal;
    `extra` names the model's own views, for its staff too."""
    views = ["list", "list_results", "add", "edit", "delete", "usage", "history"]
    views += ["history_results", *extra, *(["inspect"] if inspect else [])]
    rows = {}
    for view in views:
        row = staff(DENIED) if view in refused else admin(*COMPETITIONS)
        rows[f"wagtailsnippets_competitions_{model}:{view}"] = row
    for view in ("choose", "choose_results", "chosen", "chosen_multiple", "create"):
        refusal = view == "create" and "add" in refused
        rows[f"wagtailsnippetchoosers_competitions_{model}:{view}"] = (
            staff(DENIED) if refusal else admin(*COMPETITIONS)
        )
    return rows


TRAINING_REDIRECTED = dict.fromkeys(TRAINING, REDIRECT)


class Variants(dict):
    """Rows of one pattern's concrete URLs, by variant."""


# One row per URL name (or route, for a pattern without a name); "namespace:*" covers a whole
# namespace of Wagtail's own screens answering alike. Variants: one row per concrete URL.
EXPECTED = {
    "healthz": everyone(OK),
    "sitemap": everyone(OK),
    "robots": everyone(OK),
    "cohort-list": everyone(OK),
    "cohort-detail": everyone(OK),
    "cohort-registrations": everyone(NOT_ALLOWED),
    # A trainee's registration by its private token, as their private page: whoever holds the
    # link reads it, whatever their role; cancelling and looking up take a POST only.
    "registration-detail": everyone(OK),
    "registration-cancel": everyone(NOT_ALLOWED),
    "registration-lookup": everyone(NOT_ALLOWED),
    "calendar:academy": everyone(OK),
    "calendar:cohort": everyone(OK),
    "calendar:base": everyone(OK),
    "calendar:lecturer": everyone(OK),
    "calendar:session": everyone(OK),
    "calendar:registration": everyone(OK),
    # The scanner's API (attendance.take_attendance): check-ins take a POST only; the roster
    # is for the staff who take attendance. Without credentials 401, without the right 403.
    # (An API answers a judge, who has no admin access, 403 as any other role without the right.)
    "checkin-list": admin(
        superuser=NOT_ALLOWED,
        administrator=NOT_ALLOWED,
        registrar=NOT_ALLOWED,
        anonymous=UNAUTHORIZED,
        judge=DENIED,
    ),
    "session-attendance": admin(*TRAINING, anonymous=UNAUTHORIZED, judge=DENIED),
    "api-schema": everyone(OK),
    "api-docs": everyone(OK),
    "wagtailadmin_home": staff(),
    "admin/test404/": staff(),
    # Wagtail's admin API serves its page explorer and choosers: any admin user lists the page
    # tree and all images and documents (titles, no personal data).
    "wagtailadmin_api:pages:listing": staff(),
    "wagtailadmin_api:pages:detail": staff(NOT_FOUND, superuser=OK, administrator=OK, editor=OK),
    "wagtailadmin_api:pages:find": staff(NOT_FOUND),
    "wagtailadmin_api:pages:action": staff(NOT_ALLOWED),
    "wagtailadmin_api:documents:listing": staff(),
    "wagtailadmin_api:documents:detail": staff(),
    "wagtailadmin_api:documents:find": staff(NOT_FOUND),
    "wagtailadmin_api:images:listing": staff(),
    "wagtailadmin_api:images:detail": staff(),
    "wagtailadmin_api:images:find": staff(NOT_FOUND),
    # Wagtail's deliberate error page, to test error reporting.
    "wagtailadmin_error_test": staff(SERVER_ERROR),
    "wagtailadmin_explore_root": admin(*PAGE_EDITORS),
    "wagtailadmin_explore": admin(*PAGE_EDITORS),
    "wagtailadmin_explore_results": admin(*PAGE_EDITORS),
    # Ours refuse users without the model's permission (their confirmation page would list the
    # items by name); registrations are never deleted, so their Delete refuses everybody.
    # Wagtail's own (pages, images, documents) show any admin user the confirmation page, which
    # names the items, and act only on those the user may change.
    "wagtail_bulk_action": Variants(
        {
            "attendance.attendance.delete": staff(DENIED),
            "bookings.cohort.delete": admin(*TRAINING),
            "bookings.registration.approve": admin(*TRAINING),
            "bookings.registration.delete": staff(REDIRECT),
            "bookings.registration.reject": admin(*TRAINING),
            "bookings.session.delete": admin(*TRAINING),
            "core.district.delete": admin("administrator"),
            "core.organisation.delete": admin("administrator"),
            "core.topic.delete": admin("administrator"),
            "core.user.assign_role": admin(),
            "core.user.delete": admin(),
            "core.user.set_active_state": admin(),
            "django_tasks_database.dbtaskresult.resend": admin(*TRAINING),
            "wagtailcore.page.delete": staff(),
            "wagtailcore.page.move": staff(),
            "wagtailcore.page.publish": staff(),
            "wagtailcore.page.unpublish": staff(),
            "wagtaildocs.document.add_tags": staff(),
            "wagtaildocs.document.add_to_collection": staff(),
            "wagtaildocs.document.delete": staff(),
            "wagtailimages.image.add_tags": staff(),
            "wagtailimages.image.add_to_collection": staff(),
            "wagtailimages.image.delete": staff(),
            "competitions.project.delete": staff(DENIED),
            "competitions.round.delete": admin(*COMPETITIONS),
            "competitions.assignment.delete": staff(DENIED),
            "competitions.score.delete": staff(DENIED),
            "competitions.award.delete": admin(*COMPETITIONS),
            "competitions.resultpublication.delete": admin(*COMPETITIONS),
            "competitions.objection.delete": staff(DENIED),
            "competitions.judgeprofile.delete": admin(*COMPETITIONS),
            "competitions.category.delete": admin(*COMPETITIONS),
        }
    ),
    "wagtailadmin_pages:add": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:preview_on_add": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:type_use": admin(*PAGE_EDITORS),
    # With one possible parent, those who may add go straight to the form.
    "wagtailadmin_pages:choose_parent": staff(
        superuser=REDIRECT, administrator=REDIRECT, editor=REDIRECT
    ),
    "wagtailadmin_pages:type_use_results": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:usage": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:edit": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:preview_on_edit": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:view_draft": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:add_subpage": admin(
        superuser=REDIRECT, administrator=REDIRECT, editor=REDIRECT
    ),
    "wagtailadmin_pages:delete": admin("administrator"),
    # The course is in review (课程发布审核): the workflow locks it to all but its reviewers
    # (Moderators), 学院管理员 included, who also joins Moderators to review.
    "wagtailadmin_pages:unpublish": admin(),
    "wagtailadmin_pages:convert_alias": staff(NOT_FOUND),
    "wagtailadmin_pages:search": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:search_results": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:move": admin("administrator"),
    # Wagtail checks moving on POST only; its GET names the page and destination.
    "wagtailadmin_pages:move_confirm": staff(),
    "wagtailadmin_pages:set_page_position": staff(NOT_ALLOWED),
    "wagtailadmin_pages:copy": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:workflow_action": admin(),
    "wagtailadmin_pages:collect_workflow_action_data": admin(),
    "wagtailadmin_pages:confirm_workflow_cancellation": staff(),
    "wagtailadmin_pages:workflow_preview": admin(),
    "wagtailadmin_pages:set_privacy": admin("administrator"),
    "wagtailadmin_pages:lock": staff(NOT_ALLOWED),
    "wagtailadmin_pages:unlock": staff(NOT_ALLOWED),
    "wagtailadmin_pages:revisions_index": staff(REDIRECT),
    "wagtailadmin_pages:revisions_view": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:revisions_revert": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:revisions_unschedule": admin("administrator"),
    "wagtailadmin_pages:revisions_compare": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:workflow_history": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:workflow_history_detail": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:history": admin(*PAGE_EDITORS),
    "wagtailadmin_pages:history_results": admin(*PAGE_EDITORS),
    "wagtailadmin_choose_page": staff(),
    "wagtailadmin_choose_page_child": staff(),
    "wagtailadmin_choose_page_search": staff(),
    "wagtailadmin_choose_page_chosen_multiple": staff(),
    "wagtailadmin_choose_page_external_link": staff(),
    "wagtailadmin_choose_page_email_link": staff(),
    "wagtailadmin_choose_page_phone_link": staff(),
    "wagtailadmin_choose_page_anchor_link": staff(),
    "wagtailadmin_tag_autocomplete": staff(),
    "wagtailadmin_tag_model_autocomplete": staff(),
    "wagtailadmin_collections:index": admin(),
    "wagtailadmin_collections:add": admin(),
    "wagtailadmin_collections:edit": admin(),
    "wagtailadmin_collections:delete": staff(NOT_FOUND, superuser=OK),
    "wagtailadmin_collections:set_privacy": admin(),
    "wagtailadmin_workflows:index": admin(),
    "wagtailadmin_workflows:index_results": admin(),
    "wagtailadmin_workflows:add": admin(),
    "wagtailadmin_workflows:enable": staff(NOT_ALLOWED),
    "wagtailadmin_workflows:disable": admin(),
    "wagtailadmin_workflows:edit": admin(),
    "wagtailadmin_workflows:usage": admin(),
    "wagtailadmin_workflows:usage_results": admin(),
    "wagtailadmin_workflows:remove(page_pk)": staff(NOT_ALLOWED),
    "wagtailadmin_workflows:remove(page_pk,workflow_pk)": staff(NOT_ALLOWED),
    "wagtailadmin_workflows:add_task": admin(),
    "wagtailadmin_workflows:select_task_type": admin(superuser=REDIRECT),
    "wagtailadmin_workflows:task_index": admin(),
    "wagtailadmin_workflows:task_index_results": admin(),
    "wagtailadmin_workflows:edit_task": admin(),
    "wagtailadmin_workflows:disable_task": admin(),
    "wagtailadmin_workflows:enable_task": staff(NOT_ALLOWED),
    # Wagtail's task chooser lists workflow tasks to any admin user; creating one needs "add".
    "wagtailadmin_workflows:task_chooser": staff(),
    "wagtailadmin_workflows:task_chooser_results": staff(),
    "wagtailadmin_workflows:task_chooser_create": staff(),
    "wagtailadmin_workflows:task_chosen": staff(),
    "wagtailadmin_reports:locked_pages": admin("administrator"),
    "wagtailadmin_reports:locked_pages_results": admin("administrator"),
    "wagtailadmin_reports:workflow": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:workflow_results": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:workflow_tasks": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:workflow_tasks_results": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:site_history": staff(),
    "wagtailadmin_reports:site_history_results": staff(),
    "wagtailadmin_reports:aging_pages": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:aging_pages_results": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:page_types_usage": admin(*PAGE_EDITORS),
    "wagtailadmin_reports:page_types_usage_results": admin(*PAGE_EDITORS),
    "wagtailadmin_account": staff(),
    "wagtailadmin_logout": staff(NOT_ALLOWED),
    "wagtailadmin_dismissibles": staff(),
    "wagtailadmin_editing_sessions:ping": staff(NOT_ALLOWED),
    "wagtailadmin_editing_sessions:release": staff(NOT_ALLOWED),
    "wagtailadmin_block_preview": staff(NOT_FOUND),
    "wagtailredirects:index": admin(),
    "wagtailredirects:index_results": admin(),
    "wagtailredirects:add": admin(),
    "wagtailredirects:edit": admin(),
    "wagtailredirects:delete": admin(),
    "wagtailredirects:start_import": admin(),
    "wagtailredirects:process_import": admin(superuser=NOT_ALLOWED),
    # Without a site, the settings of the default one.
    "wagtailsettings:edit(app_name,model_name)": admin(superuser=REDIRECT, administrator=REDIRECT),
    "wagtailsettings:edit(app_name,model_name,pk)": admin("administrator"),
    "wagtailsettings:preview_on_edit": admin(superuser=NOT_FOUND, administrator=NOT_FOUND),
    # Wagtail's list of snippet types without a menu of their own: ours all have one.
    "wagtailsnippets:index": staff(DENIED),
    "wagtaildocs:index": admin(*PAGE_EDITORS),
    "wagtaildocs:index_results": admin(*PAGE_EDITORS),
    "wagtaildocs:add": admin(*PAGE_EDITORS),
    "wagtaildocs:edit": admin(*PAGE_EDITORS),
    "wagtaildocs:delete": admin(*PAGE_EDITORS),
    "wagtaildocs:add_multiple": admin(*PAGE_EDITORS),
    "wagtaildocs:edit_multiple": staff(NOT_ALLOWED),
    "wagtaildocs:create_multiple_from_uploaded_document": staff(NOT_ALLOWED),
    "wagtaildocs:delete_multiple": staff(NOT_ALLOWED),
    "wagtaildocs:delete_upload_multiple": staff(NOT_ALLOWED),
    "wagtaildocs:document_usage": admin(*PAGE_EDITORS),
    "wagtailimages:index": admin(*PAGE_EDITORS),
    "wagtailimages:index_results": admin(*PAGE_EDITORS),
    "wagtailimages:edit": admin(*PAGE_EDITORS),
    "wagtailimages:delete": admin(*PAGE_EDITORS),
    "wagtailimages:url_generator": admin(*PAGE_EDITORS),
    "wagtailimages:url_generator_output": admin(*PAGE_EDITORS),
    "wagtailimages:preview": admin(*PAGE_EDITORS),
    "wagtailimages:add": admin(*PAGE_EDITORS),
    "wagtailimages:image_usage": admin(*PAGE_EDITORS),
    "wagtailimages:add_multiple": admin(*PAGE_EDITORS),
    "wagtailimages:edit_multiple": staff(NOT_ALLOWED),
    "wagtailimages:create_multiple_from_uploaded_image": staff(NOT_ALLOWED),
    "wagtailimages:delete_multiple": staff(NOT_ALLOWED),
    "wagtailimages:delete_upload_multiple": staff(NOT_ALLOWED),
    "wagtailsnippets_bookings_cohort:list": admin(*TRAINING),
    "wagtailsnippets_bookings_cohort:list_results": admin(*TRAINING),
    "wagtailsnippets_bookings_cohort:add": admin(*TRAINING),
    "wagtailsnippets_bookings_cohort:edit": admin(*TRAINING),
    # A cohort or session with registrations is cancelled, never deleted: the delete view says so.
    "wagtailsnippets_bookings_cohort:delete": admin(
        superuser=REDIRECT, administrator=REDIRECT, registrar=REDIRECT
    ),
    "wagtailsnippets_bookings_cohort:usage": admin(*TRAINING),
    "wagtailsnippets_bookings_cohort:history": admin(*TRAINING),
    "wagtailsnippets_bookings_cohort:history_results": admin(*TRAINING),
    "wagtailsnippets_bookings_cohort:copy": admin(*TRAINING),
    # The cohort's 周课表 (issue 10): who may see cohorts, with the double bookings staff fix.
    "wagtailsnippets_bookings_cohort:week": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_cohort:choose": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_cohort:choose_results": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_cohort:chosen": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_cohort:chosen_multiple": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_cohort:create": admin(*TRAINING),
    "wagtailsnippets_bookings_session:list": admin(*TRAINING),
    "wagtailsnippets_bookings_session:list_results": admin(*TRAINING),
    "wagtailsnippets_bookings_session:add": admin(*TRAINING),
    "wagtailsnippets_bookings_session:edit": admin(*TRAINING),
    "wagtailsnippets_bookings_session:delete": admin(
        superuser=REDIRECT, administrator=REDIRECT, registrar=REDIRECT
    ),
    "wagtailsnippets_bookings_session:usage": admin(*TRAINING),
    "wagtailsnippets_bookings_session:history": admin(*TRAINING),
    "wagtailsnippets_bookings_session:history_results": admin(*TRAINING),
    "wagtailsnippets_bookings_session:cancel": admin(*TRAINING),
    "wagtailsnippets_bookings_session:restore": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_session:choose": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_session:choose_results": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_session:chosen": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_session:chosen_multiple": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_session:create": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:list": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:list_results": admin(*TRAINING),
    # Registrations are added and cancelled through the services, never in the admin.
    "wagtailsnippets_bookings_registration:add": staff(DENIED),
    "wagtailsnippets_bookings_registration:edit": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:delete": staff(DENIED),
    "wagtailsnippets_bookings_registration:usage": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:history": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:history_results": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:inspect": admin(*TRAINING),
    "wagtailsnippets_bookings_registration:cancel": admin(*TRAINING),
    # The fixture's registration is confirmed, not pending: approve and reject go back to the
    # listing with a message instead of asking to confirm.
    "wagtailsnippets_bookings_registration:approve": admin(
        superuser=REDIRECT, **TRAINING_REDIRECTED
    ),
    "wagtailsnippets_bookings_registration:reject": admin(
        superuser=REDIRECT, **TRAINING_REDIRECTED
    ),
    # 代表学员报名: the staff form asks for add_registration, which both training roles hold.
    "wagtailsnippets_bookings_registration:register": admin(*TRAINING),
    # The full number is only ever the answer to a POST.
    "wagtailsnippets_bookings_registration:reveal_phone": admin(
        superuser=NOT_ALLOWED, **dict.fromkeys(TRAINING, NOT_ALLOWED)
    ),
    "wagtailsnippetchoosers_bookings_registration:choose": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_registration:choose_results": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_registration:chosen": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_registration:chosen_multiple": admin(*TRAINING),
    "wagtailsnippetchoosers_bookings_registration:create": staff(DENIED),
    # Attendance is written by the scanner's API and the roster (attendance.services): its
    # listing shows it to those who take attendance (its export is the `attendance` spreadsheet
    # kind's); nobody adds, edits or deletes a row here. The roster is the form that changes a
    # session's statuses.
    "wagtailsnippets_attendance_attendance:list": admin(*TRAINING),
    "wagtailsnippets_attendance_attendance:list_results": admin(*TRAINING),
    "wagtailsnippets_attendance_attendance:add": staff(DENIED),
    "wagtailsnippets_attendance_attendance:edit": staff(DENIED),
    "wagtailsnippets_attendance_attendance:delete": staff(DENIED),
    "wagtailsnippets_attendance_attendance:usage": staff(DENIED),
    "wagtailsnippets_attendance_attendance:history": admin(*TRAINING),
    "wagtailsnippets_attendance_attendance:history_results": admin(*TRAINING),
    "wagtailsnippets_attendance_attendance:inspect": admin(*TRAINING),
    "wagtailsnippets_attendance_attendance:roster": admin(*TRAINING),
    "wagtailsnippetchoosers_attendance_attendance:choose": admin(*TRAINING),
    "wagtailsnippetchoosers_attendance_attendance:choose_results": admin(*TRAINING),
    "wagtailsnippetchoosers_attendance_attendance:chosen": admin(*TRAINING),
    "wagtailsnippetchoosers_attendance_attendance:chosen_multiple": admin(*TRAINING),
    "wagtailsnippetchoosers_attendance_attendance:create": staff(DENIED),
    "notices:index": admin(*TRAINING),
    "notices:index_results": admin(*TRAINING),
    "notices:inspect": admin(*TRAINING),
    # Only a failed notice is resent; the fixture's is queued, so the view says so.
    "notices:resend": admin(superuser=REDIRECT, **TRAINING_REDIRECTED),
    "wagtailsnippets_core_organisation:list": admin("administrator"),
    "wagtailsnippets_core_organisation:list_results": admin("administrator"),
    "wagtailsnippets_core_organisation:add": admin("administrator"),
    "wagtailsnippets_core_organisation:edit": admin("administrator"),
    "wagtailsnippets_core_organisation:delete": admin("administrator"),
    "wagtailsnippets_core_organisation:usage": admin("administrator"),
    "wagtailsnippets_core_organisation:history": admin("administrator"),
    "wagtailsnippets_core_organisation:history_results": admin("administrator"),
    "wagtailsnippets_core_organisation:copy": admin("administrator"),
    "wagtailsnippetchoosers_core_organisation:choose": admin("administrator"),
    "wagtailsnippetchoosers_core_organisation:choose_results": admin("administrator"),
    "wagtailsnippetchoosers_core_organisation:chosen": admin("administrator"),
    "wagtailsnippetchoosers_core_organisation:chosen_multiple": admin("administrator"),
    "wagtailsnippetchoosers_core_organisation:create": admin("administrator"),
    # 内容编辑 chooses districts and topics on pages and manages topics.
    "wagtailsnippets_core_district:list": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_district:list_results": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_district:add": admin("administrator"),
    "wagtailsnippets_core_district:edit": admin("administrator"),
    "wagtailsnippets_core_district:delete": admin("administrator"),
    "wagtailsnippets_core_district:usage": admin("administrator"),
    "wagtailsnippets_core_district:history": admin("administrator"),
    "wagtailsnippets_core_district:history_results": admin("administrator"),
    "wagtailsnippets_core_district:copy": admin("administrator"),
    "wagtailsnippetchoosers_core_district:choose": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_district:choose_results": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_district:chosen": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_district:chosen_multiple": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_district:create": admin("administrator"),
    "wagtailsnippets_core_topic:list": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:list_results": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:add": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:edit": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:delete": admin("administrator"),
    "wagtailsnippets_core_topic:usage": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:history": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:history_results": admin(*PAGE_EDITORS),
    "wagtailsnippets_core_topic:copy": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_topic:choose": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_topic:choose_results": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_topic:chosen": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_topic:chosen_multiple": admin(*PAGE_EDITORS),
    "wagtailsnippetchoosers_core_topic:create": admin(*PAGE_EDITORS),
    **competition_rows("project", extra=["review"], refused=["add", "delete"], inspect=True),
    "wagtailsnippets_competitions_project:list": admin(*COMPETITIONS),
    **competition_rows("round", extra=["auto_assign"]),
    **competition_rows("assignment", extra=["reassign"], refused=["delete"]),
    # A score's page (inspect) shows its values and times; Wagtail's usage and history views
    # ask for "change", which nobody holds: scores change only through the services.
    **competition_rows(
        "score",
        extra=["reopen"],
        refused=["add", "edit", "delete", "usage", "history", "history_results"],
        inspect=True,
    ),
    **competition_rows("award"),
    **competition_rows("resultpublication"),
    **competition_rows("objection", refused=["add", "delete"], inspect=True),
    **competition_rows("judgeprofile"),
    **competition_rows("category"),
    # An organisation's private page, by the unguessable token in its link: whoever holds it.
    "competitions:project": everyone(OK),
    "wagtailsites:*": admin(),
    "wagtailusers_users:*": admin(),
    "wagtailusers_groups:*": admin(),
    # Wagtail's image and document choosers list what the user may choose (nothing without a
    # collection permission); chosen-multiple answers any id, with its title.
    "wagtaildocs_chooser:choose": staff(),
    "wagtaildocs_chooser:choose_results": staff(),
    "wagtaildocs_chooser:chosen": admin(*PAGE_EDITORS),
    "wagtaildocs_chooser:chosen_multiple": staff(),
    "wagtaildocs_chooser:create": admin(*PAGE_EDITORS),
    "wagtailimages_chooser:choose": staff(),
    "wagtailimages_chooser:choose_results": staff(),
    "wagtailimages_chooser:chosen": admin(*PAGE_EDITORS),
    "wagtailimages_chooser:chosen_multiple": staff(),
    "wagtailimages_chooser:create": admin(*PAGE_EDITORS),
    "wagtailimages_chooser:select_format": admin(*PAGE_EDITORS),
    "wagtailadmin_sprite": everyone(OK),
    # A judge, signed in but without admin access, is asked to sign in as someone who has it.
    "wagtailadmin_login": everyone(REDIRECT, anonymous=OK, judge=OK),
    "wagtailadmin_password_reset": everyone(OK),
    "wagtailadmin_password_reset_done": everyone(OK),
    "wagtailadmin_password_reset_confirm": everyone(OK),
    "wagtailadmin_password_reset_complete": everyone(OK),
    "wagtailadmin_javascript_catalog": everyone(OK),
    "admin/^.*/$": staff(NOT_FOUND),
    # Served by redirecting to the storage (the fixture's files are in memory).
    "wagtaildocs_serve": everyone(REDIRECT),
    "wagtaildocs_authenticate_with_password": everyone(OK),
    "wagtailimages_serve": everyone(OK),
    "search": everyone(OK),
    # The privacy notice every consent line links to: public, read-only.
    "privacy": everyone(OK),
    "bookings:lookup": everyone(OK),
    # The site's own login (judges); a signed-in user is sent on. Logging out takes a POST.
    "login": everyone(REDIRECT, anonymous=OK),
    "logout": everyone(NOT_ALLOWED),
    # A lost code is sent by POST only (to anyone, rate-limited); the group's page is public to
    # whoever holds its private link, as a trainee's is.
    "bookings:resend_code": everyone(NOT_ALLOWED),
    "bookings:group": everyone(OK),
    # Spreadsheet imports and exports (core.imports), asked for the registrations' kind: who
    # may add registrations imports them and reads their uploads; who may view them exports.
    "core_imports:upload": admin(*TRAINING),
    "core_imports:template": admin(*TRAINING),
    "core_imports:export": admin(*TRAINING),
    "core_imports:record": admin(*TRAINING),
    "core_imports:file": admin(*TRAINING),
    "bookings:registration": everyone(OK),
    "bookings:cancel": everyone(NOT_ALLOWED),
    "bookings:reset_calendar": everyone(NOT_ALLOWED),
    # Self check-in (issue 11): whoever holds the code the room's screen shows, while it is good.
    "attendance:self_check_in": everyone(OK),
    # The scanner at the door and the room's self check-in screen: those who take attendance.
    "attendance_scanner:scan": admin(*TRAINING),
    "attendance_scanner:screen": admin(*TRAINING),
    "attendance_scanner:screen_code": admin(*TRAINING),
    # -- Study hours, completion and certificates (issue 11) --------------------------------------
    # The verification page a certificate's QR code opens is public; the PDF is downloaded by
    # whoever holds the registration's private link, as the private page is read.
    "certificates:verify": everyone(OK),
    "certificates:download": everyone(OK),
    # 结业审核, the certificates and the ledger: 教务 and 学院管理员 (view_attendance,
    # view_certificate, issue_certificate), as registrations are theirs.
    "completion:index": admin(*TRAINING),
    "completion:index_results": admin(*TRAINING),
    "completion:cohort": admin(*TRAINING),
    "completion:issue": admin(*TRAINING),
    "completion:certificates_pdf": admin(*TRAINING),
    # The certificates', the ledger's, the evaluations' and the study visits' exports are their
    # spreadsheet kinds' (core_imports:export; tests/sheets/test_attendance_kinds.py).
    "attendance_certificates:index": admin(*TRAINING),
    "attendance_certificates:index_results": admin(*TRAINING),
    "attendance_certificates:inspect": admin(*TRAINING),
    "attendance_certificates:revoke": admin(*TRAINING),
    "study_hours:index": admin(*TRAINING),
    "study_hours:index_results": admin(*TRAINING),
    # Evaluations, study visits and the figures (issue 11). The public figures; a trainee's rating
    # form by their private token (the fixture's trainee was marked present at the session); the
    # admin's listings: every evaluation for staff, a lecturer's own sessions' for a
    # lecturer; study visits for staff, those to their bases for a base contact, who alone
    # confirms a visit to their base.
    "figures": everyone(OK),
    "evaluation:rate": everyone(OK),
    "evaluations:index": admin(*TRAINING, "lecturer"),
    "evaluations:index_results": admin(*TRAINING, "lecturer"),
    "study_visits:index": admin(*TRAINING, "base_contact"),
    "study_visits:index_results": admin(*TRAINING, "base_contact"),
    "study_visits:add": admin(*TRAINING),
    "study_visits:edit": admin(*TRAINING),
    "study_visits:delete": admin(*TRAINING),
    "study_visits:history": admin(*TRAINING),
    "study_visits:history_results": admin(*TRAINING),
    "study_visits:usage": admin(*TRAINING),
    "study_visits:confirm": admin("base_contact", superuser=DENIED),
    "figures:index": admin(*TRAINING),
    # Competitions' judging (issue 12): a judge's pages ask for the site's login; an assignment
    # that is not the user's own (the fixture's is another judge's) is not found, whoever asks.
    "competitions:judging": everyone(OK, anonymous=REDIRECT),
    "competitions:judging_score": everyone(NOT_FOUND, anonymous=REDIRECT),
    "competitions:judging_conflict": everyone(NOT_FOUND, anonymous=REDIRECT),
    "competitions:judging_round": everyone(NOT_FOUND, anonymous=REDIRECT),
    # The live roadshow's big screen and published results are public.
    "competitions:live": everyone(OK),
    "competitions:live_data": everyone(OK),
    "competitions:results": everyone(OK),
    # A round's results, exports and ranking API: staff who may see judges' scores.
    "competitions_results:round": admin(*TRAINING, judge=LOGIN),
    "competitions_results:ranking_xlsx": admin(*TRAINING, judge=LOGIN),
    "competitions_results:score_sheets_xlsx": admin(*TRAINING, judge=LOGIN),
    "competitions_results:funding_xlsx": admin(*TRAINING, judge=LOGIN),
    "round-ranking": everyone(
        DENIED, anonymous=UNAUTHORIZED, superuser=OK, administrator=OK, registrar=OK
    ),
    "wagtail_serve": Variants(
        {
            "home": everyone(OK),
            "standard": everyone(OK),
            "course_index": everyone(OK),
            "course": everyone(OK),
            "draft": everyone(NOT_FOUND),
            "lecturer_index": everyone(OK),
            "lecturer": everyone(OK),
            "base_index": everyone(OK),
            "base": everyone(OK),
            "news_index": everyone(OK),
            "news": everyone(OK),
            "programme_index": everyone(OK),
            "programme": everyone(OK),
            "competition_index": everyone(OK),
            "competition": everyone(OK),
        }
    ),
}


# -- the patterns and their concrete URLs -------------------------------------------------------


def url_patterns():
    """(key, full route, pattern) of every pattern, the key being its name with namespaces, or
    its route when it has no name; a name that several patterns share gets their parameters,
    e.g. "wagtailsettings:edit(app_name,model_name,pk)"."""
    found = list(walk(get_resolver()))
    names = Counter(key for key, _, _ in found)
    for key, route, pattern in found:
        if names[key] > 1:
            key += f"({','.join(parameters(pattern))})"
        yield key, route, pattern


def walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield namespace + pattern.name if pattern.name else route, route, pattern


def parameters(pattern) -> list[str]:
    if isinstance(pattern.pattern, RoutePattern):
        return list(pattern.pattern.converters)
    assert isinstance(pattern.pattern, RegexPattern)
    return list(pattern.pattern.regex.groupindex)


@pytest.fixture
def world(site_tree, settings):
    """One object of each kind a URL names, and a user for each role."""
    # Notices are rows the notice log lists (django-tasks-db's), as with production settings.
    settings.TASKS = tasks_backend("database")
    # The fixture's files are in memory, with no path to send: serve them by redirecting.
    settings.WAGTAILDOCS_SERVE_METHOD = "redirect"
    tree = site_tree
    superuser = SuperuserFactory(username="root")
    users = {"superuser": superuser}
    for role, group_name in GROUPS.items():
        users[role] = UserFactory(username=role)
        users[role].groups.add(Group.objects.get(name=group_name))
    programmes = ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(parent=programmes)
    cohort = CohortFactory(programme=programme)
    [registration] = register_trainees(cohort, 1)
    certificate = Certificate.objects.create(
        registration=registration,
        serial="YTDJ-2026-000001",
        name=registration.name,
        programme_title=programme.title,
        cohort_title=cohort.title,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        hours=Decimal("8.0"),
        issued_at=timezone.now(),
    )
    [member] = register(
        cohort.pk,
        applicants=[ApplicantFactory()],
        group=GroupContact(unit="芝罘区党工委", contact_name="王老师", contact_phone=mobile(900)),
    )
    # The base contact's base, which the fixture's study visit went to.
    base = TrainingBasePageFactory(parent=tree.bases, contact_user=users["base_contact"])
    course = CoursePageFactory(parent=tree.courses)
    draft = CoursePageFactory(parent=tree.courses, live=False)
    course.save_revision(user=superuser)
    workflow_state = course.get_workflow().start(course, superuser)
    competitions = CompetitionIndexPageFactory()
    competition = CompetitionPageFactory(parent=competitions)
    round_ = RoundFactory(competition=competition)
    project = ProjectFactory(competition=competition)
    panel_judge = JudgeFactory(username="panel-judge")
    assignment = competition_services.assign(
        round_, project=project, judge=panel_judge, by=superuser
    )
    score = competition_services.save_draft(assignment, values={}, by=panel_judge)
    award = competition_services.set_award(project, amount=Decimal(1000), by=superuser)
    publication = competition_services.publish_results(
        competition,
        title="评审结果公示",
        notice_starts_at=timezone.now(),
        notice_ends_at=timezone.now() + datetime.timedelta(days=5),
        by=superuser,
    )
    objection = competition_services.lodge_objection(
        publication, name="张三", phone=mobile(950), text="异议。"
    )
    image, document = ImageFactory(), DocumentFactory()
    session = SessionFactory(cohort=cohort)
    # An evaluation of another session, which the group's member attended, for the listings.
    rated = SessionFactory(cohort=cohort, title="已评课次")
    attend(member, rated)
    rate(member, rated, comment="很好")
    private = Collection.get_first_root_node().add_child(name="内部资料")
    image_type = ContentType.objects.get_for_model(image)
    page_type = ContentType.objects.get_for_model(course)
    return SimpleNamespace(
        users=users,
        tree=tree,
        pages={
            "home": tree.home,
            "standard": StandardPageFactory(parent=tree.home),
            "course_index": tree.courses,
            "course": course,
            "draft": draft,
            "lecturer_index": tree.lecturers,
            "lecturer": LecturerPageFactory(parent=tree.lecturers),
            "base_index": tree.bases,
            "base": base,
            "news_index": tree.news,
            "news": NewsPageFactory(parent=tree.news),
            "programme_index": programmes,
            "programme": programme,
            "competition_index": competitions,
            "competition": competition,
        },
        project=project,
        round=round_,
        assignment=assignment,
        score=score,
        award=award,
        publication=publication,
        objection=objection,
        judge_profile=panel_judge.judge_profile,
        category=project.category,
        course=course,
        workflow=Workflow.objects.get(name="课程发布审核"),
        workflow_state=workflow_state,
        task_state=workflow_state.current_task_state,
        cohort=cohort,
        session=session,
        attendance=mark(session, registration, Attendance.Status.PRESENT, by=superuser),
        # On now: its self check-in code is good.
        open_session=SessionFactory(
            cohort=cohort,
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=2),
        ),
        study_visit=study_visit(bases=[base]),
        registration=registration,
        certificate=certificate,
        registration_group=member.group,
        notice=notice_tasks().order_by("enqueued_at").first(),
        organisation=OrganisationFactory(),
        district=District.objects.get(slug="zhifu"),
        topic=TopicFactory(),
        image=image,
        document=document,
        collection=private,
        restriction=CollectionViewRestriction.objects.create(
            collection=private, restriction_type="password", password="academy"
        ),
        upload=UploadedFile.objects.create(
            for_content_type=image_type,
            file=ContentFile(b"GIF89a", name="upload.gif"),
            uploaded_by_user=superuser,
        ),
        editing_session=EditingSession.objects.create(
            user=superuser,
            content_type=page_type,
            object_id=str(course.pk),
            last_seen_at=timezone.now(),
        ),
        redirect=Redirect.objects.create(old_path="/old-page", redirect_link="/"),
        import_record=ImportRecord.objects.create(
            kind="registrations",
            file=ContentFile(b"name,phone\n", name="upload.csv"),
            file_name="upload.csv",
            user=superuser,
            status=ImportRecord.Status.FAILED,
        ),
        site=Site.objects.get(is_default_site=True),
        user=UserFactory(username="somebody"),
        group=Group.objects.get(name="Editors"),
        judging=judging_world(),
    )


def judging_world() -> SimpleNamespace:
    """A live round with another judge's assignment, and a closed round's published results."""
    round_ = RoundFactory(is_live=True)
    project = ProjectFactory(competition=round_.competition)
    assignment = competition_services.assign(round_, project=project, judge=JudgeFactory(), by=None)
    closed = RoundFactory(competition=round_.competition)
    Round.objects.filter(pk=closed.pk).update(status=Round.Status.CLOSED)
    closed.refresh_from_db()
    now = timezone.now()
    publication = competition_services.publish_results(
        round_.competition,
        round_=closed,
        title="初审结果公示",
        notice_starts_at=now - datetime.timedelta(days=1),
        notice_ends_at=now + datetime.timedelta(days=6),
        by=None,
    )
    return SimpleNamespace(round=round_, assignment=assignment, publication=publication)


# Competitions' judging URLs, by name: the object each URL names.
JUDGING_ARGUMENTS = {
    "competitions:judging_score": lambda w: {"pk": w.judging.assignment.pk},
    "competitions:judging_conflict": lambda w: {"pk": w.judging.assignment.pk},
    "competitions:judging_round": lambda w: {"round_id": w.judging.round.pk},
    "competitions:live": lambda w: {"round_id": w.judging.round.pk},
    "competitions:live_data": lambda w: {"round_id": w.judging.round.pk},
    "competitions:results": lambda w: {"pk": w.judging.publication.pk},
    "competitions_results:round": lambda w: {"pk": w.judging.round.pk},
    "competitions_results:ranking_xlsx": lambda w: {"pk": w.judging.round.pk},
    "competitions_results:score_sheets_xlsx": lambda w: {"pk": w.judging.round.pk},
    "competitions_results:funding_xlsx": lambda w: {"pk": w.judging.round.competition_id},
    "round-ranking": lambda w: {"pk": w.judging.round.pk},
}


# The object a URL's `pk` names, by the URL's namespace (or name).
SNIPPETS = {
    "attendance_attendance": "attendance",
    "bookings_cohort": "cohort",
    "bookings_session": "session",
    "bookings_registration": "registration",
    "core_organisation": "organisation",
    "core_district": "district",
    "core_topic": "topic",
    "competitions_project": "project",
    "competitions_round": "round",
    "competitions_assignment": "assignment",
    "competitions_score": "score",
    "competitions_award": "award",
    "competitions_resultpublication": "publication",
    "competitions_objection": "objection",
    "competitions_judgeprofile": "judge_profile",
    "competitions_category": "category",
}
PKS = {
    "notices": "notice",
    "attendance_certificates": "certificate",
    "study_visits": "study_visit",
    "wagtailadmin_collections": "collection",
    "wagtailadmin_workflows": "workflow",
    "wagtailsites": "site",
    "wagtailsettings": "site",
    "wagtailusers_users": "user",
    "wagtailusers_groups": "group",
    "cohort-detail": "cohort",
    "cohort-registrations": "cohort",
    "session-attendance": "session",
    "core_imports": "import_record",
    "wagtailadmin_pages": "course",
    "wagtailadmin_api:pages": "course",
    "wagtailadmin_api:documents": "document",
    "wagtailadmin_api:images": "image",
    "wagtaildocs_chooser": "document",
    "wagtailimages_chooser": "image",
}
TASK_VIEWS = {"edit_task", "disable_task", "enable_task"}


# Views whose `pk` names another object than their namespace's.
PK_OF_VIEW = {"wagtailsnippets_attendance_attendance:roster": "session"}


def primary_key(key: str, w):
    if key in PK_OF_VIEW:
        return getattr(w, PK_OF_VIEW[key]).pk
    namespace, _, view = key.rpartition(":")
    namespace = namespace or key
    if view in TASK_VIEWS:
        return w.task_state.task_id
    for prefix in ("wagtailsnippets_", "wagtailsnippetchoosers_"):
        if namespace.startswith(prefix):
            return getattr(w, SNIPPETS[namespace.removeprefix(prefix)]).pk
    return getattr(w, PKS[namespace]).pk


SETTINGS = {"app_name": "core", "model_name": "academysettings"}


def arguments(key: str, names: list[str], w) -> dict:
    course = w.course
    values = {
        "page_id": course.pk,
        "parent_page_id": w.tree.courses.pk,
        "page_to_move_id": course.pk,
        "destination_id": w.tree.courses.pk,
        "page_pk": w.tree.courses.pk,
        "workflow_pk": w.workflow.pk,
        "revision_id": course.latest_revision_id,
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "workflow_state_id": w.workflow_state.pk,
        "task_state_id": w.task_state.pk,
        "task_id": w.task_state.task_id,
        "action_name": "approve",
        "content_type_app_name": "courses",
        "content_type_model_name": "coursepage",
        "app_label": "courses",
        "model_name": "coursepage",
        "image_id": w.image.pk,
        "document_id": w.document.pk,
        "doc_id": w.document.pk,
        "uploaded_file_id": w.upload.pk,
        "filter_spec": "original",
        "redirect_id": w.redirect.pk,
        "restriction_id": w.restriction.pk,
        "collection_id": w.collection.pk,
        "uidb64": "MQ",
        "token": "set-password",
        "session_id": w.editing_session.pk,
        "object_id": str(course.pk),
        "cohort_id": w.cohort.pk,
        "uid": w.session.uid,
        "kind": "registrations",
        "fmt": "xlsx",
    }
    values.update(
        {
            "calendar:base": {"page_id": w.pages["base"].pk},
            "calendar:lecturer": {"page_id": w.pages["lecturer"].pk},
            "calendar:registration": {"token": w.registration.token},
            "bookings:registration": {"token": w.registration.token},
            "bookings:group": {"token": w.registration_group.token},
            "bookings:cancel": {"token": w.registration.token},
            "bookings:reset_calendar": {"token": w.registration.token},
            "competitions:project": {"token": w.project.token},
            "registration-detail": {"token": w.registration.token},
            "registration-cancel": {"token": w.registration.token},
            "attendance:self_check_in": {"code": session_code(w.open_session)},
            "attendance_scanner:screen": {"session_id": w.session.pk},
            "attendance_scanner:screen_code": {"session_id": w.session.pk},
            "certificates:verify": {"serial": w.certificate.serial},
            "certificates:download": {"token": w.registration.token},
            "evaluation:rate": {"token": w.registration.token, "session_id": w.session.pk},
            "wagtailadmin_workflows:add_task": {
                "app_label": "wagtailcore",
                "model_name": "groupapprovaltask",
            },
            "wagtailadmin_editing_sessions:ping": {
                "app_label": "wagtailcore",
                "model_name": "page",
            },
            "wagtailadmin_tag_model_autocomplete": {"app_name": "taggit", "model_name": "tag"},
            "wagtailsettings:edit": {"app_name": "core", "model_name": "academysettings"},
            "wagtailsettings:preview_on_edit": {
                "app_name": "core",
                "model_name": "academysettings",
            },
            "wagtailadmin_api:pages:action": {"action_name": "copy"},
        }.get(key, {})
    )
    if key in JUDGING_ARGUMENTS:
        values.update(JUDGING_ARGUMENTS[key](w))
    elif "pk" in names:
        values["pk"] = primary_key(key, w)
    return {name: values[name] for name in names}


# Wagtail's own listing exports (?export=csv), asked for as CSV and Excel: none now, every
# listing exports through its spreadsheet kind (core_imports:export, masked, neutralised).
EXPORTS: set[str] = set()
ADMIN_EXPORTS: set[str] = set()
UNNAMED = {"admin/test404/": "/admin/test404/", "admin/^.*/$": "/admin/no-such-screen/"}


def query(key: str, w) -> str:
    if key.endswith(":chosen_multiple"):
        if key.startswith("wagtailsnippetchoosers_"):
            return f"?id={primary_key(key, w)}"
        return f"?id={w.image.pk if key.startswith('wagtailimages') else w.document.pk}"
    return {
        "search": "?q=党建",
        "wagtailadmin_pages:search": "?q=课程",
        "wagtailadmin_pages:search_results": "?q=课程",
        "wagtailadmin_tag_autocomplete": "?term=党",
        "wagtailadmin_tag_model_autocomplete": "?term=党",
    }.get(key, "")


def bulk_actions() -> list[tuple[str, str, str]]:
    bulk_action_registry._scan_for_bulk_actions()
    return sorted(
        (app_label, model_name, action)
        for app_label, models in bulk_action_registry.actions.items()
        for model_name, actions in models.items()
        for action in actions
    )


BULK_OBJECTS = {
    "attendance.attendance": "attendance",
    "bookings.registration": "registration",
    "bookings.cohort": "cohort",
    "bookings.session": "session",
    "django_tasks_database.dbtaskresult": "notice",
    "core.user": "user",
    "core.topic": "topic",
    "core.district": "district",
    "core.organisation": "organisation",
    "wagtaildocs.document": "document",
    "wagtailimages.image": "image",
    "wagtailcore.page": "course",
    **{
        f"competitions.{model}": name
        for model, name in (
            ("project", "project"),
            ("round", "round"),
            ("assignment", "assignment"),
            ("score", "score"),
            ("award", "award"),
            ("resultpublication", "publication"),
            ("objection", "objection"),
            ("judgeprofile", "judge_profile"),
            ("category", "category"),
        )
    },
}


def concrete_urls(key: str, pattern, w) -> dict[str, str]:
    """The URLs to ask for a pattern, by variant ("" when there is one)."""
    if key in UNNAMED:
        return {"": UNNAMED[key]}
    if key == "wagtail_bulk_action":
        return {
            f"{app}.{model}.{action}": (
                f"/admin/bulk/{app}/{model}/{action}/?next=/admin/"
                f"&id={getattr(w, BULK_OBJECTS[f'{app}.{model}']).pk}"
            )
            for app, model, action in bulk_actions()
        }
    if key == "wagtail_serve":
        return {name: page.url for name, page in w.pages.items()}
    if key == "wagtailimages_serve":
        return {"": generate_image_url(w.image, "original")}
    if key == "wagtaildocs_serve":
        return {"": w.document.url}
    name = key.partition("(")[0]
    with translation.override("zh-hans"):
        url = reverse(name, kwargs=arguments(name, parameters(pattern), w))
    url += query(name, w)
    if key in EXPORTS | ADMIN_EXPORTS:
        return {"": url, "csv": f"{url}?export=csv", "xlsx": f"{url}?export=xlsx"}
    return {"": url}


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        if path == reverse("wagtailadmin_login"):
            return LOGIN
        denied = any(
            message.level_tag == "error" for message in get_messages(response.wsgi_request)
        )
        if path == reverse("wagtailadmin_home") and denied:
            return DENIED
        return REDIRECT
    return {
        200: OK,
        400: BAD,
        401: UNAUTHORIZED,
        403: DENIED,
        404: NOT_FOUND,
        405: NOT_ALLOWED,
    }.get(response.status_code, str(response.status_code))


def fetch(client, method: str, url: str) -> str:
    # A message left by an earlier redirect would make this answer look like a refusal.
    client.cookies.pop("messages", None)
    try:
        response = getattr(client, method)(url)
    except Exception:  # noqa: BLE001 - a 500 is an outcome to report
        return SERVER_ERROR
    return outcome(response)


def expectation_keys(key: str) -> list[str]:
    return [
        rule
        for rule in EXPECTED
        if rule == key or (rule.endswith(":*") and key.startswith(rule.removesuffix("*")))
    ]


def expected_row(key: str, variant: str) -> dict[str, str]:
    [rule] = expectation_keys(key)
    row = EXPECTED[rule]
    if isinstance(row, Variants):
        return row[variant]
    assert variant == "", f"{key}: a row for each of its URLs is expected"
    return row


def test_every_url_pattern_has_exactly_one_expectation():
    keys = [key for key, _, _ in url_patterns()]
    unmatched = sorted({key for key in keys if len(expectation_keys(key)) != 1})
    unused = sorted(set(EXPECTED) - {rule for key in keys for rule in expectation_keys(key)})

    assert not unmatched, "patterns without exactly one expectation:\n" + "\n".join(unmatched)
    assert not unused, "expectations matching no pattern:\n" + "\n".join(unused)


def test_every_url_variant_has_its_row(world):
    wrong = []
    for key, _, pattern in url_patterns():
        [rule] = expectation_keys(key)
        if isinstance(EXPECTED[rule], Variants):
            variants = set(concrete_urls(key, pattern, world))
            if variants != set(EXPECTED[rule]):
                wrong.append(f"{key}: URLs {sorted(variants)}, rows {sorted(EXPECTED[rule])}")
    assert not wrong, "\n".join(wrong)


def exportable_listings() -> set[str]:
    return {
        viewset.get_url_name("list")
        for model in get_snippet_models()
        if (viewset := model.snippet_viewset).list_export not in (ViewSet.UNDEFINED, [], ())
    }


def model_exportable_listings() -> set[str]:
    """The exporting listings of the ModelViewSets registered, alone or in a group; snippets'
    are in `exportable_listings`."""
    get_resolver().url_patterns  # noqa: B018 - the admin's URLs register the viewsets
    registered = [
        viewset
        for entry in viewsets.viewsets
        for viewset in getattr(entry, "registerables", [entry])
    ]
    return {
        viewset.get_url_name("index")
        for viewset in registered
        if isinstance(viewset, ModelViewSet)
        and not isinstance(viewset, SnippetViewSet)
        and viewset.list_export not in (ViewSet.UNDEFINED, [], ())
    }


def test_every_export_is_asked_for_as_csv_and_excel():
    assert exportable_listings() == EXPORTS
    assert model_exportable_listings() == ADMIN_EXPORTS


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_expected(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])
    wrong = []
    for key, _, pattern in url_patterns():
        for variant, url in concrete_urls(key, pattern, world).items():
            got = fetch(client, "get", url)
            if key == "wagtailadmin_logout" and role != "anonymous":
                client.force_login(world.users[role])
            expected = expected_row(key, variant)[role]
            if got != expected:
                wrong.append(
                    f"{key}{f'[{variant}]' if variant else ''} {url}: {got}, not {expected}"
                )
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


# -- POSTs that change our models -----------------------------------------------------------------

# Who may POST to each state-changing admin view of our models (their answers are tested where
# the views are); every other role is refused and nothing changes. The superuser is refused
# only where `NOBODY` says so.
NOBODY = ()
STATE_CHANGING_VIEWS = {
    "add",
    "edit",
    "delete",
    "copy",
    "cancel",
    "restore",
    "resend",
    "create",
    "approve",
    "reject",
    "register",
    "reveal_phone",
    "roster",
    "issue",
    "revoke",
    "confirm",
    "review",
    "auto_assign",
    "reassign",
    "reopen",
}
OUR_NAMESPACES = (
    "wagtailsnippets_",
    "wagtailsnippetchoosers_",
    "notices:",
    "completion:",
    "attendance_certificates:",
    "study_visits:",
)
OUR_BULK_MODELS = (
    "attendance.",
    "bookings.",
    "competitions.",
    "core.district",
    "core.organisation",
    "core.topic",
    "django_tasks",
)


def competition_posts() -> dict:
    """Who may POST to the competitions' admin views: their staff, but where only the services
    write (a project's add and delete, a score's add, edit and delete…), nobody."""
    models = {
        # model: (its own state-changing views, those nobody may use)
        "project": (("edit", "review"), ("add", "delete")),
        "round": (("add", "edit", "delete", "auto_assign"), ()),
        "assignment": (("add", "edit", "reassign"), ("delete",)),
        "score": (("reopen",), ("add", "edit", "delete")),
        "award": (("add", "edit", "delete"), ()),
        "resultpublication": (("add", "edit", "delete"), ()),
        "objection": (("edit",), ("add", "delete")),
        "judgeprofile": (("add", "edit", "delete"), ()),
        "category": (("add", "edit", "delete"), ()),
    }
    posts = {}
    for model, (views, refused) in models.items():
        for view in (*views, *refused):
            posts[f"wagtailsnippets_competitions_{model}:{view}"] = (
                NOBODY if view in refused else COMPETITIONS
            )
        posts[f"wagtailsnippetchoosers_competitions_{model}:create"] = (
            NOBODY if "add" in refused else COMPETITIONS
        )
        posts[f"wagtail_bulk_action[competitions.{model}.delete]"] = (
            NOBODY if "delete" in refused else COMPETITIONS
        )
    return posts


POSTS = {
    "wagtailsnippets_bookings_cohort:add": TRAINING,
    "wagtailsnippets_bookings_cohort:edit": TRAINING,
    "wagtailsnippets_bookings_cohort:delete": TRAINING,
    "wagtailsnippets_bookings_cohort:copy": TRAINING,
    "wagtailsnippetchoosers_bookings_cohort:create": TRAINING,
    "wagtailsnippets_bookings_session:add": TRAINING,
    "wagtailsnippets_bookings_session:edit": TRAINING,
    "wagtailsnippets_bookings_session:delete": TRAINING,
    "wagtailsnippets_bookings_session:cancel": TRAINING,
    "wagtailsnippets_bookings_session:restore": TRAINING,
    "wagtailsnippetchoosers_bookings_session:create": TRAINING,
    "wagtailsnippets_bookings_registration:add": NOBODY,
    "wagtailsnippets_bookings_registration:edit": TRAINING,
    "wagtailsnippets_bookings_registration:delete": NOBODY,
    "wagtailsnippets_bookings_registration:cancel": TRAINING,
    "wagtailsnippets_bookings_registration:approve": TRAINING,
    "wagtailsnippets_bookings_registration:reject": TRAINING,
    "wagtailsnippets_bookings_registration:register": TRAINING,
    # Changes nothing but writes an audit entry, which a refused POST must not.
    "wagtailsnippets_bookings_registration:reveal_phone": TRAINING,
    "wagtailsnippetchoosers_bookings_registration:create": NOBODY,
    "notices:resend": TRAINING,
    "study_visits:add": TRAINING,
    "study_visits:edit": TRAINING,
    "study_visits:delete": TRAINING,
    # Only the contact person of a base the visit went to, superusers included: see
    # attendance.services_visits.may_confirm.
    "study_visits:confirm": ("base_contact",),
    "wagtailsnippets_core_organisation:add": ("administrator",),
    "wagtailsnippets_core_organisation:edit": ("administrator",),
    "wagtailsnippets_core_organisation:delete": ("administrator",),
    "wagtailsnippets_core_organisation:copy": ("administrator",),
    "wagtailsnippetchoosers_core_organisation:create": ("administrator",),
    "wagtailsnippets_core_district:add": ("administrator",),
    "wagtailsnippets_core_district:edit": ("administrator",),
    "wagtailsnippets_core_district:delete": ("administrator",),
    "wagtailsnippets_core_district:copy": ("administrator",),
    "wagtailsnippetchoosers_core_district:create": ("administrator",),
    "wagtailsnippets_core_topic:add": PAGE_EDITORS,
    "wagtailsnippets_core_topic:edit": PAGE_EDITORS,
    "wagtailsnippets_core_topic:delete": ("administrator",),
    "wagtailsnippets_core_topic:copy": PAGE_EDITORS,
    "wagtailsnippetchoosers_core_topic:create": PAGE_EDITORS,
    "wagtailsnippets_attendance_attendance:add": NOBODY,
    "wagtailsnippets_attendance_attendance:edit": NOBODY,
    "wagtailsnippets_attendance_attendance:delete": NOBODY,
    "wagtailsnippets_attendance_attendance:roster": TRAINING,
    "wagtailsnippetchoosers_attendance_attendance:create": NOBODY,
    "wagtail_bulk_action[attendance.attendance.delete]": NOBODY,
    "wagtail_bulk_action[bookings.cohort.delete]": TRAINING,
    "wagtail_bulk_action[bookings.registration.approve]": TRAINING,
    "wagtail_bulk_action[bookings.registration.reject]": TRAINING,
    # Refused to everybody with a message rather than a permission error: see its row above.
    "wagtail_bulk_action[bookings.registration.delete]": STAFF,
    "wagtail_bulk_action[bookings.session.delete]": TRAINING,
    "wagtail_bulk_action[core.district.delete]": ("administrator",),
    "wagtail_bulk_action[core.organisation.delete]": ("administrator",),
    "wagtail_bulk_action[core.topic.delete]": ("administrator",),
    "wagtail_bulk_action[django_tasks_database.dbtaskresult.resend]": TRAINING,
    "completion:issue": TRAINING,
    "attendance_certificates:revoke": TRAINING,
    **competition_posts(),
}


def post_key(key: str, variant: str) -> str:
    return f"{key}[{variant}]" if variant else key


def state_changing(key: str, variant: str) -> bool:
    if key == "wagtail_bulk_action":
        return variant.startswith(OUR_BULK_MODELS)
    return key.startswith(OUR_NAMESPACES) and key.rpartition(":")[2] in STATE_CHANGING_VIEWS


def test_every_state_changing_view_of_ours_has_a_post_row(world):
    changing = {
        post_key(key, variant)
        for key, _, pattern in url_patterns()
        for variant in concrete_urls(key, pattern, world)
        if state_changing(key, variant)
    }
    assert changing == set(POSTS)


def our_rows():
    """Every row of our models (and the audit log), to show that a refused POST changed nothing."""
    models = (
        Attendance,
        Cohort,
        Session,
        Registration,
        Organisation,
        District,
        Topic,
        DBTaskResult,
        Certificate,
        StudyVisit,
        Evaluation,
        Project,
        Round,
        Assignment,
        Score,
        Award,
        ResultPublication,
        Objection,
        JudgeProfile,
        Category,
    )
    rows = [list(model.objects.order_by("pk").values_list()) for model in models]
    return [*rows, ModelLogEntry.objects.count()]


@pytest.mark.parametrize("role", ROLES)
def test_posts_that_change_our_models_are_refused_without_permission(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])
    refusal = LOGIN if role == "anonymous" or role in NO_ADMIN else DENIED
    before = our_rows()
    wrong = []
    for key, _, pattern in url_patterns():
        for variant, url in concrete_urls(key, pattern, world).items():
            allowed = POSTS.get(post_key(key, variant))
            if allowed is None or role in allowed or (role == "superuser" and allowed):
                continue
            got = fetch(client, "post", url)
            if got != refusal:
                wrong.append(f"{post_key(key, variant)} {url}: {got}, not {refusal}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    assert our_rows() == before


def test_only_administrators_and_registrars_export_full_phones(client, world):
    phone = world.registration.phone
    export = reverse("core_imports:export", args=["registrations", "csv"])
    answers = {}
    for role in TRAINING:
        client.force_login(world.users[role])
        response = client.get(export)
        answers[role] = phone in b"".join(response.streaming_content).decode()

    assert answers == {"administrator": True, "registrar": True}
    assert [
        group.name for group in Group.objects.filter(permissions__codename="view_personal_data")
    ] == ["学院管理员", "教务"]


@pytest.mark.parametrize(
    "listing",
    [
        "wagtailsnippets_bookings_registration:list",
        "wagtailsnippets_competitions_project:list",
        "wagtailsnippets_core_organisation:list",
    ],
)
def test_wagtails_own_listing_export_is_gone(client, world, listing):
    """The listings export only through their spreadsheet kinds: Wagtail's ?export=csv, which
    masked nothing, gives no one a phone number any more."""
    client.force_login(world.users["superuser"])
    response = client.get(reverse(listing) + "?export=csv")
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    for phone in (world.registration.phone, world.project.contact_phone):
        assert phone not in body
