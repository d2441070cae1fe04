#!/usr/bin/python3
"""Reference pixels for spec/io_spec.lua, decoded by OpenCV.

Run from anywhere with Debian's interpreter (python3-opencv, python3-skimage,
python3-pil):   /usr/bin/python3 spec/refs/make_io_refs.py

Writes
  spec/fixtures/png/*.png   every PNG bit depth / colour type / interlace /
                            tRNS case, from a small PNG writer below (PIL
                            cannot make all of them)
  spec/fixtures/pnm/*       P1-P6 with OpenCV's odd cases (maxval, comments)
  spec/fixtures/jpeg/*.jpg  a gray JPEG and one with EXIF orientation 6
  spec/fixtures/io_refs.lua shape and checksum of what cv2.imread(path,
                            IMREAD_UNCHANGED) returns for those files and for
                            every PNG/JPEG in skimage's data directory, in
                            lua-seg's layout: RGB(A) order, row-major HWC,
                            native-endian samples (img:data()).

Deliberate difference: for gray+alpha PNGs OpenCV returns BGRA with the gray
replicated; lua-seg keeps 2 channels, so the reference takes channels 0 and
3 (after checking that B == G == R).

The checksum (also in spec/io_spec.lua): the bytes, zero-padded to a multiple
of 8, read as little-endian u64 words w_j; m_j = mix(w_j); h1 = sum m_j,
h2 = sum (j+1)*m_j, both mod 2^64; written "%016x%016x/<length>".
"""
import glob
import os
import random
import struct
import zlib

import cv2
import numpy as np
from PIL import Image

from checksum import checksum

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIX = os.path.join(ROOT, "spec", "fixtures")
SKDATA = "/usr/lib/python3/dist-packages/skimage/data"


def to_seg(im, gray_alpha=False):
    """cv2 array -> (w, h, c, dtype, bytes) in lua-seg's layout."""
    if im.ndim == 2:
        im = im[:, :, None]
    c = im.shape[2]
    if gray_alpha:
        assert c == 4 and (im[:, :, 0] == im[:, :, 1]).all() and (im[:, :, 0] == im[:, :, 2]).all()
        im = im[:, :, [0, 3]]
    elif c == 3:
        im = im[:, :, ::-1]
    elif c == 4:
        im = im[:, :, [2, 1, 0, 3]]
    im = np.ascontiguousarray(im)
    dt = {np.dtype("uint8"): "u8", np.dtype("uint16"): "u16"}[im.dtype]
    return im.shape[1], im.shape[0], im.shape[2], dt, im.astype(im.dtype.newbyteorder("=")).tobytes()


def ref_entry(im, gray_alpha=False):
    w, h, c, dt, b = to_seg(im, gray_alpha)
    return {"w": w, "h": h, "c": c, "dtype": dt, "sum": checksum(b)}


