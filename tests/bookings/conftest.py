import pytest
from django.utils import translation

from academy.settings.base import tasks_backend
from core.sms import MemorySMSBackend

from .factories import CohortFactory, ProgrammeIndexPageFactory, ProgrammePageFactory


@pytest.fixture(autouse=True)
def _sms_outbox():
    """The memory SMS backend keeps messages on the class; no test may see another's."""
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def database_tasks(settings):
    """Tasks are rows for `db_worker`, as with the production settings."""
    settings.TASKS = tasks_backend("database")


@pytest.fixture
def programme_index(site_tree):
    return ProgrammeIndexPageFactory()


@pytest.fixture
def programme(programme_index):
    return ProgrammePageFactory(title="基层党组织书记培训班", slug="secretaries")


@pytest.fixture
def cohort(programme):
    """Ten seats, registration open, a waiting list without limit."""
    return CohortFactory(programme=programme, title="第1期")


@pytest.fixture(autouse=True)
def _chinese():
    """URLs and messages in Chinese, the site's language at the root, whatever ran before.

    A request leaves its language active in the thread, so without this a test that follows
    one to /en/ would reverse URLs with the /en/ prefix.
    """
    with translation.override("zh-hans"):
        yield
