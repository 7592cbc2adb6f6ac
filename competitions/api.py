"""The staff API of competitions: a round's ranking (per-judge totals, aggregate, rank, who
advances, the judges' consistency), for staff holding `competitions.view_score`, by token
(`Authorization: Token …`, made with `manage.py drf_create_token <username>`) or by the admin's
session."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import (
    AcceptLanguageMixin,
    CachedPermissionsSessionAuthentication,
    CachedPermissionsTokenAuthentication,
    ErrorSerializer,
    api_exception_handler,
)

from .models import Round
from .selectors import round_ranking, round_with_rubric


class SeesScores(permissions.BasePermission):
    """Staff who may see every judge's scores."""

    message = _("Only staff who may see judges' scores can read rankings.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("competitions.view_score"))


class RankingRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text=_("The round's title, e.g. 初审."))
    competition = serializers.CharField(source="competition.title")
    status = serializers.ChoiceField(choices=Round.Status.choices)
    aggregate = serializers.ChoiceField(
        choices=Round.Aggregate.choices, help_text=_("How the judges' totals are combined.")
    )
    normalise = serializers.BooleanField(
        help_text=_("Whether each judge's totals are normalised (z-score) before combining.")
    )
    tie_rule = serializers.ChoiceField(choices=Round.TieRule.choices)
    advance_count = serializers.IntegerField(
        allow_null=True, help_text=_("How many projects of the ranking advance.")
    )


class RankingJudgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class JudgeTotalSerializer(serializers.Serializer):
    judge = serializers.IntegerField(help_text=_("The judge's id, as in `judges`."))
    total = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text=_("The judge's submitted total.")
    )


class RankingLineSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.id")
    title = serializers.CharField(source="project.title")
    organisation = serializers.CharField(source="project.organisation_name")
    category = serializers.CharField(source="project.category")
    rank = serializers.IntegerField(
        allow_null=True,
        help_text=_("1 for the first; tied projects share a rank; null until a judge scored."),
    )
    aggregate = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text=_("The project's score: the round's aggregate of its judges' totals."),
    )
    advances = serializers.BooleanField(help_text=_("Whether the project advances."))
    assigned = serializers.IntegerField(help_text=_("Judges assigned to the project."))
    submitted = serializers.IntegerField(help_text=_("Judges who submitted their score."))
    totals = serializers.SerializerMethodField(
        help_text=_("Each submitted total by judge; only submitted scores count.")
    )

    @extend_schema_field(JudgeTotalSerializer(many=True))
    def get_totals(self, line) -> list:
        judges = self.context["judges"]
        return [
            {"judge": judge.id, "total": f"{total:.2f}"}
            for judge, total in zip(judges, line.totals, strict=True)
            if total is not None
        ]


class JudgeConsistencySerializer(serializers.Serializer):
    judge = serializers.IntegerField()
    count = serializers.IntegerField(help_text=_("Projects the judge scored."))
    mean = serializers.DecimalField(max_digits=8, decimal_places=2)
    spread = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text=_("Standard deviation of the judge's totals.")
    )
    offset = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text=_("Mean difference from the other judges' mean on the same projects."),
    )
    z = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=["high", "low", "narrow", "wide"]),
        help_text=_(
            "high: scores higher than the panel; low: lower; narrow: hardly tells projects "
            "apart; wide: spreads totals far more than the panel."
        ),
    )


class RankingSerializer(serializers.Serializer):
    round = RankingRoundSerializer()
    maximum = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text=_("The most a judge's total can be.")
    )
    judges = RankingJudgeSerializer(many=True)
    results = RankingLineSerializer(many=True, source="lines")
    consistency = JudgeConsistencySerializer(many=True, source="consistency.judges")


ROUND_NOT_FOUND = _("No such round.")


class RoundViewSet(AcceptLanguageMixin, viewsets.GenericViewSet):
    """Rounds of competitions, for staff."""

    authentication_classes = [
        CachedPermissionsTokenAuthentication,
        CachedPermissionsSessionAuthentication,
    ]
    permission_classes = [SeesScores]
    queryset = Round.objects.none()
    serializer_class = RankingSerializer

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        summary=_("A round's ranking"),
        description=_(
            "Each project's submitted totals by judge, its aggregate (the round's trimmed mean, "
            "mean or median, normalised if the round says so), rank and whether it advances, "
            "and each judge's consistency against the panel. Only submitted scores count. For "
            "staff who may see judges' scores: `Authorization: Token <key>`."
        ),
        responses={
            200: RankingSerializer,
            401: OpenApiResponse(ErrorSerializer, description=_("No valid token or session.")),
            403: OpenApiResponse(ErrorSerializer, description=SeesScores.message),
            404: OpenApiResponse(ErrorSerializer, description=ROUND_NOT_FOUND),
        },
    )
    @action(detail=True, methods=["get"], url_path="ranking")
    def ranking(self, request, pk=None):
        try:
            round_ = round_with_rubric(int(pk))
        except (Round.DoesNotExist, ValueError):
            raise exceptions.NotFound(ROUND_NOT_FOUND) from None
        ranking = round_ranking(round_)
        serializer = RankingSerializer(
            ranking, context={"request": request, "judges": ranking.judges}
        )
        return Response(serializer.data)
