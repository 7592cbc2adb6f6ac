"""Evaluations (评教): a trainee rates a session they attended, once."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.models import Session

# Averages are shown on public pages only from this many answers up: fewer would let anyone
# guess how one trainee rated a session.
PUBLIC_MINIMUM = 3
SCALE = range(1, 6)
CRITERIA = ("content", "delivery", "usefulness", "organisation")


class EvaluationQuerySet(models.QuerySet):
    def for_lecturer_user(self, user):
        """The evaluations of sessions taught by a lecturer whose page is linked to `user`."""
        taught = Session.objects.filter(lecturers__user=user).values("pk")
        return self.filter(session__in=taught)

    def summary(self) -> dict:
        """The number of answers and each criterion's average (two decimals), and `overall`,
        the mean of the four averages; averages are None without answers."""
        averages = {f"{name}_avg": Avg(name) for name in Evaluation.CRITERIA}
        row = self.aggregate(count=Count("pk"), **averages)
        summary = {"count": row["count"]}
        for name in Evaluation.CRITERIA:
            value = row[f"{name}_avg"]
            summary[name] = None if value is None else Decimal(value).quantize(Decimal("0.01"))
        values = [summary[name] for name in Evaluation.CRITERIA]
        summary["overall"] = (
            None if row["count"] == 0 else (sum(values) / len(values)).quantize(Decimal("0.01"))
        )
        return summary

    def public_summary(self) -> dict | None:
        """`summary()` when there are at least PUBLIC_MINIMUM answers, else None."""
        summary = self.summary()
        return summary if summary["count"] >= PUBLIC_MINIMUM else None


def score_field(label):
    return models.PositiveSmallIntegerField(
        label,
        choices=[(n, str(n)) for n in SCALE],
        validators=[MinValueValidator(SCALE.start), MaxValueValidator(SCALE.stop - 1)],
    )


class Evaluation(models.Model):
    """One trainee's rating of one session they attended: at most one per registration and
    session, written only through `attendance.services_evaluations.evaluate`, which checks the
    attendance. Nobody sees who rated: lecturers and staff see scores and comments, public
    pages only averages from PUBLIC_MINIMUM answers up."""

    CRITERIA = CRITERIA

    session = models.ForeignKey(
        "bookings.Session",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("session"),
    )
    registration = models.ForeignKey(
        "bookings.Registration",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("registration"),
    )
    content = score_field(pgettext_lazy("evaluation", "content"))
    delivery = score_field(pgettext_lazy("evaluation", "delivery"))
    usefulness = score_field(pgettext_lazy("evaluation", "usefulness"))
    organisation = score_field(pgettext_lazy("evaluation", "organisation"))
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True, db_index=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("view_own_evaluations", _("Can see the evaluations of their own sessions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"], name="evaluation_once_per_session"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": SCALE.start, f"{name}__lte": SCALE.stop - 1}),
                    name=f"evaluation_{name}_on_the_scale",
                )
                for name in CRITERIA
            ],
        ]

    def __str__(self):
        return f"{self.session} · {self.average}"

    @property
    def average(self) -> Decimal:
        """The mean of the four scores, to one decimal."""
        total = sum(getattr(self, name) for name in self.CRITERIA)
        return (Decimal(total) / len(self.CRITERIA)).quantize(Decimal("0.1"))
