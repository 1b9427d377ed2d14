#!/usr/bin/env python3
"""Draws the gmux mark (two stacked envelopes on an indigo tile) into static/icons/{16,32,48,128}.png.

Pure python3 + zlib, so any machine can regenerate the committed PNGs: python3 extension/tools/make_icons.py
Shapes are sampled 8x8 per pixel for smooth edges.
"""
import math
import os
import struct
import zlib

TOP = (99, 102, 241)     # indigo-500
BOTTOM = (67, 56, 202)   # indigo-700
WHITE = (255, 255, 255)


def in_round_rect(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def near_segment(x, y, ax, ay, bx, by, half_width):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= half_width ** 2


def envelope(x, y, ox, oy, grow=0.0, w=0.56, h=0.40):
    """Coverage of an envelope body (unit square coordinates) whose top-left is at (ox, oy)."""
    return in_round_rect(x, y, ox - grow, oy - grow, ox + w + grow, oy + h + grow, 0.05 + grow)


def flap(x, y, ox, oy, stroke, w=0.56, h=0.40):
    inset = 0.02
    mid = (ox + w / 2, oy + h * 0.55)
    return near_segment(x, y, ox + inset, oy + inset, *mid, stroke) or near_segment(
        x, y, *mid, ox + w - inset, oy + inset, stroke)


def color_at(x, y, size):
    """RGBA of one sample at unit coordinates (x, y)."""
    if not in_round_rect(x, y, 0.0, 0.0, 1.0, 1.0, 0.22):
        return None
    t = (x + y) / 2
    tile = tuple(TOP[i] + (BOTTOM[i] - TOP[i]) * t for i in range(3))
    stroke = 0.045 if size >= 32 else 0.06
    front = (0.16, 0.36)
    back = (0.28, 0.22)
    if size >= 32:
        # The front envelope is cut out of the back one with a gap of tile colour, so the two read apart.
        if envelope(x, y, *front, grow=0.05):
            pass
        elif envelope(x, y, *back) and not flap(x, y, *back, stroke):
            return tuple(tile[i] + (WHITE[i] - tile[i]) * 0.55 for i in range(3))
        if envelope(x, y, *front) and not flap(x, y, *front, stroke):
            return WHITE
        return tile
    # At 16 px one envelope, as large as the tile allows, reads better than two small ones.
    w, h = 0.72, 0.52
    front = ((1 - w) / 2, (1 - h) / 2)
    if envelope(x, y, *front, w=w, h=h) and not flap(x, y, *front, 0.07, w=w, h=h):
        return WHITE
    return tile


def render(size, samples=8):
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter: none
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(samples):
                for sx in range(samples):
                    c = color_at((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, size)
                    if c is not None:
                        for i in range(3):
                            acc[i] += c[i]
                        acc[3] += 1
            n = samples * samples
            alpha = acc[3] / n
            if acc[3]:
                rgb = [round(acc[i] / acc[3]) for i in range(3)]
            else:
                rgb = [0, 0, 0]
            row += bytes(rgb + [round(alpha * 255)])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "static", "icons")
    os.makedirs(out, exist_ok=True)
    for size in (16, 32, 48, 128):
        with open(os.path.join(out, f"{size}.png"), "wb") as f:
            f.write(render(size))


if __name__ == "__main__":
    main()
