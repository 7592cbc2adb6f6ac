"""One demo user per role (the groups of academy/migrations/0002_roles.py), so that staff trying
the demo can open each desk. Demo only: every one of them has the same known password."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q

from bases.models import TrainingBasePage
from bookings.models.cohorts import academy_today
from competitions.models import JUDGES_GROUP, JudgeProfile
from lecturers.models import LecturerPage

from . import content

PASSWORD = os.environ.get("DEMO_PASSWORD", "academy-demo")
# The competitions' panel of judges: judge01…judge15, from data/competitions.yaml.
JUDGE_USERNAME = "judge{:02d}"
# (username, group, description), in the order they are printed.
ROLE_USERS = [
    ("guanliyuan", "学院管理员", "学院管理员（另属 Moderators，可审核课程）"),
    ("bianji", "内容编辑", "内容编辑"),
    ("jiaowu", "教务", "教务"),
    ("pingwei", "评委", "评委"),
    ("jiangshi", "讲师", "讲师"),
    ("jidi", "基地联系人", "基地联系人"),
]
# The course workflow's reviewers are Moderators: the demo administrator reviews too.
EXTRA_GROUPS = {"guanliyuan": ["Moderators"]}


def ensure_role_users() -> list[tuple[str, str, bool]]:
    """Creates the missing demo users (an existing one keeps its password and gets its groups
    back); returns (username, description, whether the password is still the demo one)."""
    User = get_user_model()
    users = []
    with transaction.atomic():
        for username, group_name, description in ROLE_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, email=f"{username}@example.org", password=PASSWORD
                )
            groups = Group.objects.filter(name__in=[group_name, *EXTRA_GROUPS.get(username, [])])
            user.groups.add(*groups)
            users.append((username, description, user.check_password(PASSWORD)))
        link_desks(User.objects.get(username="jiangshi"), User.objects.get(username="jidi"))
    return users


def link_desks(lecturer_user, contact_user) -> None:
    """The demo lecturer speaks for the lecturer with the most evaluations (they read them in
    the admin); the demo base contact for the base with the most visits held and not yet
    confirmed (they confirm them). Published as revisions, as an editor would, so that a later
    edit keeps the link. Nothing happens where a page is already linked."""
    if not LecturerPage.objects.filter(user=lecturer_user).exists():
        lecturer = (
            LecturerPage.objects.live()
            .annotate(rated=Count("sessions__evaluations"))
            .order_by("-rated", "path")
            .first()
        )
        if lecturer is not None:
            lecturer.user = lecturer_user
            lecturer.save_revision().publish()
    if not TrainingBasePage.objects.filter(contact_user=contact_user).exists():
        pending = Q(
            study_visits__confirmed_at__isnull=True,
            study_visits__visited_on__lte=academy_today(),
        )
        base = (
            TrainingBasePage.objects.live()
            .annotate(pending=Count("study_visits", filter=pending))
            .order_by("-pending", "path")
            .first()
        )
        if base is not None:
            base.contact_user = contact_user
            base.save_revision().publish()


def ensure_judges() -> list:
    """The demo judges (judge01…), each in the judges' group with a profile naming their
    organisation; a missing one is created with the demo password. They sign in on the site's
    own login page and score under /competitions/judging/ (no admin access)."""
    User = get_user_model()
    group = Group.objects.get(name=JUDGES_GROUP)
    judges = []
    with transaction.atomic():
        for number, (name, title, organisation) in enumerate(content.competitions.judges, 1):
            username = JUDGE_USERNAME.format(number)
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@example.org",
                    password=PASSWORD,
                    first_name=name,
                )
            user.groups.add(group)
            JudgeProfile.objects.get_or_create(
                user=user, defaults={"title": title, "organisation_name": organisation}
            )
            judges.append(user)
    return judges
