"""Spreadsheets of a round's judging and a competition's funding (xlsx, openpyxl): the score
sheet of each judge for signature, the ranking, the funding list. Every text cell goes through
`core.exports.neutralise` (applicants type the titles and names staff open in Excel). The
ranking's columns that the `rankings` kind also has (rank, project, applicant, category, score,
advances) are that kind's own cells, headers included, so the two never disagree."""

from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.exports import neutralise

from .models import Award, CompetitionPage, CriterionScore, Round, Score
from .resources import RankingResource, RankingRow
from .selectors import RoundRanking, judge_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Characters a worksheet's title may not hold, and its length limit.
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
SHEET_TITLE_LENGTH = 31


def cell(value):
    """A value as a spreadsheet cell: numbers as numbers, text neutralised."""
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def append(sheet, values, *, font=None, border=False):
    sheet.append([cell(value) for value in values])
    if font or border:
        for item in sheet[sheet.max_row]:
            if font:
                item.font = font
            if border:
                item.border = BOX


def fit_columns(sheet, widths: dict[int, int] | None = None, default: int = 12):
    for index in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(index, default)


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet title from a name: allowed characters, short enough, unique in the book."""
    base = name.translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_LENGTH] or "sheet"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: SHEET_TITLE_LENGTH - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def workbook_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ranking_workbook(ranking: RoundRanking) -> bytes:
    """The round's ranking (each judge's total, the aggregate, rank, advancing) and, on a
    second sheet, the judges' consistency."""
    round_ = ranking.round
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(_("Ranking"), set())
    append(sheet, [str(round_)], font=TITLE)
    append(
        sheet,
        [
            _("Ranked by: %(method)s") % {"method": round_.get_aggregate_display()}
            + (" · " + _("each judge's totals normalised") if round_.normalise else ""),
        ],
    )
    append(sheet, [])
    judges = ranking.judges
    resource = RankingResource()
    header = resource.column_names()
    append(
        sheet,
        [
            header["rank"],
            header["title"],
            header["organisation"],
            header["category"],
            *[judge.name for judge in judges],
            header["aggregate"],
            header["advances"],
        ],
        font=BOLD,
        border=True,
    )
    for line in ranking.lines:
        values = resource.values(RankingRow(round_, line))
        append(
            sheet,
            [
                values["rank"],
                values["title"],
                values["organisation"],
                values["category"],
                *line.totals,
                values["aggregate"],
                values["advances"],
            ],
            border=True,
        )
    fit_columns(sheet, {2: 30, 3: 30})
    sheet.freeze_panes = "C5"

    report = book.create_sheet(sheet_title(_("Consistency"), {sheet.title.casefold()}))
    names = ranking.judge_names
    append(
        report,
        [
            _("Judge"),
            _("Projects scored"),
            _("Mean"),
            _("Spread"),
            _("Offset from the panel"),
            "z",
            _("Flags"),
        ],
        font=BOLD,
        border=True,
    )
    for line in ranking.consistency.judges:
        append(
            report,
            [
                names.get(line.judge, line.judge),
                line.count,
                line.mean,
                line.spread,
                line.offset,
                line.z,
                "、".join(str(FLAG_LABELS[flag]()) for flag in line.flags),
            ],
            border=True,
        )
    fit_columns(report, {1: 16, 7: 24})
    return workbook_bytes(book)


FLAG_LABELS = {
    "high": lambda: _("Scores higher than the panel"),
    "low": lambda: _("Scores lower than the panel"),
    "narrow": lambda: _("Hardly tells projects apart"),
    "wide": lambda: _("Spreads totals far more than the panel"),
}


