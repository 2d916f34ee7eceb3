#!/usr/bin/env python3
"""Turns a tmux capture with colours (`tmux capture-pane -e -p`) into a PNG.

    tmux capture-pane -e -p -t t > screen.ansi
    scripts/screenshot.py screen.ansi assets/editor.png

Understands the SGR sequences tmux emits (16 and 256 colours, bold, reverse);
draws with DejaVu Sans Mono (Debian's fonts-dejavu-core). Needs Pillow.
"""
import re, sys
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
BASE16 = [
    (0x1e, 0x1e, 0x1e), (0xcd, 0x31, 0x31), (0x0d, 0xbc, 0x79), (0xe5, 0xe5, 0x10),
    (0x24, 0x72, 0xc8), (0xbc, 0x3f, 0xbc), (0x11, 0xa8, 0xcd), (0xe5, 0xe5, 0xe5),
    (0x66, 0x66, 0x66), (0xf1, 0x4c, 0x4c), (0x23, 0xd1, 0x8b), (0xf5, 0xf5, 0x43),
    (0x3b, 0x8e, 0xea), (0xd6, 0x70, 0xd6), (0x29, 0xb8, 0xdb), (0xff, 0xff, 0xff),
]
FG, BG = (0xd4, 0xd4, 0xd4), (0x1e, 0x1e, 0x1e)


def color256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def parse(text):
    rows = []
    state = {"fg": None, "bg": None, "bold": False, "rev": False}
    for line in text.split("\n"):
        cells = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        state = {"fg": None, "bg": None, "bold": False, "rev": False}
                    elif c == 1:
                        state["bold"] = True
                    elif c == 22:
                        state["bold"] = False
                    elif c == 7:
                        state["rev"] = True
                    elif c == 27:
                        state["rev"] = False
                    elif 30 <= c <= 37:
                        state["fg"] = BASE16[c - 30]
                    elif 90 <= c <= 97:
                        state["fg"] = BASE16[c - 90 + 8]
                    elif 40 <= c <= 47:
                        state["bg"] = BASE16[c - 40]
                    elif 100 <= c <= 107:
                        state["bg"] = BASE16[c - 100 + 8]
                    elif c == 39:
                        state["fg"] = None
                    elif c == 49:
                        state["bg"] = None
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        state["fg" if c == 38 else "bg"] = color256(codes[i + 2])
                        i += 2
                    elif c in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
                        state["fg" if c == 38 else "bg"] = tuple(codes[i + 2:i + 5])
                        i += 4
                    i += 1
            else:
                for ch in part:
                    cells.append((ch, dict(state)))
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def render(rows, out, size=16):
    font = ImageFont.truetype(FONT, size)
    bold = ImageFont.truetype(BOLD, size)
    w = int(font.getlength("M"))
    h = int(size * 1.25)
    cols = max(len(r) for r in rows)
    pad = 12
    img = Image.new("RGB", (cols * w + 2 * pad, len(rows) * h + 2 * pad), BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, (ch, st) in enumerate(row):
            fg, bg = st["fg"] or FG, st["bg"] or BG
            if st["rev"]:
                fg, bg = bg, fg
            px, py = pad + x * w, pad + y * h
            if bg != BG:
                draw.rectangle([px, py, px + w, py + h], fill=bg)
            if ch != " ":
                draw.text((px, py + 1), ch, fill=fg, font=bold if st["bold"] else font)
    img.save(out)


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    render(parse(open(src, encoding="utf-8").read()), dst)
