#!/usr/bin/python3
"""Test networks for lua-seg's ONNX engine, exported by PyTorch's
TorchScript-based exporter (torch.onnx.export) with seeded random weights.

    /usr/bin/python3 spec/refs/export_nets.py [OUTDIR]      (default build/nets)

Writes OUTDIR/<name>.onnx for every network in a fixed-size variant
(<net>_fixed) and a dynamic height/width variant (<net>_dyn), each checked with
onnx.checker, and OUTDIR/manifest.tsv: one line per model,
    name <TAB> file <TAB> input name <TAB> shape for the reference run
(the _dyn models get a shape other than the one they were traced with, so
that a reference run exercises the dynamic axes). `make nets-ref` runs
bench/ort_run.js on each line. Prints a table: name, opset, nodes, Conv
count, op types.

Networks:
  unet       own U-Net: conv-BN-ReLU pairs, MaxPool, ConvTranspose (k2 s2 and
             k4 s2 p1) and bilinear upsampling, skip Concat followed by a
             BatchNormalization that cannot be folded into a Conv
  deeplabv3  torchvision deeplabv3_mobilenet_v3_large (21 classes)
  lraspp     torchvision lraspp_mobilenet_v3_large (21 classes)
  segformer  small SegFormer-style transformer: overlapping patch embedding
             convs, efficient self-attention with spatial reduction, Mix-FFN
             (Linear, depthwise 3x3 conv, GELU), LayerNorm, all-MLP decoder
             with bilinear upsampling
  big        1024x1024 MobileNetV2-style U-Net (inverted residual blocks,
             >= 100 Conv nodes) for benchmarking

Weights: torch.manual_seed(SEED) before each network is built; every
LayerNorm gets random affine parameters, every BatchNorm too, and running
statistics calibrated by forward passes in training mode on seeded N(0,1)
inputs (cumulative average), so that activations stay O(1) through deep stacks instead of
vanishing or exploding; then eval mode. Opsets vary between 11 and 17 (see
NETS). Runs single-threaded; all exports take well under a minute.
"""
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

SEED = 20240607


# ---------------------------------------------------------------- U-Net

def cbr(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, cin=3, classes=2, w=16):
        super().__init__()
        self.e1 = nn.Sequential(cbr(cin, w), cbr(w, w))
        self.e2 = nn.Sequential(cbr(w, 2 * w), cbr(2 * w, 2 * w))
        self.e3 = nn.Sequential(cbr(2 * w, 4 * w), cbr(4 * w, 4 * w))
        self.mid = nn.Sequential(cbr(4 * w, 8 * w), cbr(8 * w, 8 * w))
        self.pool = nn.MaxPool2d(2)
        self.up3 = nn.ConvTranspose2d(8 * w, 4 * w, 2, 2)           # k2 s2
        self.bn3 = nn.BatchNorm2d(8 * w)                              # after Concat
        self.d3 = nn.Sequential(cbr(8 * w, 4 * w), cbr(4 * w, 4 * w))
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1)        # k4 s2 p1
        self.d2 = nn.Sequential(cbr(4 * w, 2 * w), cbr(2 * w, 2 * w))
        self.red1 = nn.Conv2d(2 * w, w, 1)                            # then bilinear x2
        self.d1 = nn.Sequential(cbr(2 * w, w), cbr(w, w))
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(self.pool(e1))
        e3 = self.e3(self.pool(e2))
        m = self.mid(self.pool(e3))
        d3 = self.d3(F.relu(self.bn3(torch.cat([self.up3(m), e3], 1))))
        d2 = self.d2(torch.cat([self.up2(d3), e2], 1))
        u1 = F.interpolate(self.red1(d2), scale_factor=2.0, mode='bilinear',
                           align_corners=False)
        d1 = self.d1(torch.cat([u1, e1], 1))
        return self.head(d1)


# ---------------------------------------------------------- torchvision

class OutOnly(nn.Module):
    """torchvision's segmentation models return {'out': tensor}."""
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)['out']


def deeplabv3():
    return OutOnly(torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(
        weights=None, weights_backbone=None, aux_loss=False))


def lraspp():
    return OutOnly(torchvision.models.segmentation.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None))


# ------------------------------------------------------------ SegFormer

class OverlapPatchEmbed(nn.Module):
    def __init__(self, cin, dim, k, stride):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, k, stride, k // 2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = self.proj(x)
        h, w = x.shape[2], x.shape[3]
        x = x.flatten(2).transpose(1, 2)            # B, N, C
        return self.norm(x), h, w


