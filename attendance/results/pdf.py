"""The completion certificate (结业证书) as a PDF in Chinese, for any viewer on any machine.

reportlab embeds TrueType fonts as subsets (only the glyphs a document uses), with a ToUnicode
map, so the text can be selected, searched and extracted. The project ships its fonts
(`attendance/fonts/`, Apache-2.0): Droid Sans Fallback for Chinese, which has no Latin letters or
digits, and Roboto for those; each character is set in the first of the two that has it.

A certificate carries the name, programme, cohort and its dates, the study hours, the serial
number, the academy's name and a QR code with the URL of its public verification page. Nothing
else about the trainee (no phone, no ID number) is printed.
"""

import datetime
import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from django.conf import settings
from django.utils import timezone, translation
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..models import Certificate
from .hours import format_hours

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
CJK_FONT = "CertificateCJK"
LATIN_FONT = "CertificateLatin"
FONT_FILES = {
    CJK_FONT: FONT_DIR / "DroidSansFallbackFull.ttf",
    LATIN_FONT: FONT_DIR / "Roboto-Regular.ttf",
}

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
RED = HexColor("#a61b1b")
GOLD = HexColor("#c8a24a")
INK = HexColor("#222222")
MUTED = HexColor("#555555")


@cache
def fonts() -> dict[str, frozenset[int]]:
    """Register the fonts with reportlab once per process; the code points each one has."""
    covered = {}
    for name, path in FONT_FILES.items():
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        covered[name] = frozenset(font.face.charToGlyph)
    return covered


def font_for(character: str) -> str:
    covered = fonts()
    if ord(character) in covered[CJK_FONT] or ord(character) not in covered[LATIN_FONT]:
        return CJK_FONT
    return LATIN_FONT


def runs(text: str) -> list[tuple[str, str]]:
    """`text` cut into (font, text) runs, each character in the first font that has it."""
    result: list[tuple[str, str]] = []
    for character in text:
        font = font_for(character)
        if result and result[-1][0] == font:
            result[-1] = (font, result[-1][1] + character)
        else:
            result.append((font, character))
    return result


def markup(text: str) -> str:
    """`text` as Paragraph markup, Latin runs in the Latin font, everything escaped."""
    return "".join(
        escape(part) if font == CJK_FONT else f'<font name="{font}">{escape(part)}</font>'
        for font, part in runs(text)
    )


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(part, font, size) for font, part in runs(text))


def draw_text(canvas: Canvas, x: float, y: float, text: str, size: float, *, anchor="left"):
    """Draw one line of mixed text, its left edge, centre or right edge at `x`."""
    if anchor != "left":
        width = text_width(text, size)
        x -= width / 2 if anchor == "centre" else width
    for font, part in runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, font, size)


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def verification_url(certificate: Certificate) -> str:
    """The public page the QR code opens, at the site's root (Chinese, no language prefix)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = certificate.get_absolute_url()
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def academy_name() -> str:
    with translation.override("zh-hans"):
        return str(settings.ACADEMY_NAME)


BODY = ParagraphStyle(
    "certificate-body",
    fontName=CJK_FONT,
    fontSize=17,
    leading=32,
    textColor=INK,
    alignment=TA_JUSTIFY,
    wordWrap="CJK",
    firstLineIndent=34,
)


def draw_frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(6)
    canvas.rect(22, 22, PAGE_WIDTH - 44, PAGE_HEIGHT - 44)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(34, 34, PAGE_WIDTH - 68, PAGE_HEIGHT - 68)


def draw_qr_code(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code of `url` as vector squares, `size` wide with its lower left corner at x, y.
    Each run of dark modules in a row is one rectangle of a single path: crisp at any zoom,
    and a fraction of the time reportlab's QR widget takes (a shape object per module)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = size / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect(x + start * module, top, (column - start) * module, module)
            else:
                column += 1
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)


def draw_certificate(canvas: Canvas, certificate: Certificate, *, academy: str) -> None:
    """One certificate on the current page (A4, landscape)."""
    url = verification_url(certificate)
    draw_frame(canvas)

    # The title, drawn filled and stroked for weight (the font has one weight), spaced out;
    # in a saved graphics state, so neither the spacing nor the stroke reaches the text below.
    canvas.saveState()
    canvas.setFillColor(RED)
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(0.9)
    title = canvas.beginText()
    title.setTextRenderMode(2)
    title.setFont(CJK_FONT, 44)
    title.setCharSpace(18)
    heading = "结业证书"
    width = pdfmetrics.stringWidth(heading, CJK_FONT, 44) + 18 * (len(heading) - 1)
    title.setTextOrigin((PAGE_WIDTH - width) / 2, PAGE_HEIGHT - 130)
    title.textOut(heading)
    canvas.drawText(title)
    canvas.restoreState()

    left, right = 110, PAGE_WIDTH - 110
    canvas.setFillColor(INK)
    draw_text(canvas, left, PAGE_HEIGHT - 200, f"{certificate.name} 同志：", 20)
    body = (
        f"于{chinese_date(certificate.starts_on)}至{chinese_date(certificate.ends_on)}参加"
        f"{academy}“{certificate.programme_title}”（{certificate.cohort_title}）学习，"
        f"完成学时 {format_hours(certificate.hours)} 学时，达到结业要求，准予结业。"
    )
    paragraph = Paragraph(markup(body), BODY)
    _, height = paragraph.wrap(right - left, 200)
    top = PAGE_HEIGHT - 222
    paragraph.drawOn(canvas, left, top - height)
    draw_text(canvas, left + 34, top - height - 32, "特发此证。", 17)

    # The issuer and the date, where a seal is pressed on the printed copy.
    canvas.setFillColor(INK)
    issued_on = timezone.localdate(certificate.issued_at, timezone.get_default_timezone())
    draw_text(canvas, right - 70, 150, academy, 17, anchor="centre")
    draw_text(canvas, right - 70, 124, chinese_date(issued_on), 15, anchor="centre")

    # Serial, verification QR code and URL, bottom left.
    qr_size = 78
    draw_qr_code(canvas, url, x=56, y=52, size=qr_size)
    canvas.setFillColor(MUTED)
    text_left = 56 + qr_size + 14
    draw_text(canvas, text_left, 112, f"证书编号：{certificate.serial}", 12)
    draw_text(canvas, text_left, 92, f"学时：{format_hours(certificate.hours)}", 12)
    draw_text(canvas, text_left, 72, "扫码或访问以下网址查验本证书真伪：", 9.5)
    draw_text(canvas, text_left, 58, url, 9.5)


def render_certificates(certificates: Iterable[Certificate]) -> bytes:
    """One PDF with a page per certificate (one for a trainee, a whole cohort's for printing)."""
    fonts()
    academy = academy_name()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, initialFontName=CJK_FONT
    )
    canvas.setAuthor(academy)
    canvas.setCreator(academy)
    certificates = list(certificates)
    if len(certificates) == 1:
        canvas.setTitle(f"结业证书 {certificates[0].serial}")
    else:
        canvas.setTitle("结业证书")
    for certificate in certificates:
        draw_certificate(canvas, certificate, academy=academy)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_certificate(certificate: Certificate) -> bytes:
    return render_certificates([certificate])
