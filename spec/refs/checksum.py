"""The pixel checksum the I/O fixtures store (spec/helper.lua's H.checksum
computes the same in Lua): the bytes as zero-padded little-endian u64 words
w_j, m_j = mix(w_j), h1 = sum m_j, h2 = sum (j+1)*m_j, mod 2^64."""
import numpy as np

M64 = (1 << 64) - 1


def checksum(b):
    n = len(b)
    b = b + b"\0" * (-n % 8)
    w = np.frombuffer(b, "<u8")
    with np.errstate(over="ignore"):
        x = w ^ (w >> np.uint64(31))
        x = x * np.uint64(0x9E3779B97F4A7C15)
        x = x ^ (x >> np.uint64(29))
        h1 = int(x.sum(dtype=np.uint64)) & M64
        h2 = int((x * np.arange(1, len(x) + 1, dtype=np.uint64)).sum(dtype=np.uint64)) & M64
    return "%016x%016x/%d" % (h1, h2, n)
