"""Videos for Chromium's fake camera (`--use-file-for-fake-video-capture`): QR codes drawn with
qrcode and Pillow, written as YUV4MPEG2 (4:2:0), the raw format Chromium plays in a loop.
Made by each test in its temporary folder, never committed."""

from pathlib import Path

import qrcode
from PIL import Image

WIDTH, HEIGHT = 480, 360
FPS = 10


def qr_frame(text: str) -> Image.Image:
    """A white frame with the QR code of `text` in the middle, as a phone held up shows it."""
    code = qrcode.make(text, border=4, box_size=8).convert("RGB")
    side = min(HEIGHT - 20, code.width)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(code, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    return frame


def blank_frame() -> Image.Image:
    """Nothing to read: a grey wall."""
    return Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))


def yuv420(frame: Image.Image) -> bytes:
    """The frame's planes as Y4M's C420 wants them: full-size Y, then U and V at half size."""
    y, u, v = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    return (
        y.tobytes()
        + u.resize(half, Image.Resampling.BILINEAR).tobytes()
        + v.resize(half, Image.Resampling.BILINEAR).tobytes()
    )


def write_video(path: Path, scenes: list[tuple[Image.Image, float]]) -> Path:
    """A video of `scenes`, each (frame, seconds on screen), played in order and then again."""
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420\n".encode())
        for frame, seconds in scenes:
            data = yuv420(frame)
            for _ in range(max(1, round(seconds * FPS))):
                video.write(b"FRAME\n" + data)
    return path
