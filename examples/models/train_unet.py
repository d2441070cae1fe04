#!/usr/bin/python3
"""Trains the bundled nuclei U-Net (examples/models/unet_nuclei.onnx).

Data: pairs written by examples/models/make_nuclei.lua (NNNN-image.png,
NNNN-class.png with 0 background / 1 interior / 2 boundary, NNNN-truth.png
with instance ids). See examples/models/README.md for the whole recipe.

    lua5.4 examples/models/make_nuclei.lua /tmp/nuclei/train 500 1
    lua5.4 examples/models/make_nuclei.lua /tmp/nuclei/val 16 2
    lua5.4 examples/models/make_nuclei.lua /tmp/nuclei/test 20 3
    /usr/bin/python3 examples/models/train_unet.py --train /tmp/nuclei/train \
        --val /tmp/nuclei/val --test /tmp/nuclei/test

Writes the ONNX model and a log of every epoch (loss, held-out pixel
accuracy and foreground IoU, time), then the held-out figures (foreground
IoU, object count) on --test. CPU only, two threads; stops at --minutes of
training or --epochs, whichever comes first.
"""
import argparse
import glob
import math
import os
import time

# Shared cores: idle OpenMP threads sleep instead of spinning (3x faster
# training here when other processes compete for the two cores).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SCALE, MEAN, STD = 1.0 / 255.0, 0.5, 0.25  # input = (pixel * SCALE - MEAN) / STD
CLASSES = "background,interior,boundary"


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Encoder levels of `ch` channels (two Conv3x3+BN+ReLU each, MaxPool 2
    between them), decoder: ConvTranspose 2x2 stride 2, concatenation with the
    encoder's skip, two Conv3x3+BN+ReLU; 1x1 head with 3 logits."""

    def __init__(self, ch):
        super().__init__()
        self.enc = nn.ModuleList()
        prev = 1
        for c in ch:
            self.enc.append(block(prev, c))
            prev = c
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        for c in reversed(ch[:-1]):
            self.up.append(nn.ConvTranspose2d(prev, c, 2, stride=2))
            self.dec.append(block(2 * c, c))
            prev = c
        self.head = nn.Conv2d(prev, 3, 1)
        self.pool = nn.MaxPool2d(2)
        self.stride = 2 ** (len(ch) - 1)

    def forward(self, x):
        skips = []
        for i, enc in enumerate(self.enc):
            if i:
                x = self.pool(x)
            x = enc(x)
            skips.append(x)
        skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([up(x), skips.pop()], 1))
        return self.head(x)


def load_dir(d, n=None):
    names = sorted(glob.glob(os.path.join(d, "*-image.png")))[:n]
    if not names:
        raise SystemExit(f"no *-image.png in {d}")
    imgs, cls, truth = [], [], []
    for p in names:
        base = p[: -len("-image.png")]
        imgs.append(cv2.imread(p, cv2.IMREAD_UNCHANGED))
        cls.append(cv2.imread(base + "-class.png", cv2.IMREAD_UNCHANGED))
        t = base + "-truth.png"
        truth.append(cv2.imread(t, cv2.IMREAD_UNCHANGED).astype(np.int32) if os.path.exists(t) else None)
    return np.stack(imgs), np.stack(cls), truth


def normalise(u8):
    return (torch.from_numpy(u8).float() * SCALE - MEAN) / STD


def batch(rng, imgs, cls, idx, crop):
    """Random crops with flips, transposition and a brightness gain."""
    xs, ys = [], []
    h, w = imgs.shape[1:]
    for i in idx:
        y0, x0 = rng.integers(0, h - crop + 1), rng.integers(0, w - crop + 1)
        a = imgs[i, y0:y0 + crop, x0:x0 + crop].astype(np.float32)
        c = cls[i, y0:y0 + crop, x0:x0 + crop]
        if rng.random() < 0.5:
            a, c = a[:, ::-1], c[:, ::-1]
        if rng.random() < 0.5:
            a, c = a[::-1], c[::-1]
        if rng.random() < 0.5:
            a, c = a.T, c.T
        a = np.clip(a * rng.uniform(0.7, 1.3), 0, 255)
        xs.append(np.ascontiguousarray(a))
        ys.append(np.ascontiguousarray(c))
    x = (torch.from_numpy(np.stack(xs))[:, None] * SCALE - MEAN) / STD
    return x, torch.from_numpy(np.stack(ys)).long()


