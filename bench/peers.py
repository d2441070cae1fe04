#!/usr/bin/python3
"""Peer side of `make bench`: times OpenCV / NumPy / scikit-image on the
same input files as bench/run.lua.

  /usr/bin/python3 bench/peers.py prepare DATADIR [SIZE]
      writes the shared inputs (see prepare() below) once.
  /usr/bin/python3 bench/peers.py serve REQUEST.json
      REQUEST is written by run.lua: {"data", "threads", "warmup",
      "cases": [{"id", "peer", "params", "key" | "code"}]}. Prints
      "#<TAB>name<TAB>version" lines and "ready", then answers commands
      read one per line on stdin, each with one line "id<TAB>value<TAB>note":
        setup ID   build the case, run the warm-up    -> value "ok"
        rep ID     one timed call                     -> value = seconds
        done ID    drop the case                      -> note about the result
      or "id<TAB>n/a<TAB>reason" when that fails. run.lua alternates our
      and the peers' repetitions so both see the same machine load.

Must run under Debian's /usr/bin/python3 (the one with cv2 and numpy).
A case's code is either a key into PEERS below or an inline snippet
{"setup": statements, "run": expression-or-statements, "note": expression
over the last result `r`}; snippets see the inputs (rgb, rgb2, gray, png,
jpeg, gray_png, m1, m2, width, height), `p` (the case's params),
`threads`, cv2 and np.
"""
import json
import os
import sys

REQUEST = {}
# Thread pools of numpy's BLAS/OpenMP follow the requested count; this has
# to happen before numpy is imported.
if len(sys.argv) >= 3 and sys.argv[1] == "serve":
    with open(sys.argv[2], encoding="utf-8") as f:
        REQUEST = json.load(f)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(REQUEST.get("threads", 1))

import gc
import time
import traceback

import cv2
import numpy as np

SKIMAGE_ASTRONAUT = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"


# ---------------------------------------------------------------- inputs

