"""The competitions phase of the demo seeder: a public-interest venture competition whose three
rounds are judged and whose results are published (120 projects, 15 judges, awards within the
budget), and a volunteer-service competition in progress (its first round being scored).

The texts are in ``data/competitions.yaml``. A competition is identified by its slug under the
competitions index; an existing one is left alone, so running the seeder again creates nothing.
Judges (judge01…judge15, the demo password) come from ``users.ensure_judges``.

Assignments go through ``competitions.services.auto_assign`` (balanced loads, never a judge of
the project's own organisation), awards through ``set_award`` (within the budget) and results
through ``publish_results``. The scores of the rounds are made in bulk, as judges would have
submitted them: each project has a quality, each judge a severity, each criterion some noise.
"""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from statistics import mean

from django.db import transaction
from django.utils import timezone

from competitions import services
from competitions.models import (
    Award,
    Category,
    CompetitionIndexPage,
    CompetitionPage,
    Criterion,
    CriterionScore,
    Objection,
    Project,
    Round,
    Score,
    TimelineStep,
)
from core.tokens import new_token
from core.validators import credit_code_check_char

from . import content
from .users import ensure_judges

TENTH = Decimal("0.1")


def credit_code(serial: int) -> str:
    """A GB 32100 code of a social organisation (52) registered in Yantai (370600)."""
    first17 = f"52370600M{serial:08d}"
    return first17 + credit_code_check_char(first17)


def trimmed_mean(totals: list[Decimal]) -> Decimal:
    """The customary aggregate: without the highest and the lowest total from 5 judges on.
    (The demo decides who advances with it; the site ranks with competitions' own.)"""
    totals = sorted(totals)
    if len(totals) >= 5:
        totals = totals[1:-1]
    return Decimal(mean(totals)) if totals else Decimal(0)


