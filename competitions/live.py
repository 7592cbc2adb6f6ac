"""What the live roadshow's big screen shows (决赛路演), cached between score submissions.

The screen polls a small JSON document (`payload`): the running order with each project's
state, the trimmed-mean score (the round's aggregate) of every fully scored project, and the
live ranking of those. Each judge's own scores never appear on it. A project is fully scored
once every judge assigned has submitted and no declared conflict waits to be reassigned; the
current project is the first in running order that is not, so staff move the screen on by
nothing more than the judges' submissions.

The document is computed once per change and served from the cache to every viewer: its key
holds two generation numbers (core.cache), the round's, bumped when a score of the round is
submitted or reopened (`services.score_changed`), and one for all competitions, bumped by any
save of a round, criterion, assignment or project (a reassignment, the running order, a round
closed). A document computed while a submission lands is stored under the old generation and
never read again. `COMPETITIONS_LIVE_CACHE_SECONDS` bounds its life anyway, for caches that
are not shared between processes (the local-memory one of development).
"""

import json

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.formats import localize
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.cache import bump_generation

from .models import Round
from .selectors import RoundRanking, round_ranking, round_with_rubric, running_order_key

COMPETITIONS_GENERATION_KEY = "competitions-generation"

SCORED, PRESENTING, SCORING, WAITING = "scored", "presenting", "scoring", "waiting"


def round_generation_key(round_id: int) -> str:
    return f"competitions-live-generation:{round_id}"


def bump_round(*, round_id: int, **kwargs) -> None:
    bump_generation(key=round_generation_key(round_id))


def bump_competitions(**kwargs) -> None:
    bump_generation(key=COMPETITIONS_GENERATION_KEY)


def version(round_id: int) -> str:
    """The generations the round's screen depends on, read in one round trip."""
    keys = (COMPETITIONS_GENERATION_KEY, round_generation_key(round_id))
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, 1, timeout=None)
            found[key] = cache.get(key, 1)
    return f"{found[keys[0]]}.{found[keys[1]]}"


def live_round(round_id: int) -> Round | None:
    """A live round the public may watch: open or closed, never one being prepared."""
    try:
        round_ = round_with_rubric(round_id)
    except Round.DoesNotExist:
        return None
    if not round_.is_live or round_.status == Round.Status.DRAFT:
        return None
    return round_


def cached_payload(round_id: int) -> tuple[dict | None, str]:
    """The screen's document and its version; None for a round that is not a public live one
    (remembered too, so made-up ids cost no query either)."""
    found, current = cached_entry(round_id)
    return found.get("payload"), current


def cached_entry(round_id: int) -> tuple[dict, str]:
    """What is cached for the round's screen at its current version: the document
    (`payload`) and the same as JSON bytes (`json`), which every poll sends as they are."""
    current = version(round_id)
    key = entry_key(round_id, current)
    found = cache.get(key)
    if found is None:
        round_ = live_round(round_id)
        found = {}
        if round_:
            document = payload(round_ranking(round_, complete_only=True))
            found = {
                "payload": document,
                "json": json.dumps(document, ensure_ascii=False, cls=DjangoJSONEncoder).encode(),
            }
        cache.set(key, found, settings.COMPETITIONS_LIVE_CACHE_SECONDS)
    return found, current


def entry_key(round_id: int, current: str, part: str = "data") -> str:
    return f"competitions-live:{round_id}:{current}:{get_language()}:{part}"


def cached_page(round_id: int, current: str, render) -> bytes:
    """The screen's page as rendered for this version: `render()` once per change."""
    key = entry_key(round_id, current, "page")
    content = cache.get(key)
    if content is None:
        content = render()
        cache.set(key, content, settings.COMPETITIONS_LIVE_CACHE_SECONDS)
    return content


def score_text(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def payload(ranking: RoundRanking) -> dict:
    """The screen's JSON: every label in the site's language, so the script translates nothing."""
    round_ = ranking.round
    in_order = sorted(ranking.lines, key=lambda line: running_order_key(line.project))
    current = next((line for line in in_order if not line.complete), None)
    seen_current = False
    projects = []
    for position, line in enumerate(in_order, start=1):
        if line.complete:
            state = SCORED
        elif line is current:
            state, seen_current = PRESENTING, True
        else:
            state = WAITING if seen_current else SCORING
        projects.append(
            {
                "order": line.project.running_order or position,
                "title": line.project.title,
                "organisation": line.project.organisation_name,
                "state": state,
                "state_label": STATE_LABELS[state](),
                "score": score_text(line.aggregate) if line.complete else None,
                "submitted": line.submitted,
                "assigned": line.assigned,
                "progress_label": _("%(submitted)s of %(assigned)s judges have scored")
                % {"submitted": line.submitted, "assigned": line.assigned},
            }
        )
    scored = [line for line in ranking.lines if line.rank is not None]
    return {
        "round": {
            "id": round_.pk,
            "title": str(round_),
            "closed": round_.is_closed,
            "aggregate_label": str(round_.get_aggregate_display()),
        },
        "current": (
            {
                "order": current.project.running_order,
                "title": current.project.title,
                "organisation": current.project.organisation_name,
                "progress_label": _("%(submitted)s of %(assigned)s judges have scored")
                % {"submitted": current.submitted, "assigned": current.assigned},
            }
            if current
            else None
        ),
        "projects": projects,
        "ranking": [
            {
                "rank": line.rank,
                "title": line.project.title,
                "organisation": line.project.organisation_name,
                "score": score_text(line.aggregate),
            }
            for line in scored
        ],
        "scored": len(scored),
        "total": len(in_order),
        "summary_label": _("%(scored)s of %(total)s projects scored")
        % {"scored": localize(len(scored)), "total": localize(len(in_order))},
    }


STATE_LABELS = {
    SCORED: lambda: _("Scored"),
    PRESENTING: lambda: _("Presenting now"),
    SCORING: lambda: _("Being scored"),
    WAITING: lambda: _("Waiting"),
}