def prepare(datadir, size):
    """The shared inputs, all size x size:
    rgb.png / rgb.jpg (quality 95) / gray.png: the astronaut upscaled with
        INTER_CUBIC, photo-like content for the codecs;
    rgb.raw / gray.raw / rgb2.raw: the same pixels as raw u8 HWC (RGB order),
        so both sides get bit-identical images without going through a
        decoder; rgb2 is rgb mirrored left-right (second operand of a + b)."""
    os.makedirs(datadir, exist_ok=True)
    bgr = cv2.imread(SKIMAGE_ASTRONAUT, cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit("peers.py: cannot read " + SKIMAGE_ASTRONAUT)
    bgr = cv2.resize(bgr, (size, size), interpolation=cv2.INTER_CUBIC)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    cv2.imwrite(os.path.join(datadir, "rgb.png"), bgr)
    cv2.imwrite(os.path.join(datadir, "rgb.jpg"), bgr,
                [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(os.path.join(datadir, "gray.png"), gray)
    rgb.tofile(os.path.join(datadir, "rgb.raw"))
    np.ascontiguousarray(rgb[:, ::-1]).tofile(os.path.join(datadir, "rgb2.raw"))
    gray.tofile(os.path.join(datadir, "gray.raw"))
    with open(os.path.join(datadir, "meta.json"), "w") as f:
        json.dump({"width": size, "height": size}, f)


class Inputs(dict):
    """The inputs every snippet sees, loaded from datadir."""

    def __init__(self, datadir):
        super().__init__()
        with open(os.path.join(datadir, "meta.json")) as f:
            meta = json.load(f)
        w, h = meta["width"], meta["height"]

        def raw(name, c):
            a = np.fromfile(os.path.join(datadir, name), np.uint8)
            return a.reshape((h, w, c) if c > 1 else (h, w))

        def blob(name):
            with open(os.path.join(datadir, name), "rb") as f:
                return np.frombuffer(f.read(), np.uint8)

        self.update(
            width=w, height=h,
            rgb=raw("rgb.raw", 3), rgb2=raw("rgb2.raw", 3),
            gray=raw("gray.raw", 1),
            png=blob("rgb.png"), jpeg=blob("rgb.jpg"),
            gray_png=blob("gray.png"))
        # the two masks of run.lua: gray:gt(127), gray:lt(200), values 0/1
        self["m1"] = (self["gray"] > 127).astype(np.uint8)
        self["m2"] = (self["gray"] < 200).astype(np.uint8)


# ---------------------------------------------------------------- peers

# key -> factory(inputs, params) returning the timed zero-argument callable,
# or a (callable, note) pair where note(result) -> str. For code too long
# for an inline snippet in cases.lua.
PEERS = {}


def peer(key):
    def register(factory):
        PEERS[key] = factory
        return factory
    return register


def nbytes_note(r):
    buf = r[1] if isinstance(r, tuple) else r
    return "%.1f MB" % (len(buf) / 1e6)


@peer("cv2.png_encode")
def _png_encode(d, p):
    a = d["rgb"]
    return (lambda: cv2.imencode(".png", a)), nbytes_note


@peer("cv2.jpeg_encode")
def _jpeg_encode(d, p):
    a = d["rgb"]
    return (lambda: cv2.imencode(".jpg", a)), nbytes_note


def snippet(code, d, p):
    """Compiles an inline snippet into (callable, note)."""
    ns = dict(d)
    ns.update(cv2=cv2, np=np, p=p, threads=REQUEST.get("threads", 1))
    exec(code.get("setup") or "", ns)
    run = code["run"]
    try:
        compile(run, "<run>", "eval")
        body = "    return (" + run + ")\n"
    except SyntaxError:
        body = "".join("    " + line + "\n" for line in run.splitlines())
    exec("def __run__():\n" + body, ns)
    note = None
    if code.get("note"):
        note_code = compile(code["note"], "<note>", "eval")
        note = lambda r: str(eval(note_code, ns, {"r": r}))
    return ns["__run__"], note


# ---------------------------------------------------------------- serving

def build(case, d):
    """(callable, note) for one case."""
    p = case.get("params") or {}
    if "key" in case:
        if case["key"] not in PEERS:
            raise KeyError("no peer %r in bench/peers.py" % case["key"])
        made = PEERS[case["key"]](d, p)
    else:
        made = snippet(case["code"], d, p)
    return made if isinstance(made, tuple) else (made, None)


def timed(fn):
    """Wall time of one call; the collector runs before it, never inside."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        r = fn()
        t1 = time.perf_counter()
    finally:
        gc.enable()
    del r
    return t1 - t0


def serve(req):
    cv2.setNumThreads(int(req.get("threads", 1)))
    print("#\topencv\t%s" % cv2.__version__)
    print("#\tnumpy\t%s" % np.__version__)
    print("#\tpython\t%s" % sys.version.split()[0])
    print("#\tcv2_threads\t%d" % cv2.getNumThreads())
    for dist, name in (("scikit-image", "skimage"), ("scipy", "scipy")):
        try:  # without importing them: that takes seconds
            import importlib.metadata
            print("#\t%s\t%s" % (name, importlib.metadata.version(dist)))
        except Exception:
            pass
    d = Inputs(req["data"])
    cases = {c["id"]: c for c in req["cases"]}
    live = {}   # id -> [fn, note, last result]
    print("ready", flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        cmd, _, cid = line.strip().partition(" ")
        try:
            if cmd == "setup":
                if cid not in cases:
                    raise KeyError("unknown case id")
                fn, note = build(cases[cid], d)
                last = None
                for _ in range(int(req.get("warmup", 1))):
                    last = fn()
                live[cid] = [fn, note, last]
                answer = "ok\t"
            elif cmd == "rep":
                answer = "%.9f\t" % timed(live[cid][0])
            elif cmd == "done":
                fn, note, last = live.pop(cid)
                answer = "\t" + (" ".join(str(note(last)).split()) if note else "")
            else:
                raise ValueError("unknown command %r" % cmd)
        except Exception as e:  # one broken case must not end the server
            live.pop(cid, None)
            if os.environ.get("BENCH_DEBUG"):
                traceback.print_exc()
            answer = "n/a\t" + " ".join(("%s: %s" % (type(e).__name__, e)).split())
        print(cid + "\t" + answer, flush=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 4096)
    elif len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(REQUEST)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
