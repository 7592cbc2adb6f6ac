"""The admin speaks Chinese (issue 10): the main admin screens, as the superuser and as the
教务 and 内容编辑 roles, show no English but a short list of names.

Each screen's visible text is read from its HTML: text outside <script> and <style>, and the
attributes a user sees or hears (placeholder, title, aria-label, alt, a button's value, a
tooltip). Any run of three or more ASCII letters not in ALLOWED fails, with the screen and the
words around it. A new admin screen is checked by adding its URL to ADMIN_PAGES.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site, get_page_models

from attendance.models import Certificate
from bookings.models import Registration
from core.models import District, ImportRecord
from tests.factories import LecturerPageFactory

pytestmark = pytest.mark.django_db

# Attributes whose value a user reads (or a screen reader speaks).
SHOWN_ATTRIBUTES = {
    "placeholder",
    "title",
    "aria-label",
    "aria-description",
    "alt",
    "data-w-tooltip-content-value",
}
# Elements whose content is never shown as text: scripts, styles, and the side panels' hidden
# counters, which say "None" until a script writes the number of comments or issues there.
HIDDEN_ELEMENTS = {"script", "style"}
HIDDEN_ATTRIBUTE = "data-side-panel-toggle-counter"
ENGLISH = re.compile(r"[A-Za-z]{3,}")

# Words the admin may show in Latin letters, each for a reason.
ALLOWED = {
    # Names written so in Chinese too: the CMS (its version line and editor guide), a
    # language's own name in the language menu, file formats and units.
    "Wagtail",
    "JavaScript",
    "English",
    "PDF",
    "CSV",
    "Excel",
    "XLSX",
    "URL",
    "AVIF",
    "GIF",
    "JPG",
    "JPEG",
    "PNG",
    "WEBP",
    # Keys as printed on the keyboard (the shortcuts dialog).
    "Ctrl",
    "Alt",
    "Shift",
    "Esc",
}


def data_texts(w) -> set[str]:
    """Texts the fixtures typed, not the interface: usernames, slugs, registration codes,
    certificate serials, file names, and the identifiers (app.model) the page-types report
    prints under each type."""
    texts = {user.get_username() for user in w.users.values()}
    texts |= set(Site.objects.values_list("hostname", flat=True))
    texts |= set(District.objects.values_list("slug", flat=True))
    texts |= set(Registration.objects.values_list("code", flat=True))
    texts |= set(Certificate.objects.values_list("serial", flat=True))
    texts |= {w.topic.slug, w.image.file.name.rpartition("/")[2]}
    texts |= {w.document.file.name.rpartition("/")[2]}
    texts |= set(ImportRecord.objects.values_list("file_name", flat=True))
    texts |= {f"{model._meta.app_label}.{model._meta.model_name}" for model in get_page_models()}
    return texts


class VisibleText(HTMLParser):
    """Collects a page's text and shown attributes, skipping scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in HIDDEN_ELEMENTS or HIDDEN_ATTRIBUTE in attributes:
            self.hidden_tags.append(tag)
            return
        for name, value in attrs:
            if value and name in SHOWN_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            self.parts.append(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.hidden_tags and self.hidden_tags[-1] == tag:
            self.hidden_tags.pop()

    def handle_endtag(self, tag):
        if self.hidden_tags and self.hidden_tags[-1] == tag:
            self.hidden_tags.pop()

    def handle_data(self, data):
        if not self.hidden_tags and data.strip():
            self.parts.append(data)


WAGTAIL_CONFIG = re.compile(
    r'<script id="wagtail-config" type="application/json">(.*?)</script>', re.S
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def script_strings(html: str) -> list[str]:
    """The strings Wagtail's scripts show (its config's STRINGS, e.g. "已选择 1 项"), without
    their placeholders."""
    match = WAGTAIL_CONFIG.search(html)
    if not match:
        return []
    found = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.append(PLACEHOLDER.sub("", value))

    walk(json.loads(match[1]).get("STRINGS", {}))
    return found


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return [" ".join(part.split()) for part in parser.parts + script_strings(html)]


def english(html: str, data: set[str] = frozenset()) -> list[str]:
    """Each piece of visible text holding a word not allowed, but for data's texts and words."""
    allowed = ALLOWED | {word for text in data for word in ENGLISH.findall(text)}
    found = []
    for text in visible_text(html):
        words = [word for word in ENGLISH.findall(text) if word not in allowed]
        if words:
            found.append(text[:120])
    return found


def test_visible_text_reads_text_and_shown_attributes_only():
    html = (
        '<html><head><style>.x{color:red}</style><script>var english = "Hello";</script></head>'
        '<body><p class="Paragraph">培训 <b>Cohorts</b></p>'
        '<input type="search" placeholder="Search…" value="typed">'
        '<button aria-label="Close" data-action="w-dialog#hide">×</button>'
        '<input type="submit" value="Save"><img src="/a.png" alt="Avatar">'
        "<div data-side-panel-toggle-counter hidden>None</div></body></html>"
    )

    assert visible_text(html) == ["培训", "Cohorts", "Search…", "Close", "×", "Save", "Avatar"]


def test_visible_text_reads_the_strings_wagtails_scripts_show():
    html = (
        '<script id="wagtail-config" type="application/json">'
        '{"CSRF_TOKEN": "abcdef", "STRINGS": {"EDIT": "编辑", "SELECTED": "%(objects)s selected"}}'
        "</script>"
    )

    assert visible_text(html) == ["编辑", "selected"]


def test_english_allows_the_listed_names_only():
    html = "<p>Wagtail 8.0</p><p>导出 CSV</p><p>共 3 条</p><p>Content metrics</p><p>OK</p>"

    assert english(html) == ["Content metrics"]


# -- the screens ---------------------------------------------------------------------------------

SNIPPETS = {
    "bookings_cohort": "cohort",
    "bookings_session": "session",
    "bookings_registration": "registration",
    "core_organisation": "organisation",
    "core_district": "district",
    "core_topic": "topic",
}


def snippet_pages(w) -> list[str]:
    urls = []
    for namespace, name in SNIPPETS.items():
        obj = getattr(w, name)
        prefix = f"wagtailsnippets_{namespace}"
        urls.append(reverse(f"{prefix}:list"))
        if namespace != "bookings_registration":  # trainees register; staff add none
            urls.append(reverse(f"{prefix}:add"))
        views = ["edit", "history", "usage"]
        if type(obj).snippet_viewset.inspect_view_enabled:
            views.append("inspect")
        urls += [reverse(f"{prefix}:{view}", args=[obj.pk]) for view in views]
    return urls


def page_forms(w) -> list[str]:
    """The edit form of a page of each of our types, and the add form under its parent."""
    urls = []
    for page in w.pages.values():
        page = page.specific
        urls.append(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        parent = page.get_parent()
        if page.can_create_at(parent):  # indexes are one of a kind
            urls.append(
                reverse(
                    "wagtailadmin_pages:add",
                    args=[page._meta.app_label, page._meta.model_name, parent.pk],
                )
            )
    return urls


# Every admin screen the test reads, as functions of the world fixture (the permission matrix's):
# add yours here. A role reads the screens it may open (200); the superuser must open them all.
ADMIN_PAGES = [
    lambda w: [reverse("wagtailadmin_home")],
    lambda w: [reverse("wagtailadmin_explore_root")],
    lambda w: [reverse("wagtailadmin_explore", args=[w.tree.home.pk])],
    lambda w: [reverse("wagtailadmin_explore", args=[w.tree.courses.pk])],
    page_forms,
    lambda w: [reverse("wagtailadmin_pages:history", args=[w.course.pk])],
    snippet_pages,
    # The registrations listing filtered and searched.
    lambda w: [
        reverse("wagtailsnippets_bookings_registration:list")
        + f"?status={w.registration.status}&cohort={w.cohort.pk}",
        reverse("wagtailsnippets_bookings_registration:list") + "?q=学员",
    ],
    lambda w: [reverse("notices:index"), reverse("notices:inspect", args=[w.notice.pk])],
    lambda w: [
        reverse("wagtailimages:index"),
        reverse("wagtailimages:add_multiple"),
        reverse("wagtailimages:edit", args=[w.image.pk]),
        reverse("wagtaildocs:index"),
        reverse("wagtaildocs:add_multiple"),
        reverse("wagtaildocs:edit", args=[w.document.pk]),
    ],
    lambda w: [reverse("wagtailadmin_pages:search") + "?q=课程"],
    lambda w: [
        reverse("wagtailadmin_reports:locked_pages"),
        reverse("wagtailadmin_reports:workflow"),
        reverse("wagtailadmin_reports:workflow_tasks"),
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:aging_pages"),
        reverse("wagtailadmin_reports:page_types_usage"),
    ],
    lambda w: [reverse("wagtailadmin_account")],
    # 结业审核 and 结业证书 (issue 11).
    lambda w: [
        reverse("completion:index"),
        reverse("completion:cohort", args=[w.cohort.pk]),
        reverse("completion:issue", args=[w.cohort.pk]),
        reverse("attendance_certificates:index"),
    ],
    # Study visits, evaluations and the figures (issue 11).
    lambda w: [
        reverse("study_visits:index"),
        reverse("study_visits:add"),
        reverse("study_visits:edit", args=[w.study_visit.pk]),
        reverse("study_visits:history", args=[w.study_visit.pk]),
        reverse("evaluations:index"),
        reverse("study_visits:index") + "?confirmed=no&province=江苏",
        reverse("evaluations:index") + f"?with_comment=yes&cohort={w.cohort.pk}",
        reverse("figures:index"),
    ],
]


def admin_urls(w) -> list[str]:
    with translation.override("zh-hans"):
        return [url for pages in ADMIN_PAGES for url in pages(w)]


@pytest.mark.parametrize("role", ["superuser", "registrar", "editor"])
def test_main_admin_screens_show_no_english(client, world, role):
    w = world
    assert settings.LANGUAGE_CODE == "zh-hans"  # a user who chose no language gets it
    client.force_login(w.users[role])
    found, opened, failed, data = {}, 0, [], data_texts(w)
    for url in admin_urls(w):
        response = client.get(url)
        if response.status_code != 200:
            if role == "superuser":
                failed.append(f"{url}: {response.status_code}")
            continue
        opened += 1
        for text in english(response.content.decode(), data):
            found.setdefault(text, url)

    assert not failed, "\n".join(failed)
    assert opened >= 5
    # Each piece of English once, with the first screen showing it.
    assert not found, "\n".join(f"{text!r}  ({url})" for text, url in found.items())


def test_selection_and_result_counts_read_as_staff_say_them(client, world):
    w = world
    client.force_login(w.users["registrar"])
    listing = reverse("wagtailsnippets_bookings_registration:list")

    html = client.get(listing + "?q=学员").content.decode()
    strings = json.loads(WAGTAIL_CONFIG.search(html)[1])["STRINGS"]["BULK_ACTIONS"]["SNIPPET"]

    assert any(re.fullmatch(r"共 [1-9]\d* 条结果", text) for text in visible_text(html))
    assert strings["SINGULAR"] == "已选择 1 项"
    assert strings["PLURAL"] == "已选择 %(objects)s 项"


def test_page_search_over_a_page_of_results_reads_in_chinese(admin_client, admin_user, site_tree):
    """More pages than one screen of results: the count and the range above the listing."""
    for number in range(25):
        LecturerPageFactory(title=f"讲师{number:02d}")

    html = admin_client.get(reverse("wagtailadmin_pages:search") + "?q=讲师").content.decode()

    shown = " ".join(visible_text(html))
    assert english(html, {admin_user.get_username()}) == []
    assert "共有 25 个匹配的页面" in shown
    assert "第 1–20 项，共 25 项" in shown


def column_headers(html: str) -> list[str]:
    """The text of the name column's header (its sort link's title aside)."""
    headers = re.findall(r"<th\b.*?</th>", html, flags=re.S)
    return [re.sub(r"<[^>]+>|\s", "", th) for th in headers if "ordering=name" in th]


def test_name_columns_say_name_for_people_and_for_groups_as_chinese_does(admin_client):
    users = admin_client.get(reverse("wagtailusers_users:index")).content.decode()
    groups = admin_client.get(reverse("wagtailusers_groups:index")).content.decode()

    assert column_headers(users) == ["姓名"]
    assert column_headers(groups) == ["名称"]


def test_admin_loads_no_image_from_another_host(client, world):
    w = world
    client.force_login(w.users["superuser"])
    foreign = []
    for url in admin_urls(w):
        html = client.get(url).content.decode()
        for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', html):
            if urlsplit(src).netloc not in ("", "testserver"):
                foreign.append(f"{url}: {src}")

    assert not foreign, "\n".join(foreign)


def test_the_default_avatar_shows(client, world):
    client.force_login(world.users["superuser"])

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert re.search(r'<img[^>]*src="/static/wagtailadmin/images/default-user-avatar', html)
