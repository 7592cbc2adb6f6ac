"""What the judging, live-screen and results tests share: a round with judges A and B (and
more), scores written through the services."""

from decimal import Decimal

from django.contrib.auth.models import Group

from competitions import services
from competitions.models import Round
from tests.factories import UserFactory

from .factories import JudgeFactory, ProjectFactory, RoundFactory

PASSWORD = "correct-horse-battery"


def staff_user(username: str = "staff"):
    """学院管理员: the academy's administrator, who sees judges' scores."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="学院管理员"))
    return user


def values(round_: Round, *points) -> dict[int, Decimal]:
    """`points` on the rubric's criteria, in order (the issue's: 20, 30, 20, 15, 15)."""
    return {
        criterion.pk: Decimal(str(value))
        for criterion, value in zip(round_.criteria.all(), points, strict=True)
    }


def totals(round_: Round, total) -> dict[int, Decimal]:
    """Values adding up to `total` (≤ 100): 项目设计 first, then the others in order."""
    left = Decimal(str(total))
    out = {}
    criteria = sorted(round_.criteria.all(), key=lambda c: (-c.maximum, c.sort_order))
    for criterion in criteria:
        take = min(left, criterion.maximum)
        out[criterion.pk] = take
        left -= take
    return out


def make_round(*, judges=2, projects=2, by=None, **round_fields):
    """An open round, `projects` eligible projects, `judges` judges each assigned every project."""
    round_ = RoundFactory(**round_fields)
    project_list = [
        ProjectFactory(competition=round_.competition, running_order=n + 1) for n in range(projects)
    ]
    judge_list = [JudgeFactory() for _ in range(judges)]
    assignments = {
        (judge.pk, project.pk): services.assign(round_, project=project, judge=judge, by=by)
        for judge in judge_list
        for project in project_list
    }
    return round_, project_list, judge_list, assignments


def submit(assignment, points_or_total):
    round_ = assignment.round
    given = (
        totals(round_, points_or_total)
        if not isinstance(points_or_total, tuple)
        else values(round_, *points_or_total)
    )
    return services.submit_score(assignment, values=given, by=assignment.judge)
