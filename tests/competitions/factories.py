"""Factories for competitions: pages, rounds with a rubric, projects, judges.

Projects, assignments and scores are written through `competitions.services` in the tests
that are about them; the factories here make the rows those services start from.
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from academy.models import HomePage
from competitions.models import (
    JUDGES_GROUP,
    Category,
    CompetitionIndexPage,
    CompetitionPage,
    Criterion,
    JudgeProfile,
    Project,
    Round,
)
from tests.factories import PageFactory, UserFactory, valid_credit_code

CATEGORIES = ("为老服务", "助残", "儿童青少年", "社区治理", "环境保护", "文化")
# 需求分析 20, 项目设计 30, 可行性 20, 预算合理性 15, 创新性 15: the rubric.
RUBRIC = (("需求分析", 20), ("项目设计", 30), ("可行性", 20), ("预算合理性", 15), ("创新性", 15))


def categories() -> list[Category]:
    return [
        Category.objects.get_or_create(name=name, defaults={"sort_order": order})[0]
        for order, name in enumerate(CATEGORIES)
    ]


class CompetitionIndexPageFactory(PageFactory):
    class Meta:
        model = CompetitionIndexPage

    parent = factory.LazyFunction(lambda: HomePage.objects.get())
    title = "大赛"
    slug = "competitions"
    introduction = "公益创投大赛与志愿服务项目大赛。"


def competition_index() -> CompetitionIndexPage:
    return CompetitionIndexPage.objects.first() or CompetitionIndexPageFactory()


class CompetitionPageFactory(PageFactory):
    """A venture competition of 2,000,000 yuan, taking submissions from a day ago for a week."""

    class Meta:
        model = CompetitionPage
        skip_postgeneration_save = True

    parent = factory.LazyFunction(competition_index)
    title = factory.Sequence(lambda n: f"党建引领·创益福山公益创投大赛{n}")
    slug = factory.Sequence(lambda n: f"venture-{n}")
    kind = CompetitionPage.Kind.VENTURE
    year = 2026
    budget = Decimal("2000000")
    summary = "福山区购买社会组织服务。"
    submissions_open_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    submissions_close_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))

    @factory.post_generation
    def with_categories(page, create, extracted, **kwargs):
        if create:
            page.categories.set(categories())
            page.save_revision().publish()


class RoundFactory(factory.django.DjangoModelFactory):
    """An open round with the issue's five-criterion rubric (100 points, weight 1 each)."""

    class Meta:
        model = Round
        skip_postgeneration_save = True

    competition = factory.SubFactory(CompetitionPageFactory)
    title = "初审"
    sort_order = factory.Sequence(lambda n: n + 1)
    status = Round.Status.OPEN
    judges_per_project = 3

    @factory.post_generation
    def rubric(round_, create, extracted, **kwargs):
        if create:
            for order, (name, maximum) in enumerate(extracted or RUBRIC):
                Criterion.objects.create(
                    round=round_, name=name, maximum=Decimal(maximum), sort_order=order
                )


def project_details(serial: int = 1, **overrides) -> dict:
    """What an applicant types, as the submission form hands it to `submit_project`."""
    details = {
        "organisation_name": f"福山区阳光社会工作服务中心{serial}",
        "credit_code": valid_credit_code(50_000 + serial),
        "contact_name": "李娜",
        "contact_phone": f"139{serial:08d}",
        "email": f"org{serial}@example.org",
        "title": f"银龄互助之家{serial}",
        "category": categories()[0],
        "summary": "为社区独居老人提供互助服务。",
        "need": "社区独居老人多，缺少日常照护。",
        "plan": "组建志愿者队伍，每周上门探访。",
        "beneficiaries": "福山区清洋街道独居老人",
        "beneficiary_count": 120,
        "budget_requested": Decimal("50000"),
    }
    return details | overrides


class ProjectFactory(factory.django.DjangoModelFactory):
    """An eligible project (as after the eligibility review)."""

    class Meta:
        model = Project

    competition = factory.SubFactory(CompetitionPageFactory)
    status = Project.Status.ELIGIBLE
    submitted_at = factory.LazyFunction(timezone.now)
    consented_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        serial = kwargs.pop("serial", None) or next(_serials)
        return super()._create(model_class, *args, **(project_details(serial) | kwargs))


_serials = iter(range(1, 10**6))


class JudgeFactory(UserFactory):
    """A user in the judges' group (评委), with a profile naming their organisation."""

    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"judge{n:02d}")
    first_name = factory.Sequence(lambda n: f"评委{n}")

    @factory.post_generation
    def profile(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=JUDGES_GROUP))
            JudgeProfile.objects.create(
                user=user,
                organisation_name=kwargs.get("organisation_name", f"烟台大学{user.pk}"),
                credit_code=kwargs.get("credit_code", ""),
                affiliations=kwargs.get("affiliations", ""),
            )
