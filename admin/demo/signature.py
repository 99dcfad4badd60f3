"""A demo signature: a PNG of a scribbled stroke (grayscale, written with zlib), or the reason for none by phone."""

from __future__ import annotations

import math
import random
import struct
import zlib

WIDTH, HEIGHT = 300, 120


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def scribble(rng: random.Random) -> bytes:
    """A PNG of a wavy stroke across the pad, as a hand signing quickly leaves it."""
    pixels = [bytearray(b"\xff" * WIDTH) for _ in range(HEIGHT)]
    waves, phase, amp = rng.uniform(2, 5), rng.uniform(0, math.pi), rng.uniform(18, 34)
    for step in range(0, 2400):
        x = 20 + step * (WIDTH - 40) / 2400
        y = HEIGHT / 2 + amp * math.sin(phase + waves * 2 * math.pi * step / 2400) * math.cos(step / 700)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                px, py = int(x) + dx, int(y) + dy
                if 0 <= px < WIDTH and 0 <= py < HEIGHT:
                    pixels[py][px] = 0
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) \
        + _chunk(b"IEND", b"")