@torch.no_grad()
def predict(model, imgs, bs=4):
    """Class ids (argmax of the logits) for u8 images whose sides are
    multiples of the model's stride."""
    model.eval()
    out = []
    for i in range(0, len(imgs), bs):
        out.append(model(normalise(imgs[i:i + bs])[:, None]).argmax(1).numpy())
    model.train()
    return np.concatenate(out).astype(np.uint8)


def fg_iou(pred, truth_fg):
    p, t = pred > 0, truth_fg
    union = np.logical_or(p, t).sum()
    return np.logical_and(p, t).sum() / union if union else 1.0


def instances(pred, grow=3, min_area=20):
    """Interior (class 1) -> 8-connected components -> labels grown by
    `grow` pixels into the predicted foreground -> components under
    `min_area` pixels dropped. Returns the label map and the count."""
    import scipy.ndimage as ndi
    from skimage.segmentation import expand_labels
    lab, _ = ndi.label(pred == 1, structure=np.ones((3, 3), int))
    lab = expand_labels(lab, grow)
    lab[pred == 0] = 0
    ids, area = np.unique(lab[lab > 0], return_counts=True)
    small = ids[area < min_area]
    lab[np.isin(lab, small)] = 0
    return lab, len(ids) - len(small)


def evaluate(pred, truth):
    """Mean foreground IoU, objects found, true objects, and objects matched
    one to one at IoU > 0.5 (each such pair is unique)."""
    ious, got, want, matched = [], 0, 0, 0
    for p, t in zip(pred, truth):
        ious.append(fg_iou(p, t > 0))
        lab, k = instances(p)
        got += k
        want += len(np.unique(t[t > 0]))
        both = (lab > 0) & (t > 0)
        pairs, inter = np.unique(np.stack([lab[both], t[both]]), axis=1, return_counts=True)
        la = np.bincount(lab.ravel())
        ta = np.bincount(t.ravel())
        for (a, b), n in zip(pairs.T, inter):
            if n / (la[a] + ta[b] - n) > 0.5:
                matched += 1
    return float(np.mean(ious)), got, want, matched


