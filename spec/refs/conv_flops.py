#!/usr/bin/python3
"""Multiply-adds of the convolutions (and matrix products) of ONNX models,
from the graph alone: output shapes by onnx.shape_inference after the
symbolic input dims are fixed.

    /usr/bin/python3 spec/refs/conv_flops.py MODEL.onnx [name=1x3x960x960 ...] [MODEL2.onnx ...]

A name=shape argument fixes the shape of that input of the model before it
(for dynamic inputs; inputs left dynamic make the count fail). Prints one
line per model: Conv, ConvTranspose and MatMul/Gemm GFLOPs (1 multiply-add =
2 FLOPs; bias additions, activations, normalisation not counted), node
count and op types with their counts.

  Conv:          N * Cout * Hout * Wout * (Cin / group) * kh * kw  MACs
  ConvTranspose: N * Cin  * Hin  * Win  * (Cout / group) * kh * kw MACs
  MatMul:        prod(batch dims of the output) * M * K * N        MACs
"""
import collections
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def dims(vi):
    return [d.dim_value if d.HasField('dim_value') else None
            for d in vi.type.tensor_type.shape.dim]


def attr(n, name, default=None):
    for a in n.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def evaluate(n, x, shapes):
    """numpy value of a shape-computation node, or None."""
    op = n.op_type
    if op == 'Shape':
        s = shapes.get(n.input[0])
        if not s or None in s:
            return None
        return np.array(s, np.int64)[attr(n, 'start', 0):attr(n, 'end', None)]
    if any(v is None for v in x):
        return None
    if op == 'Gather':
        return np.take(x[0], x[1], axis=attr(n, 'axis', 0))
    if op == 'Slice' and len(x) >= 3:
        axes = x[3] if len(x) > 3 else range(len(x[1]))
        steps = x[4] if len(x) > 4 else [1] * len(x[1])
        sl = [slice(None)] * x[0].ndim
        for a, b, e, st in zip(axes, x[1], x[2], steps):
            sl[int(a)] = slice(int(b), int(e), int(st))
        return x[0][tuple(sl)]
    if op == 'Concat':
        return np.concatenate([np.atleast_1d(v) for v in x], attr(n, 'axis', 0))
    if op in ('Unsqueeze', 'Squeeze'):
        axes = x[1] if len(x) > 1 else attr(n, 'axes')
        f = np.expand_dims if op == 'Unsqueeze' else np.squeeze
        return f(x[0], tuple(int(a) for a in axes))
    if op == 'Cast':
        return x[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attr(n, 'to')])
    if op in ('Identity',):
        return x[0]
    if op == 'Reshape':
        return x[0].reshape(x[1])
    ops2 = {'Add': np.add, 'Sub': np.subtract, 'Mul': np.multiply,
            'Div': lambda a, b: a // b if a.dtype.kind == 'i' else a / b}
    if op in ops2:
        return np.asarray(ops2[op](x[0], x[1])).astype(np.result_type(x[0], x[1]))
    if op in ('Floor', 'Ceil'):
        return (np.floor if op == 'Floor' else np.ceil)(x[0])
    return None


def fold(m, shapes):
    """Replaces shape-computation nodes whose inputs are known (constant
    tensors, inputs of Shape with known shapes) by initializers, so that the
    next round of shape inference sees the sizes given to Resize and
    Reshape. Returns whether anything changed."""
    known = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    done = []
    for n in m.graph.node:
        if len(n.output) != 1:
            continue
        x = [known.get(i) for i in n.input if i]
        v = evaluate(n, x, shapes)
        if v is None or v.size > 64:
            continue
        known[n.output[0]] = v
        m.graph.initializer.append(numpy_helper.from_array(np.asarray(v), n.output[0]))
        done.append(n)
    for n in done:
        m.graph.node.remove(n)
    return bool(done)


def count(path, fixed):
    m = onnx.load(path)
    for inp in m.graph.input:
        if inp.name in fixed:
            shp = fixed[inp.name]
            t = inp.type.tensor_type.shape
            if len(t.dim) != len(shp):
                sys.exit('%s: input %s has rank %d' % (path, inp.name, len(t.dim)))
            for d, v in zip(t.dim, shp):
                d.Clear()
                d.dim_value = v
    # Constant nodes to initializers, so that shape inference can read
    # Resize scales and Reshape shapes given by Constant nodes.
    consts = []
    for n in list(m.graph.node):
        if n.op_type == 'Constant' and n.attribute and n.attribute[0].name == 'value':
            consts.append(n)
            m.graph.initializer.append(numpy_helper.from_array(
                numpy_helper.to_array(n.attribute[0].t), n.output[0]))
    for n in consts:
        m.graph.node.remove(n)
    for _ in range(1000):
        del m.graph.value_info[:]   # stale entries without shapes block inference
        m = shape_inference.infer_shapes(m, data_prop=True)
        shapes = {}
        for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
            shapes[vi.name] = dims(vi)
        for t in m.graph.initializer:
            shapes[t.name] = list(t.dims)
        if not fold(m, shapes):
            break
    macs = collections.Counter()
    missing = 0
    for n in m.graph.node:
        if n.op_type not in ('Conv', 'ConvTranspose', 'MatMul', 'Gemm'):
            continue
        x, w, y = shapes.get(n.input[0]), shapes.get(n.input[1]), shapes.get(n.output[0])
        if not x or not w or not y or None in x + w + y:
            missing += 1
            continue
        if n.op_type == 'Conv':
            macs['Conv'] += int(np.prod(y)) * int(np.prod(w[1:]))
        elif n.op_type == 'ConvTranspose':
            macs['ConvTranspose'] += int(np.prod(x)) * int(np.prod(w[1:]))
        else:
            k = x[-1]
            macs['MatMul'] += int(np.prod(y)) * k
    ops = collections.Counter(n.op_type for n in onnx.load(path).graph.node)
    return macs, missing, ops


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    jobs = []
    for a in args:
        if a.endswith('.onnx'):
            jobs.append((a, {}))
        elif '=' in a and jobs:
            name, shp = a.split('=', 1)
            jobs[-1][1][name] = [int(v) for v in shp.split('x')]
        else:
            sys.exit('bad argument %r' % a)
    print('%-34s %9s %9s %9s %9s %6s  %s' % ('model', 'Conv GF', 'ConvT GF', 'MatMul GF',
                                             'total GF', 'nodes', 'op types'))
    for path, fixed in jobs:
        macs, missing, ops = count(path, fixed)
        gf = {k: 2 * v / 1e9 for k, v in macs.items()}
        name = path.rsplit('/', 1)[-1] + (' ' + ','.join(
            '%s=%s' % (k, 'x'.join(map(str, v))) for k, v in fixed.items()) if fixed else '')
        print('%-34s %9.3f %9.3f %9.3f %9.3f %6d  %s%s' % (
            name, gf.get('Conv', 0), gf.get('ConvTranspose', 0), gf.get('MatMul', 0),
            sum(gf.values()), sum(ops.values()),
            ' '.join('%s:%d' % kv for kv in sorted(ops.items())),
            '  (%d products without shapes)' % missing if missing else ''))


if __name__ == '__main__':
    main()
