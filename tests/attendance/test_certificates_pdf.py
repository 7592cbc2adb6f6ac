"""The certificate PDF: its text extracted (pypdf) carries the Chinese name, the programme, the
serial, the hours and the verification URL; its fonts are embedded subsets, nothing left to the
viewer; a QR code and nothing personal besides the name."""

import io
import re

import pytest
from pypdf import PdfReader

from attendance.results.pdf import render_certificate, render_certificates, runs
from attendance.results.services import issue_certificates
from tests.attendance.results_fixtures import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificates(completed_cohort):
    zhang = completed_cohort["zhang"]
    # A name with a character outside GB 2312 (喆), as some trainees' are.
    zhang.name = "张喆明"
    zhang.save()
    return issue_certificates(completed_cohort["cohort"], by=staff_user())


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_text_can_be_extracted(certificates):
    zhang = certificates[0]

    text = text_of(render_certificate(zhang))

    flat = re.sub(r"\s+", "", text)
    assert "结业证书" in flat
    assert "张喆明同志" in flat
    assert "基层党组织书记培训班" in flat
    assert "第1期" in flat
    assert "2026年3月2日至2026年3月7日" in flat
    assert "完成学时8学时" in flat
    assert zhang.serial in flat
    assert "烟台城市党建学院" in flat
    assert f"http://testserver/certificates/{zhang.serial}/" in flat


def test_every_font_is_an_embedded_truetype_subset(certificates):
    reader = PdfReader(io.BytesIO(render_certificate(certificates[0])))

    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]

    assert sorted(str(font["/BaseFont"]) for font in fonts) == [
        "/AAAAAA+DroidSansFallback",
        "/AAAAAA+Roboto-Regular",
    ]
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
        assert "/ToUnicode" in font


def test_nothing_personal_but_the_name(certificates):
    zhang = certificates[0]

    text = re.sub(r"\s+", "", text_of(render_certificate(zhang)))

    registration = zhang.registration
    assert registration.phone not in text
    assert registration.code not in text
    assert registration.token not in text


def test_a_cohort_prints_as_one_document_a_page_each(certificates):
    pdf = render_certificates(certificates)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert [
        page.extract_text().count(c.serial) >= 1
        for page, c in zip(reader.pages, certificates, strict=True)
    ] == [True, True]


def test_latin_letters_and_digits_are_set_in_the_latin_font():
    assert runs("学时32.5，YTDJ：") == [
        ("CertificateCJK", "学时"),
        ("CertificateLatin", "32.5"),
        ("CertificateCJK", "，"),
        ("CertificateLatin", "YTDJ"),
        ("CertificateCJK", "："),
    ]
