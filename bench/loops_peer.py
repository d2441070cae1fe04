#!/usr/bin/python3
"""bench/loops_peer.py — OpenCV's side of bench/loops.lua.

    /usr/bin/python3 bench/loops_peer.py NAME DATADIR ITERS

Runs the loop NAME of bench/loops.lua written the way a Python user writes
it, on DATADIR/gray.raw (the same bytes the Lua side reads), 1 thread, and
prints key=value lines: median and mean time per iteration (seconds), the
process's VmRSS before the inputs (base) and before the loop (before), its
peak VmHWM over the loop (peak, after a reset once the inputs are made) and,
for the pipeline, the peak after the first iteration (hwm1) and the region
count."""

import json
import os
import statistics
import sys
import time

import cv2
import numpy as np


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def loop_threshold(g, times):
    keep = cv2.threshold(g, 128, 1, cv2.THRESH_BINARY)[1]  # one mask alive
    for i in range(len(times)):
        t0 = time.perf_counter()
        m = cv2.threshold(g, 128, 1, cv2.THRESH_BINARY)[1]
        times[i] = time.perf_counter() - t0
    del keep, m
    return {}


def loop_erode(g, times):
    b = cv2.threshold(g, 128, 1, cv2.THRESH_BINARY)[1]
    for i in range(len(times)):
        t0 = time.perf_counter()
        m = cv2.erode(b, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
        times[i] = time.perf_counter() - t0
    del b, m
    return {}


def fill_holes(m):
    """The border flood-fill idiom: background not reachable from outside
    the image (4-connected, as scipy's binary_fill_holes) is a hole."""
    p = cv2.copyMakeBorder(m, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    cv2.floodFill(p, None, (0, 0), 2)   # no mask: 3x faster, same result
    return (p[1:-1, 1:-1] != 2).astype(np.uint8)


def remove_small(m, min_area):
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep.astype(np.uint8)[lab]


def regions(m):
    """label() and regions{area, bbox, centroid}: one dict per region."""
    n, lab, stats, cent = cv2.connectedComponentsWithStats(m, connectivity=8)
    out = []
    for i in range(1, n):
        s = stats[i]
        out.append({"label": i, "area": int(s[cv2.CC_STAT_AREA]),
                    "bbox": {"x": int(s[0]), "y": int(s[1]), "w": int(s[2]), "h": int(s[3])},
                    "centroid": {"x": float(cent[i, 0]), "y": float(cent[i, 1])}})
    return lab, out


def loop_pipeline(g, times):
    hwm1 = 0
    n = 0
    for i in range(len(times)):
        t0 = time.perf_counter()
        s = cv2.GaussianBlur(g, (0, 0), 1.5)
        _, m = cv2.threshold(s, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        f = fill_holes(m)
        r = remove_small(f, 64)
        lab, regs = regions(r)
        times[i] = time.perf_counter() - t0
        n = len(regs)
        if i == 0:
            hwm1 = status("VmHWM")
    return {"regions": n, "hwm1": hwm1}


LOOPS = {"threshold": loop_threshold, "erode": loop_erode,
         "threshold <close>": loop_threshold, "pipeline": loop_pipeline}


def main():
    name, datadir, iters = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cv2.setNumThreads(1)
    base = status("VmRSS")
    with open(os.path.join(datadir, "meta.json")) as f:
        meta = json.load(f)
    w, h = meta["width"], meta["height"]
    g = np.fromfile(os.path.join(datadir, "gray.raw"), np.uint8).reshape(h, w)
    times = [0.0] * iters
    before = status("VmRSS")
    reset_peak()
    extra = LOOPS[name](g, times)
    peak = status("VmHWM")
    print("median=%.9f" % statistics.median(times))
    print("mean=%.9f" % statistics.fmean(times))
    print("base=%d" % base)
    print("before=%d" % before)
    print("peak=%d" % peak)
    print("image=%d" % (w * h))
    for k, v in extra.items():
        print("%s=%s" % (k, v))


if __name__ == "__main__":
    main()