def score_sheets_workbook(round_: Round) -> bytes:
    """One worksheet per judge of the round: each assigned project's score on every criterion
    and the total, only submitted scores filled in, and lines to sign and date. Four queries
    whatever the size of the round."""
    criteria = list(round_.criteria.all())
    values: dict[int, dict[int, Decimal]] = {}
    for score_id, criterion_id, value in (
        CriterionScore.objects.filter(
            score__assignment__round=round_, score__status=Score.Status.SUBMITTED
        )
        .values_list("score_id", "criterion_id", "value")
        .order_by()
    ):
        values.setdefault(score_id, {})[criterion_id] = value
    rows: dict[int, list] = {}
    for (
        judge_id,
        order,
        title,
        organisation,
        score_id,
        status,
        total,
        submitted_at,
        conflict_at,
    ) in (
        round_.assignments.active()
        .values_list(
            "judge_id",
            "project__running_order",
            "project__title",
            "project__organisation_name",
            "score__pk",
            "score__status",
            "score__total",
            "score__submitted_at",
            "conflict_declared_at",
        )
        .order_by("project__running_order", "project__submitted_at", "project_id")
    ):
        rows.setdefault(judge_id, []).append(
            (order, title, organisation, score_id, status, total, submitted_at, conflict_at)
        )
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    zone = timezone.get_current_timezone()
    for judge in judge_rows(rows):
        sheet = book.create_sheet(sheet_title(judge.name, taken))
        append(sheet, [_("Score sheet")], font=TITLE)
        append(sheet, [str(round_)])
        append(sheet, [_("Judge: %(name)s") % {"name": judge.name}])
        append(sheet, [])
        append(
            sheet,
            [
                _("No."),
                _("Project"),
                _("Organisation"),
                *[f"{c.name}（{c.maximum.normalize():f}）" for c in criteria],
                _("Total"),
                _("Submitted"),
            ],
            font=BOLD,
            border=True,
        )
        for number, (
            order,
            title,
            organisation,
            score_id,
            status,
            total,
            at,
            conflict,
        ) in enumerate(rows[judge.id], start=1):
            submitted = status == Score.Status.SUBMITTED and conflict is None
            scores = values.get(score_id, {}) if submitted else {}
            append(
                sheet,
                [
                    order or number,
                    title,
                    organisation,
                    *[scores.get(c.pk) for c in criteria],
                    total if submitted else None,
                    (
                        at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                        if submitted
                        else _("Conflict declared")
                        if conflict
                        else _("Not submitted")
                    ),
                ],
                border=True,
            )
        append(sheet, [])
        append(sheet, [])
        append(sheet, [_("Judge's signature:"), "", "", _("Date:")])
        fit_columns(sheet, {1: 8, 2: 30, 3: 28})
        for row in sheet.iter_rows(min_row=6):
            for item in row:
                item.alignment = Alignment(vertical="top", wrap_text=True)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
    if not book.worksheets:
        book.create_sheet(_("Score sheet"))
    return workbook_bytes(book)


def funding_workbook(competition: CompetitionPage) -> bytes:
    """The competition's awards: project, organisation and its credit code, tier, amount,
    the total against the budget."""
    awards = list(
        Award.objects.filter(project__competition=competition)
        .select_related("project")
        .order_by("-amount", "project__title")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(_("Funding"), set())
    append(sheet, [competition.title], font=TITLE)
    append(sheet, [])
    append(
        sheet,
        [
            _("No."),
            _("Project"),
            _("Organisation"),
            _("Unified social credit code"),
            _("Award"),
            _("Budget requested (yuan)"),
            _("Amount (yuan)"),
        ],
        font=BOLD,
        border=True,
    )
    for number, award in enumerate(awards, start=1):
        append(
            sheet,
            [
                number,
                award.project.title,
                award.project.organisation_name,
                award.project.credit_code,
                award.get_tier_display(),
                award.project.budget_requested,
                award.amount,
            ],
            border=True,
        )
    total = sum((award.amount for award in awards), Decimal(0))
    append(sheet, ["", _("Total"), "", "", "", "", total], font=BOLD, border=True)
    append(sheet, ["", _("Budget"), "", "", "", "", competition.budget], border=True)
    append(sheet, ["", _("Left"), "", "", "", "", competition.budget - total], border=True)
    fit_columns(sheet, {1: 6, 2: 30, 3: 30, 4: 22})
    return workbook_bytes(book)
