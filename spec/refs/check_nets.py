#!/usr/bin/python3
"""Sanity of the peers: PyTorch against onnxruntime's reference outputs.

    /usr/bin/python3 spec/refs/check_nets.py [NETSDIR] [NAME ...]   (default build/nets)

For every line of NETSDIR/manifest.tsv (or the NAMEs given) rebuilds the
network exactly as export_nets.py did (same seed, same BatchNorm
calibration), runs it in PyTorch on NETSDIR/<name>/input.f32 and compares
with ORT's NETSDIR/<name>/output.f32 (from `make nets-ref`). Prints max abs
and max relative-to-range differences and the output's range; exits 1 if a
max abs difference exceeds 1e-3 x max(1, max |output|) — then either the
export or the reference is wrong, and the engine's 1e-4 agreement check
against it would be meaningless.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_nets  # noqa: E402


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else 'build/nets'
    only = set(sys.argv[2:])
    torch.set_num_threads(1)
    bad = 0
    with open(os.path.join(d, 'manifest.tsv')) as f:
        rows = [line.rstrip('\n').split('\t') for line in f]
    for name, _, inp, shape in rows:
        if only and name not in only:
            continue
        shp = [int(v) for v in shape.split('x')]
        x = np.fromfile(os.path.join(d, name, inp + '.f32'), '<f4').reshape(shp)
        ref = np.fromfile(os.path.join(d, name, 'output.f32'), '<f4')
        m = export_nets.build(name.rsplit('_', 1)[0])
        with torch.no_grad():
            y = m(torch.from_numpy(x)).numpy().ravel()
        if y.size != ref.size:
            print('%-16s size %d, ORT %d' % (name, y.size, ref.size))
            bad += 1
            continue
        diff = np.abs(y - ref).max()
        top = np.abs(ref).max()
        ok = diff <= 1e-3 * max(1.0, top)
        bad += not ok
        print('%-16s %-16s max|torch-ort| %.3g  range [%.4g, %.4g]  %s' % (
            name, shape, diff, ref.min(), ref.max(), 'ok' if ok else 'MISMATCH'))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
