#!/usr/bin/python3
"""What an engine must implement to run given ONNX models: per op type, the
models using it, its distinct attribute sets, and which inputs are given as
constants (initializers or Constant nodes) or not at all.

    /usr/bin/python3 spec/refs/onnx_ops.py MODEL.onnx ...

Attribute values that differ per node in uninteresting ways (Constant's
value, Conv kernel sizes are kept: they matter) are summarised; 'inputs'
spells each input slot as C (constant), V (computed at run time) or - (empty
name, i.e. omitted optional input).
"""
import collections
import os
import sys

import onnx


def fmt(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, float):
        return '%.6g' % v
    if isinstance(v, list):
        return '[' + ','.join(fmt(x) for x in v) + ']'
    if isinstance(v, onnx.TensorProto):
        return 'tensor%s' % list(v.dims)
    return str(v)


def main():
    paths = sys.argv[1:]
    if not paths:
        sys.exit(__doc__)
    users = collections.defaultdict(set)
    forms = collections.defaultdict(collections.Counter)
    opsets = {}
    for p in paths:
        m = onnx.load(p)
        name = os.path.basename(p)[:-5]
        opsets[name] = {o.domain or 'ai.onnx': o.version for o in m.opset_import}
        const = {t.name for t in m.graph.initializer}
        for n in m.graph.node:   # Identity of a constant: torch's shared initializers
            if n.op_type == 'Constant' or (n.op_type == 'Identity' and n.input[0] in const):
                const.add(n.output[0])
        for n in m.graph.node:
            users[n.op_type].add(name)
            if n.op_type == 'Constant':
                continue
            attrs = ' '.join('%s=%s' % (a.name, fmt(onnx.helper.get_attribute_value(a)))
                             for a in sorted(n.attribute, key=lambda a: a.name))
            ins = ''.join('-' if not i else 'C' if i in const else 'V' for i in n.input)
            forms[n.op_type]['inputs=%s %s' % (ins, attrs)] += 1
    for name, o in opsets.items():
        print('%-32s opset %s' % (name, ', '.join('%s %d' % kv for kv in o.items())))
    print()
    for op in sorted(users):
        print('%s  (%d models: %s)' % (op, len(users[op]), ' '.join(sorted(users[op]))))
        for f, k in sorted(forms[op].items(), key=lambda kv: -kv[1]):
            print('    %5d  %s' % (k, f))
    print('\nunion (%d): %s' % (len(users), ' '.join(sorted(users))))


if __name__ == '__main__':
    main()
