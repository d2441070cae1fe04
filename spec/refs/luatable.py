"""Python values -> Lua table constructors, for the reference fixtures
written by the make_*_refs.py scripts (one writer for all of them)."""
import math

import numpy as np

LUA_KEYWORDS = {'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function',
                'goto', 'if', 'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then',
                'true', 'until', 'while'}


def _key(k):
    if isinstance(k, str) and k.isidentifier() and k not in LUA_KEYWORDS:
        return k
    return '[%s]' % lua(k)


def lua(v, ind=''):
    """Lua constructor text for v: dicts (keys sorted; None values left
    out), lists, tuples and arrays, strings, booleans, integers and floats
    (17 significant digits, so every double reads back exactly; NaN as 0/0,
    infinities as math.huge)."""
    if v is None:
        return 'nil'
    if isinstance(v, dict):
        keys = sorted((k for k in v if v[k] is not None), key=lambda k: (not isinstance(k, str), str(k)))
        items = ['%s  %s = %s,' % (ind, _key(k), lua(v[k], ind + '  ')) for k in keys]
        return '{\n' + '\n'.join(items) + '\n' + ind + '}'
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, (dict, list, tuple, np.ndarray)) for x in v):
            return '{\n' + '\n'.join('%s  %s,' % (ind, lua(x, ind + '  ')) for x in v) + '\n' + ind + '}'
        return '{' + ', '.join(lua(x, ind) for x in v) + '}'
    if isinstance(v, str):
        return '"%s"' % v.replace('\\', '\\\\').replace('"', '\\"')
    if isinstance(v, (bool, np.bool_)):
        return 'true' if v else 'false'
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if math.isnan(f):
        return '0/0'
    if math.isinf(f):
        return 'math.huge' if f > 0 else '-math.huge'
    return '%.17g' % f
