"""What bench/ranking.py runs inside the project (as bench/inside.py, the same protocol:
``python -m bench.ranking_inside COMMAND [JSON arguments]`` prints ``BENCH-RESULT {json}``).

Rows are written with bulk_create: the benchmark measures the reads, and a round of 100,000
scores would take an hour through the services, which check and log each one.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

from bench.inside import MARKER

CRITERIA = (
    ("需求分析", 20),
    ("项目设计", 25),
    ("可行性", 15),
    ("预算合理性", 15),
    ("创新性", 15),
    ("可持续性", 10),
)
BATCH = 5_000


def competition_page():
    """A competition page under the site's root page (the bench database has no home page)."""
    from django.utils import timezone
    from wagtail.models import Page

    from competitions.models import CompetitionIndexPage, CompetitionPage

    parent = Page.objects.get(depth=2)
    index = CompetitionIndexPage.objects.first() or parent.add_child(
        instance=CompetitionIndexPage(title="大赛", slug="competitions")
    )
    number = CompetitionPage.objects.count() + 1
    now = timezone.now()
    return index.add_child(
        instance=CompetitionPage(
            title=f"党建引领·创益福山公益创投大赛（基准{number}）",
            slug=f"bench-{number}",
            budget=Decimal("2000000"),
            submissions_open_at=now - datetime.timedelta(days=60),
            submissions_close_at=now - datetime.timedelta(days=30),
        )
    )