def onnx_model(path):
    """The exported graph run with torch's functional operators (the five
    operator types the export holds), to score the file itself."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}

    def run(x):
        v = dict(init)
        v[m.graph.input[0].name] = x
        for n in m.graph.node:
            at = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            i = [v[k] for k in n.input if k]
            if n.op_type == "Conv":
                y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=at.get("strides", [1, 1]),
                             padding=at.get("pads", [0, 0, 0, 0])[:2])
            elif n.op_type == "ConvTranspose":
                y = F.conv_transpose2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=at["strides"])
            elif n.op_type == "Relu":
                y = F.relu(i[0])
            elif n.op_type == "MaxPool":
                y = F.max_pool2d(i[0], at["kernel_shape"], at["strides"])
            elif n.op_type == "Concat":
                y = torch.cat(i, at["axis"])
            else:
                raise SystemExit(f"{path}: operator {n.op_type} not handled here")
            v[n.output[0]] = y
        return v[m.graph.output[0].name]

    class Wrapped(nn.Module):
        def forward(self, x):
            return run(x)
    meta = {p.key: p.value for p in m.metadata_props}
    assert float(meta["seg.scale"]) == SCALE and float(meta["seg.mean"]) == MEAN and float(meta["seg.std"]) == STD
    return Wrapped(), os.path.getsize(path)


def report(say, model, test):
    timgs, _, ttruth = load_dir(test)
    iou, got, want, matched = evaluate(predict(model, timgs), ttruth)
    say(f"# test {len(timgs)} images from {test}: foreground IoU {iou:.4f}, "
        f"objects {got} found / {want} true ({100 * (got - want) / want:+.2f}%), "
        f"{matched} matched at IoU > 0.5 (precision {matched / got:.3f}, recall {matched / want:.3f})")


def export(model, path):
    import onnx
    model.eval()
    x = torch.zeros(1, 1, 256, 256)
    torch.onnx.export(model, x, path, opset_version=13, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {2: "H", 3: "W"}, "logits": {2: "H", 3: "W"}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(path)
    meta = {"seg.scale": repr(SCALE), "seg.mean": repr(MEAN), "seg.std": repr(STD),
            "seg.stride": str(model.stride), "seg.classes": CLASSES}
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    m.doc_string = "nuclei U-Net (lua-seg examples/models/train_unet.py)"
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return os.path.getsize(path), len(m.graph.node)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True, help="held-out pairs scored after every epoch")
    ap.add_argument("--test", help="held-out pairs (with truth) for the final figures")
    ap.add_argument("--out", default="examples/models/unet_nuclei.onnx")
    ap.add_argument("--log", default="examples/models/train_unet.log")
    ap.add_argument("--channels", default="8,16,32,64,96")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--boundary-weight", type=float, default=3.0)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=12.0, help="training time budget")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--score", metavar="ONNX", help="only score this exported model on --test")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    if a.score:
        if not a.test:
            raise SystemExit("--score needs --test")
        model, size = onnx_model(a.score)
        print(f"# {a.score}: {size} bytes")
        report(print, model, a.test)
        return
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    log = open(a.log, "w")

    def say(s):
        print(s, flush=True)
        log.write(s + "\n")
        log.flush()

    imgs, cls, _ = load_dir(a.train)
    vimgs, vcls, vtruth = load_dir(a.val)
    ch = [int(c) for c in a.channels.split(",")]
    model = UNet(ch)
    nparam = sum(p.numel() for p in model.parameters())
    say(f"# train {len(imgs)} images {imgs.shape[2]}x{imgs.shape[1]} from {a.train}; val {len(vimgs)} from {a.val}")
    say(f"# channels {ch} ({nparam} parameters), crop {a.crop}, batch {a.batch}, lr {a.lr} (AdamW, "
        f"warm-up then cosine over the budget), boundary weight {a.boundary_weight}, "
        f"budget {a.minutes} min / {a.epochs} epochs, {a.threads} threads, seed {a.seed}")
    say("# epoch  steps  loss     val_acc  val_fg_iou  minutes")

    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    weight = torch.tensor([1.0, 1.0, a.boundary_weight])
    per_epoch = len(imgs) // a.batch
    budget = a.minutes * 60
    t0 = time.time()
    step = 0
    for epoch in range(1, a.epochs + 1):
        order = rng.permutation(len(imgs))
        total, done = 0.0, 0
        for b in range(per_epoch):
            frac = max((time.time() - t0) / budget, step / (a.epochs * per_epoch))
            if frac >= 1:
                break
            lr = a.lr * min(1.0, frac / 0.03) * 0.5 * (1 + math.cos(math.pi * frac))
            for g in opt.param_groups:
                g["lr"] = lr
            x, y = batch(rng, imgs, cls, order[b * a.batch:(b + 1) * a.batch], a.crop)
            loss = F.cross_entropy(model(x), y, weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            step += 1
            done += 1
        if done == 0:
            break
        pv = predict(model, vimgs)
        acc = float((pv == vcls).mean())
        iou = float(np.mean([fg_iou(p, c > 0) for p, c in zip(pv, vcls)]))
        say(f"{epoch:7d}  {step:5d}  {total / max(done, 1):.4f}   {acc:.4f}   {iou:.4f}      "
            f"{(time.time() - t0) / 60:.2f}")
        if frac >= 1:
            break

    size, nodes = export(model, a.out)
    say(f"# exported {a.out}: {size} bytes, {nodes} nodes, opset 13, stride {model.stride}")
    if a.test:
        report(say, model, a.test)
    say(f"# total {(time.time() - t0) / 60:.2f} min")


if __name__ == "__main__":
    main()