class EfficientAttention(nn.Module):
    def __init__(self, dim, heads, sr):
        super().__init__()
        self.heads, self.sr = heads, sr
        self.scale = (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        if sr > 1:
            self.sr_conv = nn.Conv2d(dim, dim, sr, sr)
            self.sr_norm = nn.LayerNorm(dim)

    def forward(self, x, h, w):
        b, n, c = x.shape
        d = c // self.heads
        q = self.q(x).reshape(b, n, self.heads, d).permute(0, 2, 1, 3)
        if self.sr > 1:
            y = x.transpose(1, 2).reshape(b, c, h, w)
            y = self.sr_conv(y).flatten(2).transpose(1, 2)
            y = self.sr_norm(y)
        else:
            y = x
        kv = self.kv(y).reshape(b, -1, 2, self.heads, d).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        a = (q @ k.transpose(-2, -1)) * self.scale
        a = a.softmax(dim=-1)
        o = (a @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(o)


class MixFFN(nn.Module):
    def __init__(self, dim, ratio=4):
        super().__init__()
        hid = dim * ratio
        self.fc1 = nn.Linear(dim, hid)
        self.dw = nn.Conv2d(hid, hid, 3, 1, 1, groups=hid)
        self.fc2 = nn.Linear(hid, dim)

    def forward(self, x, h, w):
        b, n, _ = x.shape
        y = self.fc1(x)
        c = y.shape[2]
        y = self.dw(y.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(y))


class Block(nn.Module):
    def __init__(self, dim, heads, sr):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.attn = EfficientAttention(dim, heads, sr)
        self.n2 = nn.LayerNorm(dim)
        self.ffn = MixFFN(dim)

    def forward(self, x, h, w):
        x = x + self.attn(self.n1(x), h, w)
        return x + self.ffn(self.n2(x), h, w)


class SegFormer(nn.Module):
    def __init__(self, classes=4, dims=(16, 32, 64, 128), heads=(1, 2, 4, 8),
                 srs=(8, 4, 2, 1), depths=(1, 2, 2, 1), dec=64):
        super().__init__()
        self.embeds, self.stages, self.norms = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        cin = 3
        for i, dim in enumerate(dims):
            k, s = (7, 4) if i == 0 else (3, 2)
            self.embeds.append(OverlapPatchEmbed(cin, dim, k, s))
            self.stages.append(nn.ModuleList(Block(dim, heads[i], srs[i])
                                             for _ in range(depths[i])))
            self.norms.append(nn.LayerNorm(dim))
            cin = dim
        self.mlps = nn.ModuleList(nn.Linear(dim, dec) for dim in dims)
        self.fuse = nn.Sequential(nn.Conv2d(4 * dec, dec, 1, bias=False),
                                  nn.BatchNorm2d(dec), nn.ReLU(inplace=True))
        self.cls = nn.Conv2d(dec, classes, 1)

    def forward(self, x):
        size = x.shape[2:]
        feats = []
        for emb, blocks, norm in zip(self.embeds, self.stages, self.norms):
            y, h, w = emb(x)
            for blk in blocks:
                y = blk(y, h, w)
            y = norm(y)
            x = y.transpose(1, 2).reshape(y.shape[0], y.shape[2], h, w)
            feats.append(x)
        h4, w4 = feats[0].shape[2], feats[0].shape[3]
        ups = []
        for i, (f, mlp) in enumerate(zip(feats, self.mlps)):
            b, c, h, w = f.shape
            g = mlp(f.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, -1, h, w)
            if i > 0:
                g = F.interpolate(g, size=(h4, w4), mode='bilinear', align_corners=False)
            ups.append(g)
        y = self.cls(self.fuse(torch.cat(ups[::-1], 1)))
        return F.interpolate(y, size=size, mode='bilinear', align_corners=False)


# ------------------------------------------------ big MobileNetV2 U-Net

class InvRes(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 project (+ residual)."""
    def __init__(self, cin, cout, stride, t=4):
        super().__init__()
        hid = cin * t
        self.res = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, hid, 1, bias=False), nn.BatchNorm2d(hid), nn.ReLU6(inplace=True),
            nn.Conv2d(hid, hid, 3, stride, 1, groups=hid, bias=False), nn.BatchNorm2d(hid),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hid, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.res else y


class BigUNet(nn.Module):
    # (channels, blocks) per encoder level; the first block of each halves the size
    ENC = ((16, 1), (24, 2), (32, 3), (64, 4), (96, 3), (160, 3))

    def __init__(self, classes=3):
        super().__init__()
        self.stem = cbr(3, 16, 3, 2)                                 # /2
        self.enc = nn.ModuleList()
        cin = 16
        for i, (c, n) in enumerate(self.ENC):
            blocks = [InvRes(cin if j == 0 else c, c, 2 if (j == 0 and i > 0) else 1,
                             t=1 if i == 0 else 4) for j in range(n)]
            self.enc.append(nn.Sequential(*blocks))
            cin = c
        chans = [c for c, _ in self.ENC]
        self.dec = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i in range(len(chans) - 1, 0, -1):
            skip, c = chans[i - 1], chans[i]
            # even levels: ConvTranspose x2; odd: bilinear x2 then 1x1 conv
            if i % 2 == 0:
                self.ups.append(nn.ConvTranspose2d(c, skip, 2, 2))
            else:
                self.ups.append(nn.Conv2d(c, skip, 1))
            self.dec.append(nn.Sequential(cbr(2 * skip, skip, 1),
                                          *[InvRes(skip, skip, 1) for _ in range(3)]))
        self.head = nn.Sequential(cbr(chans[0], 16), nn.Conv2d(16, classes, 1))

    def forward(self, x):
        size = x.shape[2:]
        skips = []
        y = self.stem(x)
        for stage in self.enc:
            y = stage(y)
            skips.append(y)
        y = skips.pop()
        for k, (up, dec) in enumerate(zip(self.ups, self.dec)):
            if isinstance(up, nn.ConvTranspose2d):
                y = up(y)
            else:
                y = up(F.interpolate(y, scale_factor=2.0, mode='bilinear', align_corners=False))
            y = dec(torch.cat([y, skips.pop()], 1))
        y = self.head(y)
        return F.interpolate(y, size=size, mode='bilinear', align_corners=False)


# --------------------------------------------------------------- driver

# name: (builder, fixed shape, fixed opset, dynamic opset, dynamic ref shape,
#        calibration shape)
NETS = {
    'unet':      (UNet,      (1, 3, 256, 256),   11, 13, (1, 3, 160, 224), (2, 3, 128, 128)),
    'deeplabv3': (deeplabv3, (1, 3, 256, 256),   13, 11, (1, 3, 192, 288), (2, 3, 192, 192)),
    'lraspp':    (lraspp,    (1, 3, 256, 256),   17, 12, (1, 3, 224, 160), (2, 3, 192, 192)),
    'segformer': (SegFormer, (1, 3, 256, 256),   17, 13, (1, 3, 192, 256), (2, 3, 128, 128)),
    'big':       (BigUNet,   (1, 3, 1024, 1024), 13, 11, (1, 3, 320, 448), (2, 3, 256, 256)),
}


def build(name):
    builder, _, _, _, _, cal = NETS[name]
    torch.manual_seed(SEED)
    m = builder()
    bns = [mod for mod in m.modules() if isinstance(mod, nn.BatchNorm2d)]
    with torch.no_grad():
        for ln in m.modules():
            if isinstance(ln, nn.LayerNorm):
                ln.weight.uniform_(0.5, 1.5)
                ln.bias.uniform_(-0.5, 0.5)
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.reset_running_stats()
            bn.momentum = None                       # cumulative average
        if bns:
            m.train()
            for _ in range(2):
                m(torch.randn(cal))
    return m.eval()


def export(name, variant):
    _, shape, op_fixed, op_dyn, ref_dyn, _ = NETS[name]
    dyn = variant == 'dyn'
    opset = op_dyn if dyn else op_fixed
    m = build(name)
    torch.manual_seed(SEED + 1)
    x = torch.randn(shape) if not dyn else torch.randn(shape[0], shape[1],
                                                        min(shape[2], 256), min(shape[3], 256))
    path = os.path.join(OUT, f'{name}_{variant}.onnx')
    kw = {}
    if dyn:
        kw['dynamic_axes'] = {'input': {2: 'height', 3: 'width'},
                              'output': {2: 'height', 3: 'width'}}
    with torch.no_grad():
        torch.onnx.export(m, x, path, opset_version=opset, input_names=['input'],
                          output_names=['output'], do_constant_folding=True, **kw)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = [n.op_type for n in model.graph.node]
    return {'name': f'{name}_{variant}', 'file': os.path.basename(path), 'opset': opset,
            'nodes': len(ops), 'convs': ops.count('Conv'), 'ops': sorted(set(ops)),
            'ref_shape': ref_dyn if dyn else shape,
            'params': sum(int(np.prod(t.dims)) for t in model.graph.initializer)}


def main():
    global OUT
    OUT = sys.argv[1] if len(sys.argv) > 1 else 'build/nets'
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    import warnings
    warnings.filterwarnings('ignore')
    t0 = time.time()
    rows = []
    for name in NETS:
        for variant in ('fixed', 'dyn'):
            rows.append(export(name, variant))
    with open(os.path.join(OUT, 'manifest.tsv'), 'w') as f:
        for r in rows:
            f.write('%s\t%s\tinput\t%s\n' % (r['name'], r['file'],
                                              'x'.join(map(str, r['ref_shape']))))
    print('%-15s %5s %6s %5s %9s  %s' % ('name', 'opset', 'nodes', 'Conv', 'params', 'op types'))
    for r in rows:
        print('%-15s %5d %6d %5d %9d  %s' % (r['name'], r['opset'], r['nodes'], r['convs'],
                                             r['params'], ' '.join(r['ops'])))
    union = sorted(set(op for r in rows for op in r['ops']))
    print('union of op types (%d): %s' % (len(union), ' '.join(union)))
    print('exported %d models into %s in %.1f s' % (len(rows), OUT, time.time() - t0))


if __name__ == '__main__':
    main()
