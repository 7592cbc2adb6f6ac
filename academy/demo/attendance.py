"""The attendance phase of the demo seeder: who came to the sessions held, how they rated them,
the study visits of delegations from elsewhere, and a session open for check-in today.

Runs after the programmes phase, from ``data/attendance.yaml``:

1. Today's salon: a one-day cohort of earlier trainees whose session starts a quarter of an
   hour after the seeder runs (Asia/Shanghai), in a free room with a free lecturer, so that
   `make run` opens on a session staff can scan and trainees can check in to.
2. Attendance for every scheduled session that has begun: each confirmed registration of its
   cohort present, late, excused (with a reason) or absent, with the time and the way they
   checked in. Sessions that already have attendance are left alone.
3. Evaluations (评教) of a share of the attendances just made, each session with a quality of
   its own, some with a comment.
4. Study visits (来烟学习交流) from other provinces and cities to one to three bases of a
   district, added until the visitors figure (trainees who attended plus the visits' actual
   headcounts, attendance.figures) reaches ``visitors_target``; a few still to come, a few
   held but not yet confirmed. Nothing is added once the target is reached.

Rows are written with ``bulk_create`` and their times put back with one executemany; the random
streams are seeded per phase, so a seed gives the same data on the same day.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from attendance import figures
from attendance.models import Attendance, AttendanceRule, Evaluation, StudyVisit
from bases.models import TrainingBasePage
from bookings.models import Cohort, ProgrammePage, Registration, Session, new_code
from core.tokens import new_token
from lecturers.models import LecturerPage

from . import content
from .bookings import update_columns

Status = Attendance.Status
Source = Attendance.Source


class AttendanceSeeder:
    """Run by ``DemoSeeder.run()`` after the programmes; uses its random streams and counters."""

    def __init__(self, seeder):
        self.seeder = seeder
        self.data = content.attendance
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate(self.now, self.tz)

    def rng(self, phase: str):
        return self.seeder.rng(f"attendance:{phase}")

    def run(self) -> None:
        with transaction.atomic(), self.seeder.bar(4, "签到、评教与来访", "步") as bar:
            self.todays_salon()
            bar.update()
            made = self.attendance()
            bar.update()
            self.evaluations(made)
            bar.update()
            self.study_visits()
            bar.update()

    # -- 1. a session open for check-in today ----------------------------------------------------

    def todays_salon(self) -> None:
        spec = self.data.today
        programme = ProgrammePage.objects.filter(slug=spec["programme"]).first()
        if (
            programme is None
            or Cohort.objects.filter(programme=programme, title=spec["cohort"]).exists()
        ):
            return
        rng = self.rng("today")
        start = self.now + timedelta(minutes=spec["starts_in_minutes"])
        start = start.replace(second=0) + timedelta(minutes=(5 - start.minute % 5) % 5)
        if timezone.localdate(start, self.tz) != self.today:  # just before midnight
            start = self.now.replace(second=0)
        end = start + timedelta(minutes=spec["minutes"])
        room = next(
            (r for r in spec["rooms"] if not self.busy(start, end, room=r)), spec["rooms"][-1]
        )
        lecturer = next(
            (
                pk
                for pk in LecturerPage.objects.live().order_by("path").values_list("pk", flat=True)
                if not self.busy(start, end, lecturer=pk)
            ),
            None,
        )
        # Earlier trainees of the programme, each once.
        alumni = list(
            Registration.objects.filter(
                cohort__programme=programme,
                cohort__ends_on__lt=self.today,
                status=Registration.Status.CONFIRMED,
            ).order_by("pk")
        )
        by_phone = {registration.phone: registration for registration in alumni}
        chosen = rng.sample(sorted(by_phone), min(spec["trainees"], len(by_phone)))
        opens = datetime.combine(self.today - timedelta(days=20), time(9), tzinfo=self.tz)
        cohort = Cohort.objects.create(
            programme=programme,
            title=spec["cohort"],
            starts_on=self.today,
            ends_on=self.today,
            capacity=max(len(chosen), 1) + 4,
            registration_opens_at=opens,
            registration_closes_at=opens + timedelta(days=18),
            waitlist_enabled=False,
            audience=programme.audience,
            location=content.bookings.programme_address,
            contact_name=f"{rng.choice(content.bookings.staff_surnames)}老师",
            contact_phone=f"0535-6688{rng.randint(101, 199)}",
        )
        session = Session.objects.create(
            cohort=cohort,
            title=spec["title"],
            room=room,
            starts_at=start,
            ends_at=end,
            study_hours=Decimal(spec["study_hours"]),
            uid=self.seeder.uuid(rng),
        )
        if lecturer:
            session.lecturers.set([lecturer])
        codes = set(Registration.objects.values_list("code", flat=True))
        rows = []
        for phone in chosen:
            source = by_phone[phone]
            code = new_code()
            while code in codes:
                code = new_code()
            codes.add(code)
            rows.append(
                Registration(
                    cohort=cohort,
                    status=Registration.Status.CONFIRMED,
                    source=Registration.Source.STAFF,
                    code=code,
                    token=new_token(),
                    consented_at=opens,
                    decided_at=opens,
                    **{name: getattr(source, name) for name in Registration.TRAINEE_FIELDS},
                )
            )
        Registration.objects.bulk_create(rows)
        self.seeder.created["cohorts"] += 1
        self.seeder.created["sessions"] += 1
        self.seeder.created["registrations"] += len(rows)

    @staticmethod
    def busy(start, end, *, room: str = "", lecturer: int | None = None) -> bool:
        """Whether the academy's room or the lecturer has a session from start to end."""
        sessions = Session.objects.scheduled().overlapping(start, end)
        if lecturer:
            return sessions.filter(lecturers=lecturer).exists()
        return sessions.filter(base__isnull=True, room=room).exists()

    # -- 2. attendance -----------------------------------------------------------------------------

    def attendance(self) -> list[Attendance]:
        """Attendance of every session begun that has none yet; the rows made."""
        sessions = list(
            Session.objects.scheduled()
            .filter(starts_at__lte=self.now)
            .exclude(pk__in=Attendance.objects.values("session_id"))
            .select_related("cohort__programme")
            .order_by("starts_at", "pk")
        )
        confirmed = defaultdict(list)
        for pk, cohort_id in (
            Registration.objects.filter(
                cohort__in={s.cohort_id for s in sessions}, status=Registration.Status.CONFIRMED
            )
            .order_by("pk")
            .values_list("pk", "cohort_id")
        ):
            confirmed[cohort_id].append(pk)
        rules = {}
        statuses, status_weights = zip(*self.data.statuses.items(), strict=True)
        sources, source_weights = zip(*self.data.sources.items(), strict=True)
        rows, times = [], []
        for session in sessions:
            rng = self.rng(f"session:{session.uid}")
            programme = session.cohort.programme
            if programme.pk not in rules:
                rules[programme.pk] = AttendanceRule.for_programme(programme)
            late_after = rules[programme.pk].late_after_minutes
            for registration_id in confirmed[session.cohort_id]:
                status = rng.choices(statuses, status_weights)[0]
                row = Attendance(session=session, registration_id=registration_id, status=status)
                if status in Attendance.ATTENDED:
                    row.source = rng.choices(sources, source_weights)[0]
                    minutes = (
                        -rng.uniform(2, 25)
                        if status == Status.PRESENT
                        else rng.uniform(late_after + 1, late_after + 35)
                    )
                    row.checked_in_at = (session.starts_at + timedelta(minutes=minutes)).replace(
                        microsecond=0
                    )
                    recorded = row.checked_in_at
                else:
                    row.source = Source.ROSTER
                    if status == Status.EXCUSED:
                        row.reason = rng.choice(self.data.excuse_reasons)
                    recorded = session.ends_at
                rows.append(row)
                times.append(min(recorded, self.now))
        Attendance.objects.bulk_create(rows, batch_size=1000)
        for row, moment in zip(rows, times, strict=True):
            row.created_at = row.updated_at = moment
        update_columns(Attendance, rows, ["created_at", "updated_at"])
        self.seeder.created["attendance"] += len(rows)
        return rows

    # -- 3. evaluations ----------------------------------------------------------------------------

    def evaluations(self, attendances: list[Attendance]) -> None:
        rng = self.rng("evaluations")
        quality = {}
        rows, times = [], []
        for row in attendances:
            if row.status not in Attendance.ATTENDED or rng.random() >= self.data.evaluation_share:
                continue
            session = row.session
            if session.pk not in quality:
                quality[session.pk] = min(4.9, max(3.2, rng.gauss(4.35, 0.35)))
            mean = quality[session.pk]
            scores = [
                min(5, max(1, round(rng.gauss(mean + offset, 0.6))))
                for offset in (0.0, 0.05, -0.1, 0.15)
            ]
            comment = ""
            if rng.random() < self.data.comment_share:
                pool = self.data.praise if sum(scores) >= 17 else self.data.suggestions
                comment = rng.choice(pool)
            rows.append(
                Evaluation(
                    session=session,
                    registration_id=row.registration_id,
                    content=scores[0],
                    delivery=scores[1],
                    usefulness=scores[2],
                    organisation=scores[3],
                    comment=comment,
                )
            )
            rated = session.ends_at + timedelta(hours=rng.uniform(0.2, 48))
            times.append(min(rated, self.now).replace(microsecond=0))
        Evaluation.objects.bulk_create(rows, batch_size=1000)
        for row, moment in zip(rows, times, strict=True):
            row.created_at = moment
        update_columns(Evaluation, rows, ["created_at"])
        self.seeder.created["evaluations"] += len(rows)

    # -- 4. study visits ---------------------------------------------------------------------------

    def study_visits(self) -> None:
        remaining = self.data.visitors_target - figures.headline()["visitors"]
        if remaining <= 0 or StudyVisit.objects.exists():
            return
        rng = self.rng("visits")
        bases_by_district = defaultdict(list)
        for pk, district_id in (
            TrainingBasePage.objects.live().order_by("path").values_list("pk", "district_id")
        ):
            bases_by_district[district_id].append(pk)
        districts = sorted(bases_by_district)
        low, high = self.data.headcount
        days = self.weekdays(self.data.days_back)
        recent = [day for day in days if day >= self.today - timedelta(days=7)]
        visits, links = [], []

        def visit(visited_on, planned, actual):
            province, city, city_districts = rng.choice(self.data.delegation_cities)
            name = rng.choice(self.data.delegation_names).format(
                city=city, district=rng.choice(city_districts)
            )
            surname = rng.choice(content.core.surnames)
            confirmed = actual is not None
            visits.append(
                StudyVisit(
                    organisation=name,
                    province=province,
                    city=city,
                    contact_name=f"{surname}{rng.choice(self.data.contact_titles)}",
                    contact_phone=rng.choice(content.bookings.mobile_prefixes)
                    + f"{rng.randrange(10**8):08d}",
                    visited_on=visited_on,
                    planned_headcount=planned,
                    actual_headcount=actual,
                    confirmed_at=datetime.combine(visited_on, time(17, 30), tzinfo=self.tz)
                    if confirmed
                    else None,
                )
            )
            district = rng.choice(districts)
            pool = bases_by_district[district]
            links.append(rng.sample(pool, min(len(pool), rng.randint(1, 3))))

        for _ in range(self.data.upcoming_visits):
            visit(self.today + timedelta(days=rng.randint(2, 20)), rng.randint(low, high), None)
        for _ in range(self.data.unconfirmed_visits):
            visit(rng.choice(recent), rng.randint(low, high), None)
        while remaining > 0:
            planned = rng.randint(low, high)
            actual = min(remaining, max(1, planned - rng.randint(-1, 3)))
            if 0 < remaining - actual < low:  # the last delegation takes the rest
                actual = remaining
            visit(rng.choice(days), max(planned, actual), actual)
            remaining -= actual
        StudyVisit.objects.bulk_create(visits, batch_size=500)
        self.seeder.link_m2m(StudyVisit, "bases", zip(visits, links, strict=True))
        self.seeder.created["study visits"] += len(visits)

    def weekdays(self, days_back: int) -> list:
        """The working days from `days_back` days ago to yesterday."""
        start = self.today - timedelta(days=days_back)
        days = (start + timedelta(days=n) for n in range(days_back))
        return [day for day in days if day.weekday() < 5]


def visitor_counts() -> list[tuple[str, int]]:
    """Lines for `seed_demo`'s summary."""
    statuses = dict(Attendance.objects.order_by().values_list("status").annotate(n=Count("pk")))
    headline = figures.headline()
    return [
        ("签到记录", Attendance.objects.count()),
        *[(f"  {label}", statuses.get(value, 0)) for value, label in STATUS_LABELS.items()],
        ("评教", Evaluation.objects.count()),
        ("来烟学习交流团组", StudyVisit.objects.count()),
        ("来烟学习交流人数", headline["visitors"]),
        ("  其中参训学员", headline["trainees"]),
        ("  其中交流团组", headline["delegation_visitors"]),
    ]


STATUS_LABELS = {
    Status.PRESENT: "出勤",
    Status.LATE: "迟到",
    Status.EXCUSED: "请假",
    Status.ABSENT: "缺勤",
}
