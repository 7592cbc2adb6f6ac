"""Placeholder pictures and teaching materials drawn with Pillow: nothing is downloaded."""

import random
from functools import cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

CJK_FONTS = [
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
]

# (dark, light) pairs: party red, gold, sea blue, pine green, slate, warm orange.
PALETTES = [
    ("#8b0000", "#e0403a"),
    ("#a31515", "#f2b134"),
    ("#0b3c5d", "#3a8dc5"),
    ("#1d5c3a", "#6fbf73"),
    ("#3b3f4a", "#8d99ae"),
    ("#9c3d00", "#f08a24"),
    ("#5a1846", "#c0567e"),
    ("#0f5257", "#47b5a6"),
]

# A big character and a caption for each landscape picture.
SCENES = [
    ("党", "党建引领基层治理"),
    ("业", "红色物业"),
    ("社", "社区治理"),
    ("网", "网格化管理"),
    ("楼", "楼宇党建"),
    ("商", "商圈党建"),
    ("志", "志愿服务"),
    ("益", "公益创投"),
    ("村", "乡村振兴"),
    ("城", "城市更新"),
    ("数", "数字治理"),
    ("学", "城市党建学院"),
    ("课", "名课"),
    ("师", "百人讲师团"),
    ("基", "实训基地"),
    ("议", "小区议事厅"),
    ("心", "党群服务中心"),
    ("海", "烟台 Yantai"),
    ("红", "红心物业"),
    ("治", "共建共治共享"),
]
PORTRAITS = 10


@cache
def font_path() -> str | None:
    return next((str(path) for path in CJK_FONTS if path.exists()), None)


def load_font(size: int):
    path = font_path()
    if path:
        return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1 has a single fixed-size bitmap font
        return ImageFont.load_default()


def gradient(width: int, height: int, dark: str, light: str, angle: int) -> Image.Image:
    ramp = Image.linear_gradient("L").rotate(angle, expand=False).resize((width, height))
    return ImageOps.colorize(ramp, dark, light)


def draw_centred(draw, xy, text, font, fill):
    # Without a CJK font Pillow would draw a box for every Chinese character: draw nothing then.
    if font_path() or text.isascii():
        draw.text(xy, text, font=font, fill=fill, anchor="mm")


def scene_title(index: int) -> str:
    return f"{SCENES[index % len(SCENES)][1]}（示例图片）"


def portrait_title(index: int) -> str:
    return f"讲师照片 {index + 1:02d}（示例图片）"


def scene_image(index: int, rng: random.Random) -> bytes:
    char, caption = SCENES[index % len(SCENES)]
    dark, light = PALETTES[index % len(PALETTES)]
    width, height = 1200, 800
    image = gradient(width, height, dark, light, rng.choice([0, 30, 45, 60, 90, 135]))
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(6):  # soft circles, like bokeh
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(60, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, rng.randrange(12, 40)))
    draw_centred(draw, (width // 2, height // 2 - 60), char, load_font(420), (255, 255, 255, 235))
    draw.rectangle((0, height - 150, width, height), fill=(0, 0, 0, 90))
    draw_centred(draw, (width // 2, height - 75), caption, load_font(64), (255, 255, 255, 255))
    return to_jpeg(image)


def portrait_image(index: int, rng: random.Random) -> bytes:
    dark, light = PALETTES[(index * 3) % len(PALETTES)]
    width, height = 600, 750
    image = gradient(width, height, light, dark, 90)
    draw = ImageDraw.Draw(image, "RGBA")
    skin = (255, 255, 255, 215)
    head_r = rng.randrange(105, 125)
    cx, cy = width // 2, 290
    draw.ellipse((cx - head_r, cy - head_r, cx + head_r, cy + head_r), fill=skin)
    draw.ellipse((cx - 240, 460, cx + 240, 980), fill=skin)
    draw.polygon([(cx - 45, 455), (cx + 45, 455), (cx, 560)], fill=(160, 20, 20, 230))
    draw.rectangle((0, height - 90, width, height), fill=(0, 0, 0, 110))
    draw_centred(draw, (cx, height - 45), "讲师照片（示例）", load_font(34), (255, 255, 255, 255))
    return to_jpeg(image)


def to_jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=78, optimize=True)
    return buffer.getvalue()


def material_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF (a picture of the text, so the CJK font need not be embedded)."""
    width, height = 1240, 1754  # A4 at 150 dpi
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, width, 260), fill="#a31515")
    draw_centred(draw, (width // 2, 95), "烟台城市党建学院 · 名教材", load_font(44), "#ffe9a8")
    draw_centred(draw, (width // 2, 180), title, load_font(56), "white")
    font = load_font(34)
    y = 360
    for line in lines:
        for chunk in wrap(line, 30):
            draw.text((110, y), chunk, font=font, fill="#222222")
            y += 56
        y += 24
    draw.text((110, height - 120), "（演示数据，仅供展示）", font=font, fill="#888888")
    buffer = BytesIO()
    page.save(buffer, "PDF", resolution=150.0)
    return buffer.getvalue()


def material_text(title: str, lines: list[str]) -> bytes:
    body = "\n\n".join([title, "烟台城市党建学院 · 名教材（演示数据）", *lines])
    return (body + "\n").encode("utf-8")


def wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