def seed_round(
    projects: int, judges: int, per_project: int, live: bool = False, scored: int | None = None
) -> dict[str, Any]:
    """A round of `projects` × `judges` (each project scored by `per_project` of them, all
    when 0) × 6 criteria, every score submitted; in a live round only the first `scored`
    projects in running order are fully scored."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from competitions.models import (
        JUDGES_GROUP,
        Assignment,
        Category,
        Criterion,
        CriterionScore,
        Project,
        Round,
        Score,
    )
    from core.models import User
    from core.validators import credit_code_check_char

    started = time.perf_counter()
    rng = random.Random(12)
    now = timezone.now()
    with transaction.atomic():
        competition = competition_page()
        category, _ = Category.objects.get_or_create(name="为老服务")
        round_ = Round.objects.create(
            competition=competition,
            title="决赛路演" if live else "初审",
            is_live=live,
            status=Round.Status.OPEN,
            advance_count=max(1, projects // 10),
            judges_per_project=per_project or judges,
        )
        criteria = Criterion.objects.bulk_create(
            Criterion(round=round_, name=name, maximum=Decimal(maximum), sort_order=order)
            for order, (name, maximum) in enumerate(CRITERIA)
        )
        group = Group.objects.get(name=JUDGES_GROUP)
        prefix = f"r{round_.pk}j"
        users = User.objects.bulk_create(
            User(username=f"{prefix}{n:03d}", first_name=f"评委{n}") for n in range(judges)
        )
        group.user_set.add(*users)
        rows = []
        for n in range(projects):
            first17 = f"5237{round_.pk:04d}{n:09d}"[:17]
            rows.append(
                Project(
                    competition=competition,
                    status=Project.Status.ELIGIBLE,
                    organisation_name=f"福山区社会工作服务中心{n}",
                    credit_code=first17 + credit_code_check_char(first17),
                    contact_name="李娜",
                    contact_phone=f"139{n:08d}",
                    email=f"org{n}@example.org",
                    title=f"银龄互助之家{n}",
                    category=category,
                    summary="为社区独居老人提供互助服务。",
                    need="需求",
                    plan="计划",
                    beneficiaries="老人",
                    budget_requested=Decimal("50000"),
                    running_order=n + 1 if live else None,
                    consented_at=now,
                    submitted_at=now - datetime.timedelta(minutes=projects - n),
                )
            )
        project_rows = Project.objects.bulk_create(rows, batch_size=BATCH)
        quality = {project.pk: rng.uniform(0.5, 0.95) for project in project_rows}
        bias = {user.pk: rng.gauss(0, 0.04) for user in users}
        assignments = []
        for index, project in enumerate(project_rows):
            panel = (
                users
                if not per_project
                else [users[(index * per_project + k) % judges] for k in range(per_project)]
            )
            assignments.extend(Assignment(round=round_, project=project, judge=j) for j in panel)
        assignments = Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        done = {project.pk for project in project_rows[: scored if scored is not None else None]}
        scores, values = [], []
        for assignment in assignments:
            if assignment.project_id not in done:
                continue
            points = [
                min(
                    Decimal(maximum),
                    max(
                        Decimal(0),
                        Decimal(
                            round(
                                maximum
                                * (
                                    quality[assignment.project_id]
                                    + bias[assignment.judge_id]
                                    + rng.gauss(0, 0.05)
                                ),
                                1,
                            )
                        ),
                    ),
                )
                for _name, maximum in CRITERIA
            ]
            scores.append(
                Score(
                    assignment=assignment,
                    status=Score.Status.SUBMITTED,
                    total=sum(points, Decimal(0)),
                    submitted_at=now,
                )
            )
            values.append(points)
        scores = Score.objects.bulk_create(scores, batch_size=BATCH)
        CriterionScore.objects.bulk_create(
            (
                CriterionScore(score=score, criterion=criterion, value=value)
                for score, points in zip(scores, values, strict=True)
                for criterion, value in zip(criteria, points, strict=True)
            ),
            batch_size=BATCH,
        )
    return {
        "round": round_.pk,
        "projects": projects,
        "judges": judges,
        "criteria": len(criteria),
        "assignments": len(assignments),
        "scores": len(scores),
        "criterion_scores": len(scores) * len(criteria),
        "seconds": time.perf_counter() - started,
    }


def time_ranking(round_id: int, runs: int) -> dict[str, Any]:
    """`selectors.round_ranking` of the round, `runs` times: wall-clock milliseconds (the
    first in a process that has not loaded the round before), CPU milliseconds, SQL queries."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from competitions.selectors import round_ranking

    times, cpu, queries = [], [], []
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            ranking = round_ranking(round_id)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries.append(len(captured.captured_queries))
    scored = ranking.scored
    started = time.perf_counter()
    flagged = sum(1 for j in ranking.consistency.judges if j.flags)
    consistency_ms = (time.perf_counter() - started) * 1000
    return {
        "consistency_ms": consistency_ms,
        "first_ms": times[0],
        "median_ms": statistics.median(times),
        "best_ms": min(times),
        # CPU time of this process (SQLite runs in it too): what a busy machine inflates least.
        "cpu_median_ms": statistics.median(cpu),
        "queries": queries,
        "ranked": len(scored),
        "top": [{"title": line.project.title, "score": str(line.aggregate)} for line in scored[:3]],
        "flagged_judges": flagged,
    }


def time_live_payload(round_id: int, runs: int) -> dict[str, Any]:
    """The live screen's document computed uncached (what the first request after each
    submission pays), and served from the cache."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from competitions.live import bump_round, cached_payload

    uncached, cached = [], []
    for _ in range(runs):
        bump_round(round_id=round_id)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            data, _version = cached_payload(round_id)
            uncached.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured_cached:
            started = time.perf_counter()
            cached_payload(round_id)
            cached.append((time.perf_counter() - started) * 1000)
    cache.clear()
    return {
        "uncached_ms": statistics.median(uncached),
        "uncached_queries": queries,
        "cached_ms": statistics.median(cached),
        "cached_queries": len(captured_cached.captured_queries),
        "bytes": len(json.dumps(data, ensure_ascii=False).encode()),
        "scored": data["scored"],
        "total": data["total"],
    }


COMMANDS = {f.__name__: f for f in (seed_round, time_ranking, time_live_payload)}


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    command, *arguments = argv
    result = COMMANDS[command](*(json.loads(argument) for argument in arguments))
    print(f"{MARKER} {json.dumps(result, ensure_ascii=False)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
