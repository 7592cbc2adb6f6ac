# -- Study hours, completion and certificates (issue 11): fixtures in results_fixtures.py ------
from tests.attendance.results_fixtures import completed_cohort, programmes  # noqa: F401
