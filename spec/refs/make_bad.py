#!/usr/bin/python3
"""Broken images for the bad-input specs: spec/fixtures/bad/*.

Every file written here must make seg.load answer nil, message (never raise,
crash, leak or print). They are derived from the committed good fixtures
(run spec/refs/make_io_refs.py first), so the set is reproducible.

    /usr/bin/python3 spec/refs/make_bad.py

When python3-opencv is present the script also checks that OpenCV refuses
each file too, except the few listed in OPENCV_READS (formats or limits where
lua-seg is deliberately stricter).
"""
import glob
import os
import struct
import zlib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIX = os.path.join(ROOT, "spec", "fixtures")
OUT = os.path.join(FIX, "bad")

# OpenCV decodes these; lua-seg refuses them on purpose.
OPENCV_READS = {
    "pnm_p7.pam": "PAM is not one of lua-seg's formats",
    "jpeg_trunc_815.jpg": "cut inside the scan: OpenCV pads the rest with gray, lua-seg refuses",
    "jpeg_claims_9000.jpg": "8x8 data under a 9000x9000 header: OpenCV pads it with gray",
    "jpeg_claims_9000_prog.jpg": "the same, progressive",
    "jpeg_cut_baseline.jpg": "cut inside the scan (partial = true reads it)",
    "jpeg_cut_progressive.jpg": "scans missing (partial = true reads it)",
}


def rd(*p):
    with open(os.path.join(FIX, *p), "rb") as f:
        return f.read()


def chunk(tag, data, crc=None):
    c = zlib.crc32(tag + data) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", c)


