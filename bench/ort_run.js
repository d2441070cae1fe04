#!/usr/bin/env node
/* ort_run.js — onnxruntime (CPU) as the reference and benchmark peer of
** lua-seg's ONNX engine.
**
**   node bench/ort_run.js MODEL.onnx [--threads N] [--runs K] [--warmup W]
**        [--input name=file.f32:1x3x224x224 ...] [--shape name=1x3x512x512 ...]
**        [--seed S] [--out DIR]
**
** Session: intraOpNumThreads=N (default 1), interOpNumThreads=1, sequential
** execution, graphOptimizationLevel 'all'. load_ms is the time of
** InferenceSession.create(path) (reading and optimising the model). Then W
** warm-up runs (default 1) and K timed runs (default 5, at least 1): median_ms
** and min_ms of those K. peak_rss_kb is process.resourceUsage().maxRSS after
** the runs (the whole node process; base_rss_kb is the RSS before
** onnxruntime was loaded, so peak - base is roughly ORT's share).
**
** Inputs are raw little-endian float32 files. Every float input not given
** with --input is generated: shape from the model, symbolic dims from
** --shape (else an error); values from a 32-bit LCG so that any engine can
** regenerate them, though it is simpler to read the written file:
**   s = seed + k  (k = the input's index in the model, seed default 1)
**   repeat: s = (1664525 * s + 1013904223) mod 2^32; x = (s >> 8) / 2^23 - 1
** giving x in [-1, 1), exact in float32.
**
** With --out DIR: each input as DIR/<name>.f32, each output of the last
** timed run as DIR/<name>.f32 (little-endian float32; integer/bool outputs
** are converted to float32), and DIR/outputs.json with names, shapes,
** element types and files, and the same as a Lua table in DIR/outputs.lua
** (`return {model=, ort=, threads=, inputs={{name=, shape={..}, file=,
** generated=}}, outputs={{name=, shape={..}, type=, file=}}}`). Names are sanitised for the file system
** (characters outside [A-Za-z0-9._-] become '_').
**
** Prints one JSON line on stdout: model, threads, load_ms, median_ms,
** min_ms, runs, warmup, peak_rss_kb, base_rss_kb, ort (version).
**
** onnxruntime-node comes from $ORT_NODE_DIR (default build/node under the
** repository root; `make ort` installs it there). */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

function die(msg) {
  process.stderr.write('ort_run: ' + msg + '\n');
  process.exit(2);
}

function parseShape(s, what) {
  const dims = s.split('x').map(Number);
  if (dims.length === 0 || dims.some(d => !Number.isInteger(d) || d < 0))
    die(`bad shape '${s}' in ${what} (want e.g. 1x3x224x224)`);
  return dims;
}

