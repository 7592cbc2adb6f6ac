"""`GET /api/v1/figures/`: the academy's headline figures, public and cached."""

from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import AcceptLanguageMixin, api_exception_handler

from . import figures


class FiguresSerializer(serializers.Serializer):
    visitors = serializers.IntegerField(
        help_text=_(
            "People who came to study (来烟学习交流): trainees who attended at least one "
            "session, each counted once by mobile number, plus the study visits' actual "
            "headcounts."
        )
    )
    trainees = serializers.IntegerField(
        help_text=_("Distinct trainees (by mobile number) who attended at least one session.")
    )
    delegation_visitors = serializers.IntegerField(
        help_text=_("The actual headcounts of the study visits of delegations, added up.")
    )
    courses = serializers.IntegerField(help_text=_("Published courses."))
    lecturers = serializers.IntegerField(help_text=_("Published lecturers' profiles."))
    bases = serializers.IntegerField(help_text=_("Published training bases."))
    sessions_held = serializers.IntegerField(
        help_text=_("Sessions that took place: not cancelled, and over.")
    )
    study_hours = serializers.DecimalField(
        max_digits=10,
        decimal_places=1,
        help_text=_("The study hours (学时) of the sessions held, added up."),
    )


class FiguresView(AcceptLanguageMixin, APIView):
    """The academy's headline figures, as the home page shows them."""

    authentication_classes = []
    permission_classes = []
    # Counted again at most this often (attendance.figures.CACHE_SECONDS); browsers and
    # proxies may keep the answer for as long.
    max_age = figures.CACHE_SECONDS

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        summary=_("The academy's figures"),
        description=_(
            "Courses, lecturers, training bases, sessions held, study hours and visitors, "
            "counted from the database at most every five minutes. Public, no personal data."
        ),
        responses={200: FiguresSerializer},
    )
    def get(self, request):
        response = Response(FiguresSerializer(figures.cached_headline()).data)
        patch_cache_control(response, public=True, max_age=self.max_age)
        return response