def chunks(png):
    """[(tag, data)] of a PNG file."""
    out, pos = [], 8
    while pos < len(png):
        n = struct.unpack(">I", png[pos:pos + 4])[0]
        out.append((png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


SIG = b"\x89PNG\r\n\x1a\n"


def build(parts):
    return SIG + b"".join(chunk(t, d) for t, d in parts)


def ihdr(w, h, bd=8, ct=2, il=0, comp=0, filt=0):
    return (b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ct, comp, filt, il))


def idat_for(w, h, bpp, filt=0):
    raw = b"".join(bytes([filt]) + bytes(w * bpp) for _ in range(h))
    return (b"IDAT", zlib.compress(raw))


def pngs():
    good = rd("png", "rgb8.png")
    cs = chunks(good)
    i_idat = [k for k, (t, _) in enumerate(cs) if t == b"IDAT"][0]
    idat = cs[i_idat][1]
    f = {}
    f["png_sig_only.png"] = SIG
    f["png_wrong_magic.png"] = b"\x88" + good[1:]
    f["png_sig_partial.png"] = SIG[:5]
    for cut in (12, 20, 33, 33 + 8 + len(idat) // 2, len(good) - 12, len(good) - 4):
        f["png_trunc_%d.png" % cut] = good[:cut]
    bad = bytearray(good)
    bad[29] ^= 0x55                                    # IHDR CRC
    f["png_ihdr_crc.png"] = bytes(bad)
    bad = bytearray(good)
    bad[33 + 8 + len(idat) // 2] ^= 0xFF               # IDAT data, CRC left stale
    f["png_idat_crc.png"] = bytes(bad)
    # IDAT bytes flipped with a matching CRC: zlib must notice
    flipped = bytearray(idat)
    for k in range(2, len(flipped) - 4, 7):
        flipped[k] ^= 0xA5
    f["png_idat_corrupt.png"] = build(cs[:i_idat] + [(b"IDAT", bytes(flipped))] + cs[i_idat + 1:])
    adler = bytearray(idat)
    adler[-1] ^= 1                                     # only the zlib checksum wrong
    f["png_idat_adler.png"] = build(cs[:i_idat] + [(b"IDAT", bytes(adler))] + cs[i_idat + 1:])
    f["png_idat_short.png"] = build(cs[:i_idat] + [(b"IDAT", idat[:len(idat) // 2])] + cs[i_idat + 1:])
    f["png_no_idat.png"] = build([ihdr(13, 11), (b"IEND", b"")])
    f["png_no_iend.png"] = build(cs[:i_idat + 1])
    f["png_zero_width.png"] = build([ihdr(0, 11), idat_for(1, 11, 3), (b"IEND", b"")])
    f["png_huge.png"] = build([ihdr(100000, 100000), idat_for(16, 4, 3), (b"IEND", b"")])
    # within the pixel limit, but far more pixels than its bytes can inflate to
    f["png_bomb.png"] = build([ihdr(16000, 16000, ct=0), idat_for(16000, 2, 1), (b"IEND", b"")])
    f["png_width_2g.png"] = build([ihdr(1 << 31, 1), idat_for(1, 1, 3), (b"IEND", b"")])
    f["png_bad_depth.png"] = build([ihdr(13, 11, bd=3), idat_for(13, 11, 3), (b"IEND", b"")])
    f["png_bad_ctype.png"] = build([ihdr(13, 11, ct=5), idat_for(13, 11, 3), (b"IEND", b"")])
    f["png_palette16.png"] = build([ihdr(13, 11, bd=16, ct=3), idat_for(13, 11, 2), (b"IEND", b"")])
    f["png_no_plte.png"] = build([ihdr(13, 11, ct=3), idat_for(13, 11, 1), (b"IEND", b"")])
    f["png_bad_interlace.png"] = build([ihdr(13, 11, il=2), idat_for(13, 11, 3), (b"IEND", b"")])
    f["png_bad_compression.png"] = build([ihdr(13, 11, comp=1), idat_for(13, 11, 3), (b"IEND", b"")])
    f["png_bad_filter.png"] = build([ihdr(13, 11), idat_for(13, 11, 3, filt=9), (b"IEND", b"")])
    f["png_chunk_len.png"] = (SIG + chunk(*ihdr(13, 11)) +
                             struct.pack(">I", 0x80000000) + b"tEXt" + b"x" * 16)
    # a palette image whose interlaced IDAT is cut: the row-pointer path
    # rows cut inside IDAT: {partial = true} keeps the rows before the cut
    f["png_cut_rows.png"] = good[:33 + 8 + len(idat) * 6 // 10]
    # and interlaced: every pixel of the passes before the cut
    i16 = rd("png", "rgba16i.png")
    f["png_cut_interlaced.png"] = i16[:33 + 8 + (len(i16) - 33 - 8 - 12 - 12) * 6 // 10]
    il = rd("png", "p8i_trns.png")
    f["png_interlaced_trunc.png"] = il[:len(il) * 2 // 3]
    ilc = chunks(il)
    j = [k for k, (t, _) in enumerate(ilc) if t == b"IDAT"][0]
    f["png_interlaced_short_idat.png"] = build(ilc[:j] + [(b"IDAT", ilc[j][1][:len(ilc[j][1]) // 2])] + ilc[j + 1:])
    return f


def jpegs():
    good = rd("jpeg", "orient6.jpg")
    f = {}
    f["jpeg_soi_only.jpg"] = good[:3]
    for cut in (10, 100, len(good) // 2):
        f["jpeg_trunc_%d.jpg" % cut] = good[:cut]
    f["jpeg_wrong_magic.jpg"] = b"\xff\xd8\x00" + good[3:]
    sof = good.find(b"\xff\xc0")
    assert sof > 0
    huge = bytearray(good)
    huge[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
    f["jpeg_huge.jpg"] = bytes(huge)
    zero = bytearray(good)
    zero[sof + 5:sof + 7] = struct.pack(">H", 0)
    f["jpeg_zero_height.jpg"] = bytes(zero)
    nocomp = bytearray(good)
    nocomp[sof + 9] = 0                                # zero components
    f["jpeg_no_components.jpg"] = bytes(nocomp)
    sos = good.find(b"\xff\xda")
    f["jpeg_no_scan.jpg"] = good[:sos] + b"\xff\xd9"
    # issue 6: an 8x8 image whose SOF says 9000x9000. Its ~600 bytes cannot
    # hold the 1.9 million blocks (2 bits each at least; 1 when progressive),
    # so it must be refused before 243 MB are allocated.
    import cv2
    import numpy as np
    px = cv2.imdecode(np.frombuffer(rd("jpeg", "k_o1.jpg"), np.uint8), cv2.IMREAD_COLOR)[20:28, 30:38]
    for name, flags, marker in (("jpeg_claims_9000.jpg", [], b"\xff\xc0"),
                                ("jpeg_claims_9000_prog.jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1], b"\xff\xc2")):
        ok, small = cv2.imencode(".jpg", px, [cv2.IMWRITE_JPEG_QUALITY, 90] + flags)
        assert ok
        small = bytearray(small.tobytes())
        at = small.find(marker)
        assert at > 0
        small[at + 5:at + 9] = struct.pack(">HH", 9000, 9000)
        f[name] = bytes(small)
    # cut inside the entropy-coded data: {partial = true} keeps the rows
    # decoded before the cut (90x70 baseline, cut at 60%; progressive
    # 133x100, cut after its 5th scan)
    base = rd("jpeg", "k_o1.jpg")
    f["jpeg_cut_baseline.jpg"] = base[:len(base) * 6 // 10]
    prog = rd("jpeg", "k_progressive.jpg")
    at = -1
    for _ in range(6):
        at = prog.find(b"\xff\xda", at + 1)
    f["jpeg_cut_progressive.jpg"] = prog[:at]
    return f


def pnms():
    good = rd("pnm", "p6_255.ppm")
    hdr_end = len(b"P6\n13 11\n255\n")
    f = {}
    for cut in (2, 5, hdr_end - 1, hdr_end, hdr_end + 100, len(good) - 1):
        f["pnm_trunc_%d.ppm" % cut] = good[:cut]
    g16 = rd("pnm", "p5_1000.pgm")
    f["pnm_trunc16.pgm"] = g16[:-1]
    f["pnm_maxval_0.pgm"] = b"P5\n13 11\n0\n" + bytes(143)
    f["pnm_maxval_big.pgm"] = b"P5\n13 11\n70000\n" + bytes(286)
    f["pnm_huge.pgm"] = b"P5\n100000 100000\n255\n" + bytes(1000)
    f["pnm_huge_ascii.pgm"] = b"P2\n100000 100000\n255\n" + b"0 " * 1000
    f["pnm_overflow.pgm"] = b"P5\n99999999999999999999 11\n255\n" + bytes(143)
    f["pnm_negative.pgm"] = b"P5\n-13 11\n255\n" + bytes(143)
    f["pnm_zero_width.pgm"] = b"P5\n0 11\n255\n" + bytes(143)
    f["pnm_garbage_header.pgm"] = b"P5\nab cd\n255\n" + bytes(143)
    f["pnm_no_maxval.pgm"] = b"P5\n13 11\n"
    f["pnm_p2_short.pgm"] = b"P2\n13 11\n255\n" + b"1 " * 142
    f["pnm_p2_letter.pgm"] = b"P2\n3 2\n255\n1 2 3\n4 x 6\n"
    f["pnm_p3_short.ppm"] = b"P3\n2 2\n255\n" + b"9 " * 11 + b"9"[:0]
    f["pnm_p1_short.pbm"] = b"P1\n13 11\n" + b"1" * 142
    f["pnm_p4_short.pbm"] = b"P4\n13 11\n" + bytes(21)
    # a 13x11 gray raster cut in its 7th row: {partial = true} keeps 6 rows
    # and 5 samples
    g8 = rd("pnm", "p5_255.pgm")
    f["pnm_cut_rows.pgm"] = g8[:len(g8) - 13 * 11 + 13 * 6 + 5]
    f["pnm_p7.pam"] = (b"P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n" + bytes(4))
    return f


def misc():
    return {
        "empty.png": b"",
        "empty.jpg": b"",
        "text.png": b"this is not an image\n",
        "gif.png": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "nul.pgm": bytes(64),
        "P.pgm": b"P",
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*")):
        os.remove(old)
    files = {}
    for part in (pngs(), jpegs(), pnms(), misc()):
        assert not set(part) & set(files)
        files.update(part)
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
    try:
        import cv2
        import numpy as np
    except ImportError:
        return
    read = []
    for name, data in sorted(files.items()):
        try:
            im = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
        except cv2.error:
            im = None
        if im is not None and name not in OPENCV_READS:
            read.append(name)
    if read:
        raise SystemExit("OpenCV reads these 'bad' files: " + ", ".join(read))
    print("%d bad files in %s" % (len(files), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
