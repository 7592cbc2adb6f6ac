"""An organisation submits a project on a phone (390 x 844), without an account: from the
competition's page to the form, a PDF attached, then its private page with the status."""

import re

import pytest
from playwright.sync_api import expect

from competitions.models import Project
from tests.competitions.factories import CompetitionPageFactory
from tests.factories import valid_credit_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_an_organisation_submits_a_project(page, live_server, site_tree):
    competition = CompetitionPageFactory(title="党建引领·创益福山公益创投大赛", slug="venture")

    page.goto(live_server.url + competition.url)
    page.get_by_role("link", name="申报项目").first.click()
    expect(page.locator("h1")).to_have_text("申报项目")

    form = page.locator("#project-form")
    form.locator("input[name=organisation_name]").fill("福山区阳光社会工作服务中心")
    form.locator("input[name=credit_code]").fill(valid_credit_code(77).lower())
    form.locator("input[name=contact_name]").fill("李娜")
    form.locator("input[name=contact_phone]").fill("139 0535 6688")
    form.locator("input[name=email]").fill("org@example.org")
    form.locator("input[name=title]").fill("银龄互助之家")
    form.locator("select[name=category]").select_option(label="为老服务")
    form.locator("textarea[name=summary]").fill("为社区独居老人提供互助服务。")
    form.locator("textarea[name=need]").fill("社区独居老人多，缺少日常照护。")
    form.locator("textarea[name=plan]").fill("组建志愿者队伍，每周上门探访。")
    form.locator("textarea[name=beneficiaries]").fill("清洋街道独居老人")
    form.locator("input[name=budget_requested]").fill("50000")
    form.locator("input[name=attachments]").set_input_files(
        [{"name": "申报书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/competitions/p/[\w-]{20,}/"))
    project = Project.objects.get()
    assert (project.contact_phone, project.credit_code) == ("13905356688", valid_credit_code(77))
    assert [a.kind for a in project.attachments.all()] == ["pdf"]
    expect(page.get_by_text("银龄互助之家").first).to_be_visible()
    expect(page.get_by_role("link", name="申报书.pdf")).to_be_visible()
    assert "13905356688" not in page.content()
