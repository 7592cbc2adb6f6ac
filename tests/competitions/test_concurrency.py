"""Awards never exceed the budget, however many staff set them at once: `set_award` locks the
competition before adding up the others. On PostgreSQL threads with their own connections set
awards at the same moment; a control without the lock shows the race it prevents. (On SQLite
the transaction itself is the lock: BEGIN IMMEDIATE waits for any other writer.)"""

import contextlib
import threading
from decimal import Decimal

import pytest

from competitions import services
from competitions.models import Award
from tests import concurrency

from .factories import CompetitionPageFactory, ProjectFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AMOUNT = Decimal("20000")


@pytest.fixture
def projects(site_tree):
    competition = CompetitionPageFactory(budget=Decimal("100000"))
    return [ProjectFactory(competition=competition) for _ in range(10)]


def award_all(projects) -> list[str]:
    def award(index: int) -> str:
        services.set_award(projects[index], amount=AMOUNT, by=None)
        return "awarded"

    return concurrency.run_together(len(projects), award, refusals=(services.CompetitionError,))


@pytest.mark.postgres
def test_concurrent_awards_never_exceed_the_budget(postgres, projects):
    results = award_all(projects)

    assert sorted(results) == ["OverBudget"] * 5 + ["awarded"] * 5
    assert sum(Award.objects.values_list("amount", flat=True)) == Decimal("100000")


@pytest.mark.postgres
def test_concurrent_awards_without_the_lock_exceed_it(postgres, projects, monkeypatch):
    """The control: with every sum taken before any write, all of them see room left."""
    counted = threading.Barrier(len(projects), timeout=10)
    check_budget = services.check_budget

    def check_then_wait(*args, **kwargs):
        check_budget(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            counted.wait()

    monkeypatch.setattr(services, "lock_competition", lambda pk: projects[0].competition)
    monkeypatch.setattr(services, "check_budget", check_then_wait)

    results = award_all(projects)

    assert results.count("awarded") > 5
    assert sum(Award.objects.values_list("amount", flat=True)) > Decimal("100000")