function parseArgs(argv) {
  const a = { threads: 1, runs: 5, warmup: 1, seed: 1, inputs: {}, shapes: {}, out: null, model: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${k} needs a value`);
      return argv[++i];
    };
    const int = (lo) => {
      const v = val(), n = Number(v);
      if (!Number.isInteger(n) || n < lo) die(`${k}: bad value '${v}'`);
      return n;
    };
    if (k === '--threads') a.threads = int(1);
    else if (k === '--runs') a.runs = int(1);
    else if (k === '--warmup') a.warmup = int(0);
    else if (k === '--seed') a.seed = int(0);
    else if (k === '--out') a.out = val();
    else if (k === '--input') {
      const v = val(), m = /^([^=]+)=(.+):([0-9x]+)$/.exec(v);
      if (!m) die(`--input '${v}': want name=file.f32:1x3x224x224`);
      a.inputs[m[1]] = { file: m[2], shape: parseShape(m[3], v) };
    } else if (k === '--shape') {
      const v = val(), m = /^([^=]+)=([0-9x]+)$/.exec(v);
      if (!m) die(`--shape '${v}': want name=1x3x512x512`);
      a.shapes[m[1]] = parseShape(m[2], v);
    } else if (k === '-h' || k === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0] + '*/\n');
      process.exit(0);
    } else if (k.startsWith('--')) die(`unknown option ${k}`);
    else if (a.model === null) a.model = k;
    else die(`unexpected argument '${k}'`);
  }
  if (a.model === null) die('usage: node bench/ort_run.js MODEL.onnx [--threads N] [--runs K] [--warmup W] [--input name=file.f32:SHAPE] [--shape name=SHAPE] [--seed S] [--out DIR]');
  return a;
}

const prod = (dims) => dims.reduce((p, d) => p * d, 1);
const fileName = (name) => name.replace(/[^A-Za-z0-9._-]/g, '_') + '.f32';

/* Raw little-endian float32 bytes of a typed array (converted if needed). */
function leBytes(data) {
  const f = data instanceof Float32Array ? data : Float32Array.from(data, Number);
  const b = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  if (os.endianness() === 'LE') return b;
  const c = Buffer.from(b);
  c.swap32();
  return c;
}

function readF32(file, n) {
  let b;
  try { b = fs.readFileSync(file); } catch (e) { die(`${file}: ${e.message}`); }
  if (b.length !== 4 * n) die(`${file}: ${b.length} bytes, shape needs ${4 * n}`);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = b.readFloatLE(4 * i);
  return f;
}

/* The documented LCG: x in [-1, 1), exact in float32. */
function lcgFill(n, seed) {
  const f = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    f[i] = (s >>> 8) / 8388608 - 1;
  }
  return f;
}

/* Lua constructor text for JSON-like data (for dofile in the specs). */
function luaTable(v) {
  if (Array.isArray(v)) return '{' + v.map(luaTable).join(', ') + '}';
  if (v !== null && typeof v === 'object')
    return '{' + Object.entries(v).map(([k, x]) => `${k} = ${luaTable(x)}`).join(', ') + '}';
  if (typeof v === 'string') return JSON.stringify(v);  /* ASCII names: same escapes */
  return String(v);
}

function median(xs) {
  const s = xs.slice().sort((p, q) => p - q), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ms = (t0, t1) => Number(t1 - t0) / 1e6;
const r3 = (x) => Math.round(x * 1000) / 1000;

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const base_rss_kb = Math.round(process.memoryUsage().rss / 1024);
  const nodeDir = process.env.ORT_NODE_DIR || path.join(__dirname, '..', 'build', 'node');
  let ort;
  try {
    ort = require(path.resolve(nodeDir, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    die(`cannot load onnxruntime-node from ${nodeDir} (run 'make ort'): ${e.message}`);
  }
  if (!fs.existsSync(a.model)) die(`${a.model}: no such file`);

  const opts = {
    executionProviders: ['cpu'],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  const t0 = process.hrtime.bigint();
  let sess;
  try {
    sess = await ort.InferenceSession.create(a.model, opts);
  } catch (e) {
    die(`${a.model}: ${e.message}`);
  }
  const load_ms = ms(t0, process.hrtime.bigint());

  for (const name of Object.keys(a.inputs).concat(Object.keys(a.shapes)))
    if (!sess.inputNames.includes(name))
      die(`model has no input '${name}' (inputs: ${sess.inputNames.join(', ')})`);

  const feeds = {}, inputsInfo = [];
  sess.inputMetadata.forEach((md, k) => {
    const name = md.name;
    if (!md.isTensor) die(`input '${name}' is not a tensor`);
    let shape, data;
    if (a.inputs[name]) {
      shape = a.inputs[name].shape;
      if (md.shape.length && md.shape.length !== shape.length)
        die(`input '${name}': model rank ${md.shape.length}, given ${shape.join('x')}`);
      data = readF32(a.inputs[name].file, prod(shape));
    } else {
      if (md.type !== 'float32') die(`input '${name}' is ${md.type}: give it with --input`);
      if (a.shapes[name]) shape = a.shapes[name];
      else {
        if (md.shape.some(d => typeof d !== 'number' || d < 0))
          die(`input '${name}' has shape [${md.shape.join(',')}]: give --shape ${name}=...`);
        shape = md.shape.slice();
      }
      data = lcgFill(prod(shape), a.seed + k);
    }
    if (md.type !== 'float32') die(`input '${name}' is ${md.type}; only float32 inputs are supported`);
    feeds[name] = new ort.Tensor('float32', data, shape);
    inputsInfo.push({ name, shape, file: fileName(name), generated: !a.inputs[name] });
  });

  let out;
  try {
    for (let i = 0; i < a.warmup; i++) await sess.run(feeds);
    const times = [];
    for (let i = 0; i < a.runs; i++) {
      const s0 = process.hrtime.bigint();
      out = await sess.run(feeds);
      times.push(ms(s0, process.hrtime.bigint()));
    }
    var median_ms = median(times), min_ms = Math.min(...times);
  } catch (e) {
    die(`${a.model}: run: ${e.message}`);
  }
  const peak_rss_kb = process.resourceUsage().maxRSS;

  if (a.out) {
    fs.mkdirSync(a.out, { recursive: true });
    for (const inp of inputsInfo)
      fs.writeFileSync(path.join(a.out, inp.file), leBytes(feeds[inp.name].data));
    const outputs = sess.outputNames.map((name) => {
      const t = out[name];
      fs.writeFileSync(path.join(a.out, fileName(name)), leBytes(t.data));
      return { name, shape: t.dims.slice(), type: t.type, file: fileName(name) };
    });
    const meta = { model: path.basename(a.model), ort: ort.env.versions.node, threads: a.threads,
                   inputs: inputsInfo, outputs };
    const json = JSON.stringify(meta, null, 1).replace(/\[[\d,\s]*\]/g, (m) => m.replace(/\s+/g, ''));
    fs.writeFileSync(path.join(a.out, 'outputs.json'), json + '\n');
    fs.writeFileSync(path.join(a.out, 'outputs.lua'), 'return ' + luaTable(meta) + '\n');
  }

  process.stdout.write(JSON.stringify({
    model: a.model, threads: a.threads, load_ms: r3(load_ms), median_ms: r3(median_ms),
    min_ms: r3(min_ms), runs: a.runs, warmup: a.warmup, peak_rss_kb, base_rss_kb,
    ort: ort.env.versions.node,
  }) + '\n');
  await sess.release();
}

main().catch((e) => die(e.stack || String(e)));
