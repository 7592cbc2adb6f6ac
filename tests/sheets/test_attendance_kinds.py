"""The attendance app's spreadsheet kinds: rosters (考勤) and study visits (来烟学习交流) in and
out, evaluations (评教), study hours (学时台账) and certificates (结业证书) out."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from attendance.models import Attendance, StudyVisit
from attendance.results.services import issue_certificates, revoke_certificate
from attendance.services import mark
from bookings.models import Registration
from bookings.models.cohorts import academy_today
from core.imports.models import ImportRecord
from tests.attendance import results_fixtures
from tests.attendance.visits_factories import attend, rate, study_visit, user_in
from tests.bookings.factories import CohortFactory, SessionFactory, at_local, register_trainees
from tests.factories import LecturerPageFactory, SuperuserFactory, TrainingBasePageFactory

from .conftest import csv_bytes, xlsx_bytes
from .helpers import exported, exported_xlsx, import_file, messages

pytestmark = pytest.mark.django_db

# The study-hours tests' cohort: two trainees, sessions held, attendance recorded.
completed_cohort = results_fixtures.completed_cohort
programmes = results_fixtures.programmes

MARK = "attendance.attendance.mark"
ROSTER = ["班次", "课次", "报名码", "考勤状态", "请假原因"]


@pytest.fixture
def roster(cohort, admin_user):
    """A session of the cohort with three confirmed trainees: one present, one excused (by the
    roster), one not yet recorded."""
    session = SessionFactory(
        cohort=cohort,
        title="党史专题",
        starts_at=at_local(cohort.starts_on, 9),
        ends_at=at_local(cohort.starts_on, 11),
    )
    first, second, third = register_trainees(cohort, 3)
    mark(session, first, "present", by=admin_user)
    mark(session, second, "excused", reason="病假", by=admin_user)
    return {"session": session, "registrations": (first, second, third)}


def label(session) -> str:
    return f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M} {session.display_title}"


def attendance_snapshot():
    return sorted(
        Attendance.objects.values_list(
            "session_id", "registration_id", "status", "reason", "source", "updated_at"
        )
    )


def marks() -> int:
    return ModelLogEntry.objects.filter(action=MARK).count()


# -- attendance --------------------------------------------------------------------------------


def test_attendance_export_has_one_row_per_trainee_and_session(cohort, roster, admin_user):
    session = roster["session"]
    first, second, _third = roster["registrations"]

    rows = exported("attendance", admin_user, {"session": str(session.pk)})

    assert rows[0] == [
        "班次",
        "课次",
        "报名码",
        "姓名",
        "单位",
        "考勤状态",
        "签到时间",
        "请假原因",
        "签到方式",
    ]
    by_code = {row[2]: row for row in rows[1:]}
    assert sorted(by_code) == sorted([first.code, second.code])
    assert by_code[second.code] == [
        str(cohort),
        label(session),
        second.code,
        second.name,
        second.unit,
        "请假",
        "",
        "病假",
        "点名",
    ]
    assert by_code[first.code][5] == "出席"


def test_attendance_round_trip_changes_nothing_and_logs_nothing(cohort, roster, admin_user):
    before, logged = attendance_snapshot(), marks()

    content = exported_xlsx("attendance", admin_user)
    record = import_file("attendance", "考勤.xlsx", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (0, 0, 2)
    assert attendance_snapshot() == before
    assert marks() == logged


def test_attendance_import_marks_through_the_roster_service(cohort, roster, admin_user):
    session = roster["session"]
    first, second, third = roster["registrations"]
    rows = [
        ROSTER,
        [str(cohort), label(session), first.code, "缺勤", ""],
        [str(cohort), label(session), second.code, "请假", "病假"],
        # By the session's start alone, the status by its stored value.
        [str(cohort), label(session)[:16], third.code, "late", ""],
    ]

    record = import_file("attendance", "考勤.xlsx", xlsx_bytes(rows), admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (1, 1, 1)
    statuses = dict(
        Attendance.objects.filter(session=session).values_list("registration_id", "status")
    )
    assert statuses == {first.pk: "absent", second.pk: "excused", third.pk: "late"}
    entries = ModelLogEntry.objects.filter(action=MARK).order_by("pk")
    changes = [(e.user, e.data["registration"], e.data["from"], e.data["to"]) for e in entries]
    assert changes[-2:] == [
        (admin_user, first.pk, "present", "absent"),
        (admin_user, third.pk, None, "late"),
    ]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_cohort", "2: 报名码：不是本班学员。"),
        ("not_confirmed", "2: 报名码：报名未确认。"),
        ("unknown_code", "2: 报名码：二维码或报名码无效。"),
        ("cancelled_session", "2: 课次：本课次已取消。\n3: 课次：本课次已取消。"),
        ("excused_without_reason", "2: 请假原因：请假须填写原因。"),
        (
            "unknown_status",
            "2: 考勤状态：“到了”不是可选的值：出席、迟到、请假、缺勤。您是不是要找“迟到”？",
        ),
    ],
)
def test_attendance_import_refuses_what_the_roster_refuses(
    programme, cohort, roster, admin_user, case, message
):
    session = roster["session"]
    first, _second, third = roster["registrations"]
    code, status, reason = third.code, "出席", ""
    if case == "other_cohort":
        [stranger] = register_trainees(CohortFactory(programme=programme), 1)
        code = stranger.code
    elif case == "not_confirmed":
        Registration.objects.filter(pk=third.pk).update(status=Registration.Status.CANCELLED)
    elif case == "unknown_code":
        code = "ZZZZZZZZ"
    elif case == "cancelled_session":
        session.cancelled_at = timezone.now()
        session.save()
        code = first.code
        status = "迟到"
    elif case == "excused_without_reason":
        status = "请假"
    elif case == "unknown_status":
        status = "到了"
    rows = [
        ROSTER,
        [str(cohort), label(session), code, status, reason],
        [str(cohort), label(session), roster["registrations"][1].code, "缺勤", ""],
    ]
    before, logged = attendance_snapshot(), marks()

    record = import_file("attendance", "考勤.xlsx", xlsx_bytes(rows), admin_user)

    assert record.status == ImportRecord.Status.FAILED
    assert messages(record) == message.split("\n")
    assert attendance_snapshot() == before
    assert marks() == logged


def test_attendance_import_refuses_an_unknown_session_with_a_suggestion(cohort, roster, admin_user):
    session = roster["session"]
    wrong = label(session).replace("党史专题", "党史专")
    rows = [ROSTER, [str(cohort), wrong, roster["registrations"][2].code, "出席", ""]]

    record = import_file("attendance", "考勤.xlsx", xlsx_bytes(rows), admin_user)

    assert messages(record) == [f"2: 课次：未找到“{wrong}”。您是不是要找“{label(session)}”？"]
    assert Attendance.objects.count() == 2


def test_attendance_gbk_csv_and_the_command(tmp_path, cohort, roster, admin_user, capsys):
    session = roster["session"]
    third = roster["registrations"][2]
    rows = [ROSTER, [str(cohort), label(session), third.code, "请假", "出差"]]
    path = tmp_path / "考勤.csv"
    path.write_bytes(csv_bytes(rows, "gbk"))

    call_command("import_data", "attendance", str(path), "--dry-run", "--user", "admin")
    assert not Attendance.objects.filter(registration=third).exists()
    call_command("import_data", "attendance", str(path), "--user", "admin")

    attendance = Attendance.objects.get(registration=third)
    assert (attendance.status, attendance.reason, attendance.source) == (
        "excused",
        "出差",
        "roster",
    )
    assert attendance.recorded_by == admin_user
    assert "新增 1" in capsys.readouterr().out


def test_attendance_export_reads_each_session_once(cohort, roster, admin_user):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exported("attendance", admin_user)
        return len(captured.captured_queries)

    two = queries()
    mark(roster["session"], roster["registrations"][2], "late", by=admin_user)
    other = SessionFactory(cohort=cohort, title="另一课")
    for registration in roster["registrations"]:
        mark(other, registration, "present", by=admin_user)

    # One query for the rows, one per session for its own and its cohort's names.
    assert queries() == two + 1


# -- study visits --------------------------------------------------------------------------------


@pytest.fixture
def bases(site_tree):
    return [
        TrainingBasePageFactory(title="只楚红色物业服务中心"),
        TrainingBasePageFactory(title="幸福街道党群服务中心"),
    ]


VISIT = [
    "来访单位",
    "省份",
    "城市",
    "联系人",
    "联系人手机",
    "来访日期",
    "参观的实训基地",
    "计划人数",
]


def visit_snapshot():
    return sorted(
        (*values, tuple(sorted(StudyVisit.objects.get(pk=values[0]).bases.values_list("pk"))))
        for values in StudyVisit.objects.values_list(
            "pk",
            "organisation",
            "province",
            "city",
            "contact_name",
            "contact_phone",
            "visited_on",
            "planned_headcount",
            "actual_headcount",
            "notes",
            "updated_at",
        )
    )


def test_visits_export_has_every_field_and_masks_without_the_permission(bases, admin_user):
    visit = study_visit(bases=bases, actual=28, serial=7, notes="参观后座谈")
    visit.confirmed_at = timezone.make_aware(datetime.datetime(2026, 11, 20, 15, 30))
    visit.save()
    contact = user_in("基地联系人")
    bases[0].contact_user = contact
    bases[0].save()

    full = exported("visits", admin_user)
    masked = exported("visits", contact)

    assert full[0] == [*VISIT, "实到人数", "备注", "是否确认", "确认时间"]
    assert full[1] == [
        "江苏省南京市鼓楼区委组织部",
        "江苏省",
        "南京市",
        "周科长",
        "13800000007",
        visit.visited_on.isoformat(),
        "只楚红色物业服务中心、幸福街道党群服务中心",
        "30",
        "28",
        "参观后座谈",
        "是",
        "2026-11-20 15:30",
    ]
    assert masked[1][4] == "138****0007"
    # A base contact exports only the visits to their own bases.
    study_visit(organisation="别处的来访", serial=8)
    assert len(exported("visits", contact)) == 2
    assert len(exported("visits", admin_user)) == 3


def test_visits_export_lists_what_the_listings_search_finds(bases, admin_user):
    study_visit(bases=bases, serial=1)
    study_visit(bases=bases, organisation="浙江省杭州市 西湖区委组织部", city="杭州市", serial=2)

    def organisations(query):
        rows = exported("visits", admin_user, {"q": query})
        return [row[rows[0].index("来访单位")] for row in rows[1:]]

    assert organisations("杭州") == ["浙江省杭州市 西湖区委组织部"]
    assert organisations("  杭州市   西湖 ") == ["浙江省杭州市 西湖区委组织部"]
    assert len(organisations("")) == 2
    assert organisations("广州") == []


def test_visits_round_trip_changes_nothing_and_logs_nothing(bases, admin_user):
    study_visit(bases=bases, serial=1)
    study_visit(organisation="青岛市市北区委组织部", province="山东省", city="青岛市", serial=2)
    before = visit_snapshot()

    content = exported_xlsx("visits", admin_user)
    record = import_file("visits", "来烟学习交流.xlsx", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (0, 0, 2)
    assert visit_snapshot() == before
    assert not ModelLogEntry.objects.filter(action__in=["wagtail.create", "wagtail.edit"]).exists()


def test_visits_import_creates_and_updates_by_organisation_and_date(bases, admin_user):
    day = (academy_today() + datetime.timedelta(days=10)).isoformat()
    row = ["天津市和平区委组织部", "天津市", "天津市", "李主任", "13900000001", day, "", "40"]
    record = import_file("visits", "来访.csv", csv_bytes([VISIT, row], "gbk"), admin_user)
    assert (record.status, record.new) == ("applied", 1), messages(record)

    row[6] = "只楚红色物业服务中心、幸福街道党群服务中心"
    row[7] = "45"
    record = import_file("visits", "来访.xlsx", xlsx_bytes([VISIT, row]), admin_user)

    assert (record.status, record.new, record.updated) == ("applied", 0, 1), messages(record)
    visit = StudyVisit.objects.get()
    assert (visit.planned_headcount, visit.actual_headcount, visit.is_confirmed) == (
        45,
        None,
        False,
    )
    assert sorted(visit.bases.values_list("title", flat=True)) == sorted(b.title for b in bases)
    actions = list(
        ModelLogEntry.objects.filter(action__startswith="wagtail.", object_id=str(visit.pk))
        .order_by("pk")
        .values_list("action", "user")
    )
    assert actions == [("wagtail.create", admin_user.pk), ("wagtail.edit", admin_user.pk)]


def test_visits_import_keeps_the_confirmation(bases, admin_user):
    visit = study_visit(bases=bases, actual=28)
    confirmed_at = timezone.now()
    StudyVisit.objects.filter(pk=visit.pk).update(confirmed_at=confirmed_at)
    rows = exported("visits", admin_user)
    rows[1][9] = "改了备注"

    record = import_file("visits", "来访.xlsx", xlsx_bytes(rows), admin_user)

    assert (record.status, record.updated) == ("applied", 1), messages(record)
    visit.refresh_from_db()
    assert (visit.notes, visit.confirmed_at, visit.actual_headcount) == (
        "改了备注",
        confirmed_at,
        28,
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (4, "12345", "2: 联系人手机：请输入以1开头的11位手机号码。"),
        (
            4,
            "1.39E+10",
            "2: 联系人手机：“1.39E+10”是被 Excel 缩写的数字；"
            "请把该列设为文本格式，重新输入 11 位号码。",
        ),
        (
            6,
            "只楚红色物业中心",
            "2: 参观的实训基地：未找到“只楚红色物业中心”。您是不是要找“只楚红色物业服务中心”？",
        ),
        (5, "下周三", "2: 来访日期：“下周三”不是日期，请写成 2026-11-28 这样。"),
        (7, "三十", "2: 计划人数：“三十”不是整数。"),
    ],
)
def test_visits_import_refuses_wrong_values_and_writes_nothing(
    bases, admin_user, column, value, message
):
    study_visit(bases=bases)
    before = visit_snapshot()
    row = [
        "天津市和平区委组织部",
        "天津市",
        "天津市",
        "李主任",
        "13900000001",
        "2026-12-01",
        "",
        "40",
    ]
    row[column] = value

    record = import_file("visits", "来访.xlsx", xlsx_bytes([VISIT, row]), admin_user)

    assert record.status == ImportRecord.Status.FAILED
    assert messages(record) == [message]
    assert visit_snapshot() == before


def test_visits_export_neutralises_a_formula_like_organisation(bases, admin_user):
    study_visit(organisation="=1+1", bases=bases)

    rows = exported("visits", admin_user)

    assert rows[1][0] == "'=1+1"


def test_visits_import_data_command(tmp_path, bases, admin_user):
    row = ["天津市和平区委组织部", "天津市", "", "李主任", "13900000001", "2026-12-01", "", "40"]
    path = tmp_path / "来访.xlsx"
    path.write_bytes(xlsx_bytes([VISIT, row]))

    call_command("import_data", "visits", str(path), "--user", "admin")

    assert StudyVisit.objects.get().organisation == "天津市和平区委组织部"


# -- evaluations, study hours, certificates ------------------------------------------------------


def test_evaluations_export_has_scores_and_comments_but_no_trainee(cohort, site_tree, admin_user):
    lecturer = LecturerPageFactory(title="王教授")
    session = SessionFactory(
        cohort=cohort,
        title="党史专题",
        starts_at=at_local(cohort.starts_on, 9),
        ends_at=at_local(cohort.starts_on, 11),
        lecturers=[lecturer],
    )
    [registration] = register_trainees(cohort, 1)
    attend(registration, session)
    rate(registration, session, scores=(5, 4, 4, 3), comment="=1+1 很好")

    rows = exported("evaluations", admin_user)

    assert rows[0] == [
        "班次",
        "课次",
        "课程",
        "讲师",
        "课程内容",
        "讲授水平",
        "实用性",
        "组织服务",
        "平均分",
        "意见建议",
        "评价时间",
    ]
    row = rows[1]
    assert row[:10] == [
        str(cohort),
        label(session),
        "",
        "王教授",
        "5",
        "4",
        "4",
        "3",
        "4.0",
        "'=1+1 很好",
    ]
    assert len(row[10]) == len("2026-11-28 09:00")
    assert registration.name not in sum(rows, []) and registration.code not in sum(rows, [])


def test_evaluations_export_gives_a_lecturer_their_own_sessions_only(cohort, site_tree):
    teacher = user_in("讲师")
    own = SessionFactory(cohort=cohort, lecturers=[LecturerPageFactory(user=teacher)])
    other = SessionFactory(cohort=cohort, lecturers=[LecturerPageFactory()])
    [registration] = register_trainees(cohort, 1)
    for session in (own, other):
        attend(registration, session)
        rate(registration, session)

    rows = exported("evaluations", teacher)

    assert [row[1] for row in rows[1:]] == [label(own)]


def test_hours_export_is_per_trainee_and_cohort(completed_cohort, admin_user):
    rows = exported("hours", admin_user)

    assert rows[0] == [
        "姓名",
        "手机号",
        "单位",
        "报名码",
        "班次",
        "出勤课次",
        "其中迟到",
        "请假课次",
        "缺勤课次",
        "获得学时",
        "班次总学时",
    ]
    cohort = str(completed_cohort["cohort"])
    by_name = {row[0]: row for row in rows[1:]}
    li, wang = completed_cohort["li"], completed_cohort["wang"]
    assert len(rows) == 1 + 3
    # Late arrivals earn half of 2 hours; the cancelled session counts neither way.
    assert by_name["李华"] == [
        "李华",
        li.phone,
        li.unit,
        li.code,
        cohort,
        "5",
        "2",
        "0",
        "0",
        "8",
        "10",
    ]
    assert by_name["王芳"][4:] == [cohort, "4", "0", "0", "1", "8", "10"]
    assert by_name["王芳"][3] == wang.code


def test_hours_export_masks_phones_without_the_permission(completed_cohort):
    user = user_in("教务")
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="view_attendance"))
    li = completed_cohort["li"]

    rows = exported("hours", user, {"phone": li.phone})

    assert [row[1] for row in rows[1:]] == [li.masked_phone]


def test_certificates_export(completed_cohort, admin_user):
    first, second = issue_certificates(completed_cohort["cohort"], by=admin_user)
    revoke_certificate(second, by=admin_user, reason="学时记录有误")
    second.refresh_from_db()

    rows = exported("certificates", admin_user, {"valid": "false"})

    assert rows[0] == [
        "证书编号",
        "姓名",
        "培训班",
        "班次",
        "开班日期",
        "结业日期",
        "学时",
        "状态",
        "颁发时间",
        "颁发人",
        "撤销时间",
        "撤销人",
        "撤销原因",
    ]
    local = timezone.localtime
    assert rows[1:] == [
        [
            second.serial,
            second.name,
            second.programme_title,
            second.cohort_title,
            second.starts_on.isoformat(),
            second.ends_on.isoformat(),
            str(Decimal(second.hours).normalize()),
            "已撤销",
            local(second.issued_at).strftime("%Y-%m-%d %H:%M"),
            str(admin_user),
            local(second.revoked_at).strftime("%Y-%m-%d %H:%M"),
            str(admin_user),
            "学时记录有误",
        ]
    ]


# -- the listings' buttons and who may do what --------------------------------------------------


def test_listings_offer_the_kinds_buttons_with_their_filters(client, cohort, roster, admin_user):
    client.force_login(admin_user)
    session = roster["session"]

    page = client.get(
        reverse("wagtailsnippets_attendance_attendance:list"), {"session": session.pk}
    ).content.decode()

    assert reverse("core_imports:upload", args=["attendance"]) in page
    assert (
        reverse("core_imports:export", args=["attendance", "csv"]) + f"?session={session.pk}"
        in page
    )
    assert "?export=csv" not in page
    for url_name, kind in [
        ("study_visits:index", "visits"),
        ("evaluations:index", "evaluations"),
        ("study_hours:index", "hours"),
        ("attendance_certificates:index", "certificates"),
    ]:
        page = client.get(reverse(url_name)).content.decode()
        assert reverse("core_imports:export", args=[kind, "xlsx"]) in page, url_name
        assert "?export=" not in page, url_name
    assert (
        reverse("core_imports:upload", args=["visits"])
        in client.get(reverse("study_visits:index")).content.decode()
    )


def test_export_streams_csv_with_the_filters(client, cohort, roster, admin_user):
    client.force_login(admin_user)
    other = SessionFactory(cohort=cohort, title="另一课")
    mark(other, roster["registrations"][2], "absent", by=admin_user)

    response = client.get(
        reverse("core_imports:export", args=["attendance", "csv"]),
        {"session": roster["session"].pk},
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3 and {row[1] for row in rows[1:]} == {label(roster["session"])}


ROLE_GROUPS = {
    "administrator": "学院管理员",
    "editor": "内容编辑",
    "registrar": "教务",
    "judge": "评委",
    "lecturer": "讲师",
    "base_contact": "基地联系人",
}
# kind: (who may upload and download the template, who may export); the superuser may do all
# but import a kind that is only exported.
MAY = {
    "attendance": ({"administrator", "registrar"}, {"administrator", "registrar"}),
    "visits": ({"administrator", "registrar"}, {"administrator", "registrar", "base_contact"}),
    "evaluations": (set(), {"administrator", "registrar", "lecturer"}),
    "hours": (set(), {"administrator", "registrar"}),
    "certificates": (set(), {"administrator", "registrar"}),
}


def answer(response) -> str:
    """ok, denied (403, or Wagtail's redirect to the dashboard), or login."""
    if response.status_code == 302:
        if response["Location"] == reverse("wagtailadmin_home"):
            return "denied"
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
        return "login"
    assert response.status_code in (200, 403), response.status_code
    return "ok" if response.status_code == 200 else "denied"


@pytest.mark.parametrize("kind", sorted(MAY))
def test_which_roles_may_import_and_export_each_kind(client, kind):
    users = {role: user_in(group) for role, group in ROLE_GROUPS.items()}
    users["superuser"] = SuperuserFactory(username="root")
    importers, exporters = MAY[kind]
    importers = importers | ({"superuser"} if kind in ("attendance", "visits") else set())
    exporters = exporters | {"superuser"}
    urls = {
        "upload": reverse("core_imports:upload", args=[kind]),
        "template": reverse("core_imports:template", args=[kind]),
        "export": reverse("core_imports:export", args=[kind, "csv"]),
    }
    for role, user in [("anonymous", None), *users.items()]:
        client.logout()
        if user:
            client.force_login(user)
        for what, url in urls.items():
            allowed = importers if what != "export" else exporters
            got = answer(client.get(url))
            if role in allowed:
                assert got == "ok", (role, what)
            else:
                assert got in ("denied", "login"), (role, what)
                if role == "anonymous":
                    assert got == "login"


@pytest.mark.parametrize("kind", sorted(MAY))
def test_each_kind_exports_xlsx_with_a_chinese_file_name(client, cohort, roster, admin_user, kind):
    client.force_login(admin_user)

    response = client.get(
        reverse("core_imports:export", args=[kind, "xlsx"]), {"cohort": cohort.pk}
    )

    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert all(ord(cell.value[0]) > 0x2E80 for cell in sheet[1])