# ---------------------------------------------------------------- PNG writer

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def pack_row(samples, bd):
    if bd == 8:
        return bytes(samples)
    if bd == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, nb = bytearray(), 0, 0
    for s in samples:
        acc = (acc << bd) | s
        nb += bd
        if nb == 8:
            out.append(acc)
            acc, nb = 0, 0
    if nb:
        out.append(acc << (8 - nb))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_rows(rows, bpp):
    """Filters packed rows, cycling through the five filter types."""
    out, prev = bytearray(), bytes(len(rows[0])) if rows else b""
    for y, r in enumerate(rows):
        ft = y % 5
        f = bytearray()
        for i, v in enumerate(r):
            a = r[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ft]
            f.append((v - pred) & 0xFF)
        out += bytes([ft]) + f
        prev = r
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, pix, bd, ctype, interlace=False, plte=None, trns=None):
    """pix: h rows of w pixels, each a tuple of raw samples."""
    h, w, ns = len(pix), len(pix[0]), len(pix[0][0])
    bpp = max(1, ns * bd // 8)
    if not interlace:
        raw = filter_rows([pack_row([s for p in row for s in p], bd) for row in pix], bpp)
    else:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = [[pix[y][x] for x in range(x0, w, dx)] for y in range(y0, h, dy)]
            if sub and sub[0]:
                raw += filter_rows([pack_row([s for p in row for s in p], bd) for row in sub], bpp)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ctype, 0, 0, 1 if interlace else 0))
    if plte is not None:
        data += chunk(b"PLTE", bytes(v for rgb in plte for v in rgb))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def make_pngs(rng):
    """Writes the PNG fixtures; returns {name: (expected array, gray_alpha)}."""
    d = os.path.join(FIX, "png")
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "*.png")):
        os.remove(old)
    cases = {}

    def add(name, w, h, bd, ctype, interlace=False, trns_kind=None):
        ns = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
        top = (1 << bd) - 1
        plte = trns = None
        if ctype == 3:
            npal = min(1 << bd, 200)
            plte = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(npal)]
            top = npal - 1
        pix = [[tuple(rng.randint(0, top) for _ in range(ns)) for _ in range(w)] for _ in range(h)]
        if trns_kind == "gray":
            key = pix[0][0][0]
            trns = struct.pack(">H", key)
        elif trns_kind == "rgb":
            key = pix[0][0]
            pix[h - 1][w - 1] = key          # at least two transparent pixels
            trns = struct.pack(">HHH", *key)
        elif trns_kind == "pal":          # alphas for the first entries only
            trns = bytes(rng.randrange(256) for _ in range(max(1, len(plte) // 2)))
        write_png(os.path.join(d, name), pix, bd, ctype, interlace, plte, trns)
        # what lua-seg must produce, from the samples themselves
        full = 65535 if bd == 16 else 255
        exp = []
        for row in pix:
            er = []
            for p in row:
                if ctype == 0:
                    er.append((p[0] * 255 // top,) if bd < 8 else p)
                elif ctype == 3:
                    rgb = plte[p[0]]
                    if trns is not None:
                        rgb = rgb + ((trns[p[0]] if p[0] < len(trns) else 255),)
                    er.append(rgb)
                elif ctype == 2 and trns is not None:
                    er.append(p + ((0 if p == key else full),))
                else:
                    er.append(p)
            exp.append(er)
        dt = np.uint16 if bd == 16 else np.uint8
        cases[name] = (np.array(exp, dtype=dt), ctype == 4)

    W, H = 13, 11
    for il in (False, True):
        sfx = "i" if il else ""
        for bd in (1, 2, 4, 8, 16):
            add("g%d%s.png" % (bd, sfx), W, H, bd, 0, il)
        for bd in (8, 16):
            add("ga%d%s.png" % (bd, sfx), W, H, bd, 4, il)
            add("rgb%d%s.png" % (bd, sfx), W, H, bd, 2, il)
            add("rgba%d%s.png" % (bd, sfx), W, H, bd, 6, il)
        for bd in (1, 2, 4, 8):
            add("p%d%s.png" % (bd, sfx), W, H, bd, 3, il)
    add("g1_trns.png", W, H, 1, 0, trns_kind="gray")
    add("g8_trns.png", W, H, 8, 0, trns_kind="gray")
    add("g16_trns.png", W, H, 16, 0, trns_kind="gray")
    add("rgb8_trns.png", W, H, 8, 2, trns_kind="rgb")
    add("rgb16_trns.png", W, H, 16, 2, trns_kind="rgb")
    add("rgb8i_trns.png", W, H, 8, 2, True, trns_kind="rgb")
    add("p4_trns.png", W, H, 4, 3, trns_kind="pal")
    add("p8_trns.png", W, H, 8, 3, trns_kind="pal")
    add("p8i_trns.png", W, H, 8, 3, True, trns_kind="pal")
    add("tiny_rgb8i.png", 1, 1, 8, 2, True)
    add("tiny_g2i.png", 3, 2, 2, 0, True)
    add("tiny_p1i.png", 9, 1, 1, 3, True)
    return cases


# ---------------------------------------------------------------- PNM and JPEG

def make_pnms(rng):
    d = os.path.join(FIX, "pnm")
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "*")):
        os.remove(old)
    W, H = 13, 11

    def samples(n, top):
        return [rng.randint(0, top) for _ in range(n)]

    def ascii_body(vals, per_line=17):
        return "\n".join(" ".join(str(v) for v in vals[i:i + per_line])
                         for i in range(0, len(vals), per_line)).encode() + b"\n"

    files = {}
    v = samples(W * H, 255)
    files["p2_255.pgm"] = b"P2\n# a comment\n%d %d\n255\n" % (W, H) + ascii_body(v)
    v = samples(W * H, 15)
    v[3] = 20                                    # above maxval: clamped
    files["p2_15.pgm"] = b"P2 %d %d 15\n" % (W, H) + ascii_body(v)
    v = samples(W * H * 3, 255)
    files["p3_255.ppm"] = b"P3\n%d %d\n255\n" % (W, H) + ascii_body(v)
    v = samples(W * H * 3, 1000)
    v[5] = 4000
    files["p3_1000.ppm"] = b"P3\n%d %d\n# comment before maxval\n1000\n" % (W, H) + ascii_body(v)
    files["p5_255.pgm"] = b"P5\n#c1\n%d #c2\n%d\n255\n" % (W, H) + bytes(samples(W * H, 255))
    files["p5_15.pgm"] = b"P5\n%d %d\n15\n" % (W, H) + bytes(samples(W * H, 15))
    files["p6_255.ppm"] = b"P6\n%d %d\n255\n" % (W, H) + bytes(samples(W * H * 3, 255))
    files["p5_1000.pgm"] = b"P5\n%d %d\n1000\n" % (W, H) + struct.pack(">%dH" % (W * H), *samples(W * H, 1000))
    files["p6_65535.ppm"] = (b"P6\n%d %d\n65535\n" % (W, H) +
                             struct.pack(">%dH" % (W * H * 3), *samples(W * H * 3, 65535)))
    files["p1.pbm"] = b"P1\n%d %d\n" % (W, H) + ascii_body(samples(W * H, 1), 35)
    files["p1_packed.pbm"] = b"P1\n%d %d\n" % (W, H) + "".join(str(s) for s in samples(W * H, 1)).encode()
    files["p4.pbm"] = b"P4\n%d %d\n" % (W, H) + bytes(samples(2 * H, 255))
    files["trailing.pgm"] = b"P5\n%d %d\n255\n" % (W, H) + bytes(samples(W * H, 255)) + b"P5 junk after"
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return sorted(files)


def make_jpegs():
    d = os.path.join(FIX, "jpeg")
    os.makedirs(d, exist_ok=True)
    src = Image.open(os.path.join(SKDATA, "astronaut.png")).convert("RGB").resize((48, 32), Image.BILINEAR)
    exif = Image.Exif()
    exif[0x0112] = 6                              # rotate 90 cw to display
    src.save(os.path.join(d, "orient6.jpg"), quality=90, exif=exif.tobytes())
    src.convert("L").resize((40, 30)).save(os.path.join(d, "gray.jpg"), quality=90)
    return ["orient6.jpg", "gray.jpg"]


# ---------------------------------------------------------------- output

def lua_entry(e):
    return "{w = %d, h = %d, c = %d, dtype = \"%s\", sum = \"%s\"}" % (e["w"], e["h"], e["c"], e["dtype"], e["sum"])


def main():
    rng = random.Random(20240601)
    out = ["-- Written by spec/refs/make_io_refs.py from cv2.imread(path, IMREAD_UNCHANGED)",
           "-- (OpenCV %s); do not edit. See the script for the checksum." % cv2.__version__,
           "return {"]

    # skimage's sample images
    sk, unreadable = [], []
    for path in sorted(glob.glob(os.path.join(SKDATA, "*.png")) + glob.glob(os.path.join(SKDATA, "*.jpg"))):
        im = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        name = os.path.basename(path)
        if im is None:
            unreadable.append(name)
        else:
            sk.append((name, ref_entry(im)))
    out.append("  skimage_dir = \"%s\"," % SKDATA)
    out.append("  skimage = {")
    out += ["    [\"%s\"] = %s," % (n, lua_entry(e)) for n, e in sk]
    out.append("  },")
    out.append("  skimage_unreadable = {%s}," % ", ".join("\"%s\"" % n for n in unreadable))

    # generated PNGs: cv2 must agree with what the samples say
    cases = make_pngs(rng)
    out.append("  png = {")
    for name in sorted(cases):
        exp, ga = cases[name]
        im = cv2.imread(os.path.join(FIX, "png", name), cv2.IMREAD_UNCHANGED)
        assert im is not None, name
        w, h, c, dt, b = to_seg(im, ga)
        e3 = exp if exp.ndim == 3 else exp[:, :, None]
        assert (h, w, c) == e3.shape, (name, (h, w, c), e3.shape)
        assert b == np.ascontiguousarray(e3).tobytes(), name + ": cv2 disagrees with the samples"
        out.append("    [\"%s\"] = %s," % (name, lua_entry(ref_entry(im, ga))))
    out.append("  },")

    out.append("  pnm = {")
    for name in make_pnms(rng):
        im = cv2.imread(os.path.join(FIX, "pnm", name), cv2.IMREAD_UNCHANGED)
        assert im is not None, name
        out.append("    [\"%s\"] = %s," % (name, lua_entry(ref_entry(im))))
    out.append("  },")

    # JPEGs: 'raw' ignores EXIF orientation (IMREAD_UNCHANGED), 'oriented'
    # applies it (IMREAD_COLOR, which also gives 3 channels)
    out.append("  jpeg = {")
    for name in make_jpegs():
        p = os.path.join(FIX, "jpeg", name)
        raw = ref_entry(cv2.imread(p, cv2.IMREAD_UNCHANGED))
        line = "    [\"%s\"] = {raw = %s" % (name, lua_entry(raw))
        if raw["c"] == 3:
            line += ", oriented = %s" % lua_entry(ref_entry(cv2.imread(p, cv2.IMREAD_COLOR)))
        out.append(line + "},")
    out.append("  },")
    out.append("}")
    with open(os.path.join(FIX, "io_refs.lua"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