class CompetitionSeeder:
    """Runs inside ``DemoSeeder`` (``seeder``): its random streams, progress and counters."""

    def __init__(self, seeder):
        self.seeder = seeder
        self.text = content.competitions

    def run(self, index: CompetitionIndexPage) -> None:
        categories = self.categories()
        judges = ensure_judges()
        existing = set(index.get_children().values_list("slug", flat=True))
        with self.seeder.bar(2, "大赛", "项") as bar:
            if self.text.venture["slug"] not in existing:
                self.venture(index, categories, judges)
            bar.update()
            if self.text.volunteer["slug"] not in existing:
                self.volunteer(index, categories, judges)
            bar.update()

    def categories(self) -> list[Category]:
        for order, name in enumerate(self.text.categories):
            Category.objects.get_or_create(name=name, defaults={"sort_order": order})
        return list(Category.objects.filter(name__in=self.text.categories))

    # -- the two competitions ----------------------------------------------------------------------

    def competition(self, index, data: dict, categories, *, kind, opened_days_ago, open_days):
        now = timezone.now().replace(microsecond=0)
        opens = now - timedelta(days=opened_days_ago)
        page = CompetitionPage(
            title=data["title"],
            slug=data["slug"],
            kind=kind,
            year=now.year,
            organiser=data["organiser"],
            summary=data["summary"],
            budget=Decimal(data["budget"]),
            max_request=Decimal(data["max_request"]),
            rules=self.text.rules,
            submissions_open_at=opens,
            submissions_close_at=opens + timedelta(days=open_days),
            contact_name="刘老师",
            contact_phone="0535-6688123",
            first_published_at=opens - timedelta(days=7),
        )
        page.categories = categories
        steps = [("项目申报", 0, open_days), ("资格审查", open_days, open_days + 5)]
        day = open_days + 6
        for title, *_ in data["rounds"]:
            steps.append((title, day, day + 10))
            day += 12
        steps.append(("结果公示", day, day + 5))
        page.timeline = [
            TimelineStep(
                title=title,
                starts_on=(opens + timedelta(days=start)).date(),
                ends_on=(opens + timedelta(days=end)).date(),
                sort_order=order,
            )
            for order, (title, start, end) in enumerate(steps)
        ]
        self.seeder.add_page(index, page)
        page.save_revision().publish()
        self.seeder.created["pages"] += 1
        return page

    def venture(self, index, categories, judges) -> None:
        data = self.text.venture
        rng = self.seeder.rng("competitions:venture")
        with transaction.atomic():
            page = self.competition(
                index,
                data,
                categories,
                kind=CompetitionPage.Kind.VENTURE,
                opened_days_ago=100,
                open_days=30,
            )
            projects = self.projects(page, data["projects"], categories, rng, serial=0)
            self.conflicts(judges, projects)
            entrants = [project for project in projects if project.status == "eligible"]
            start = page.submissions_close_at + timedelta(days=6)
            ranking = []
            for order, (title, k, advance, live) in enumerate(data["rounds"], start=1):
                round_ = self.round(page, title, order, k, advance, live, start)
                if live:
                    for position, project in enumerate(entrants, start=1):
                        project.running_order = position
                    Project.objects.bulk_update(entrants, ["running_order"])
                services.auto_assign(round_, k=min(k, len(judges)), projects=entrants, by=None)
                ranking = self.score(round_, rng, complete=1.0, drafts=0.0)
                Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
                round_.status = Round.Status.CLOSED
                services.publish_results(
                    page,
                    round_=round_,
                    title=f"{page.title}{title}结果公示",
                    notice_starts_at=round_.ends_at,
                    notice_ends_at=round_.ends_at + timedelta(days=5),
                    by=None,
                )
                entrants = ranking[:advance]
                start += timedelta(days=12)
            self.awards(ranking, data["awards"])
            now = timezone.now().replace(microsecond=0)
            final = services.publish_results(
                page,
                title=f"{page.title}评审结果及资助项目公示",
                note="公示期内，对评审结果有异议的，可在本页提出。",
                notice_starts_at=now - timedelta(days=2),
                notice_ends_at=now + timedelta(days=3),
                by=None,
            )
            Objection.objects.create(
                publication=final,
                project=ranking[0],
                name="王先生",
                phone="13905350001",
                text="建议公开该项目的预算明细。",
            )

    def volunteer(self, index, categories, judges) -> None:
        data = self.text.volunteer
        rng = self.seeder.rng("competitions:volunteer")
        with transaction.atomic():
            page = self.competition(
                index,
                data,
                categories,
                kind=CompetitionPage.Kind.VOLUNTEER,
                opened_days_ago=40,
                open_days=30,
            )
            projects = self.projects(
                page, data["projects"], categories, rng, serial=1000, pending=3
            )
            start = page.submissions_close_at + timedelta(days=6)
            (title, k, advance, live), (final_title, final_k, final_advance, final_live) = data[
                "rounds"
            ]
            first = self.round(page, title, 1, k, advance, live, start)
            eligible = [project for project in projects if project.status == "eligible"]
            services.auto_assign(first, k=k, projects=eligible, by=None)
            self.score(first, rng, complete=0.6, drafts=0.15)
            self.round(
                page,
                final_title,
                2,
                final_k,
                final_advance,
                final_live,
                start + timedelta(days=12),
                status=Round.Status.DRAFT,
            )
            # A judge has declared a conflict that staff have yet to reassign.
            waiting = first.assignments.filter(score__isnull=True).order_by("pk").first()
            if waiting:
                waiting.conflict_declared_at = timezone.now()
                waiting.conflict_reason = "本人曾为该机构提供督导服务，申请回避。"
                waiting.save(update_fields=["conflict_declared_at", "conflict_reason"])

    # -- rows --------------------------------------------------------------------------------------

    def projects(self, page, count, categories, rng, *, serial, pending=0) -> list[Project]:
        text = self.text
        by_name = {category.name: category for category in categories}
        opens, closes = page.submissions_open_at, page.submissions_close_at
        window = (closes - opens).total_seconds()
        names, titles = set(), set()
        rows = []
        for i in range(count):
            category = by_name[text.categories[i % len(text.categories)]]
            organisation = self.seeder.unique(
                names,
                (
                    f"烟台市{rng.choice(text.places)}{rng.choice(text.themes)}{rng.choice(text.forms)}"
                    for _ in iter(int, 1)
                ),
            )
            title = self.seeder.unique(
                titles,
                (
                    f"{rng.choice(text.titles[category.name])}{suffix}"
                    for suffix in (
                        "",
                        "（二期）",
                        "（三期）",
                        "（示范点）",
                        "（提升版）",
                        *range(2, 99),
                    )
                ),
            )
            if i < pending:
                status, reason = Project.Status.SUBMITTED, ""
            elif i % 17 == 5:
                status, reason = Project.Status.INELIGIBLE, "申报单位成立未满一年，不符合申报条件。"
            else:
                status, reason = Project.Status.ELIGIBLE, ""
            submitted = opens + timedelta(seconds=window * (i + rng.random()) / (count + 1))
            rows.append(
                Project(
                    competition=page,
                    token=new_token(),
                    status=status,
                    ineligible_reason=reason,
                    organisation_name=organisation,
                    credit_code=credit_code(serial + i + 1),
                    contact_name=rng.choice(["李娜", "王芳", "张伟", "刘洋", "陈静", "杨帆"]),
                    contact_phone=f"139{serial + i + 1:08d}",
                    email=f"project{serial + i + 1}@example.org",
                    title=title,
                    category=category,
                    summary=f"{title}：{rng.choice(text.plan)}",
                    need=rng.choice(text.need),
                    plan=rng.choice(text.plan),
                    beneficiaries=rng.choice(text.beneficiaries),
                    beneficiary_count=rng.randrange(50, 1500, 10),
                    budget_requested=Decimal(rng.randrange(20, int(page.max_request) // 1000 + 1))
                    * 1000,
                    consented_at=submitted,
                    submitted_at=submitted,
                    reviewed_at=None if status == Project.Status.SUBMITTED else closes,
                )
            )
        projects = Project.objects.bulk_create(rows)
        self.seeder.created["competition projects"] += len(projects)
        return projects

    def conflicts(self, judges, projects) -> None:
        """Two judges declare an affiliation with a demo organisation: never assigned it."""
        for judge, project in ((judges[1], projects[10]), (judges[4], projects[20])):
            profile = judge.judge_profile
            profile.affiliations = project.organisation_name
            profile.save(update_fields=["affiliations"])

    def round(self, page, title, order, k, advance, live, start, *, status=Round.Status.OPEN):
        round_ = Round.objects.create(
            competition=page,
            title=title,
            sort_order=order,
            starts_at=start,
            ends_at=start + timedelta(days=1 if live else 10),
            is_live=live,
            judges_per_project=k,
            advance_count=advance,
            status=status,
        )
        Criterion.objects.bulk_create(
            Criterion(
                round=round_,
                name=name,
                maximum=Decimal(maximum),
                weight=Decimal(str(weight)),
                description=description,
                sort_order=position,
            )
            for position, (name, maximum, weight, description) in enumerate(self.text.rubric)
        )
        return round_

    def score(self, round_, rng, *, complete: float, drafts: float) -> list[Project]:
        """Scores of the round's assignments: `complete` of them submitted, `drafts` begun.
        The projects by trimmed mean of the submitted totals, best first."""
        criteria = list(round_.criteria.all())
        assignments = list(round_.assignments.select_related("project").order_by("pk"))
        quality = {}
        severity = {}
        scores, values = [], []
        for assignment in assignments:
            project_rng = random.Random(f"{self.seeder.seed}:quality:{assignment.project_id}")
            quality.setdefault(
                assignment.project_id, min(0.95, max(0.4, project_rng.gauss(0.72, 0.1)))
            )
            severity.setdefault(assignment.judge_id, rng.gauss(0, 0.05))
            draw = rng.random()
            if draw >= complete + drafts:
                continue
            submitted = draw < complete
            marks = {}
            for criterion in criteria:
                share = quality[assignment.project_id] + severity[assignment.judge_id]
                share = min(1.0, max(0.0, share + rng.gauss(0, 0.06)))
                marks[criterion] = (criterion.maximum * Decimal(str(share))).quantize(TENTH)
            total = sum((c.weight * v for c, v in marks.items()), Decimal(0))
            when = round_.starts_at + timedelta(hours=rng.uniform(1, 20))
            scores.append(
                Score(
                    assignment=assignment,
                    status=Score.Status.SUBMITTED if submitted else Score.Status.DRAFT,
                    total=total.quantize(Decimal("0.01")),
                    submitted_at=when if submitted else None,
                    comment="项目设计较完整，建议细化预算。" if rng.random() < 0.2 else "",
                )
            )
            values.append(marks)
        Score.objects.bulk_create(scores)
        CriterionScore.objects.bulk_create(
            CriterionScore(score=score, criterion=criterion, value=value)
            for score, marks in zip(scores, values, strict=True)
            for criterion, value in marks.items()
        )
        self.seeder.created["competition scores"] += len(scores)
        totals = defaultdict(list)
        projects = {}
        for score in scores:
            if score.status == Score.Status.SUBMITTED:
                totals[score.assignment.project_id].append(score.total)
                projects[score.assignment.project_id] = score.assignment.project
        order = sorted(
            totals,
            key=lambda pk: (-trimmed_mean(totals[pk]), projects[pk].submitted_at, pk),
        )
        return [projects[pk] for pk in order]

    def awards(self, ranking: list[Project], tiers) -> None:
        position = 0
        for tier, count, amount in tiers:
            for project in ranking[position : position + count]:
                services.set_award(project, amount=Decimal(amount), tier=tier, by=None)
            position += count
        self.seeder.created["competition awards"] += Award.objects.count()
