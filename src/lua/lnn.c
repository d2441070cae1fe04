/* lnn.c — seg.Net: ONNX models loaded by the engine in src/nn/, run on
** tensors (net:run) or on images (net:segment: normalise, pad or tile, run,
** activate, blend, map back, classes). Malformed models and failures inside
** a run give nil, message; misuse raises. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include "lua/lseg.h"
#include "nn/segment.h"
#include "ops/convert/convert.h"

#define SEG_NET_MT "seg.Net"
#define SEG_NNOUT_MT "seg.NetOutputs"

typedef struct SegNet { NnGraph *g; int threads; } SegNet;

static SegNet *checknet (lua_State *L, int idx) {
  SegNet *n = (SegNet *)luaL_testudata(L, idx, SEG_NET_MT);
  if (!n) seg_typeerror(L, idx, SEG_NET_MT);
  if (!n->g) luaL_argerror(L, idx, "network has been released");
  return n;
}

static int l_net_release (lua_State *L) {
  SegNet *n = (SegNet *)luaL_checkudata(L, 1, SEG_NET_MT);
  NnGraph *g = n->g;
  n->g = NULL;
  nn_graph_free(g);
  return 0;
}

/* Output tensors of one run, malloc'd by the engine: held in a
** to-be-closed box so nothing leaks when copying them out raises. */
typedef struct OutBox { int n; NnTensor t[1]; } OutBox;

static int l_outbox_free (lua_State *L) {
  OutBox *b = (OutBox *)luaL_checkudata(L, 1, SEG_NNOUT_MT);
  for (int i = 0; i < b->n; i++) nn_free(&b->t[i]);
  b->n = 0;
  return 0;
}

static OutBox *pushoutbox (lua_State *L, int n) {
  OutBox *b = (OutBox *)lua_newuserdatauv(L, sizeof(OutBox) + (size_t)(n ? n : 1) * sizeof(NnTensor), 0);
  memset(b, 0, sizeof(OutBox) + (size_t)(n ? n : 1) * sizeof(NnTensor));
  luaL_setmetatable(L, SEG_NNOUT_MT);
  lua_toclose(L, -1);
  b->n = n;
  return b;
}

static int looks_like_model (const char *s, size_t len) {
  return len > 0 && (s[0] == 0x08 || memchr(s, 0, len) != NULL);
}

/* seg.onnx(path_or_bytes [, {threads=}]) -> Net | nil, message */
static int l_onnx (lua_State *L) {
  static const char *const opts[] = {"threads", NULL};
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int threads = 0;
  if (seg_checkoptions(L, 2, opts)) {
    lua_Integer t = seg_optintegerfield(L, 2, "threads", 0);
    luaL_argcheck(L, t >= 0 && t <= 256, 2, "threads must be in 0..256");
    threads = (int)t;
  }
  SegNet *net = (SegNet *)lua_newuserdatauv(L, sizeof *net, 0);
  net->g = NULL;
  net->threads = threads;
  luaL_setmetatable(L, SEG_NET_MT);
  char err[1024];
  if (looks_like_model(s, len)) {
    net->g = nn_load(s, len, NULL, err, sizeof err);
  } else {
    /* read the file; the model's directory holds its external data */
    FILE *f = fopen(s, "rb");
    if (!f) {
      luaL_pushfail(L);
      lua_pushfstring(L, "%s: %s", s, strerror(errno));
      return 2;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;
    for (;;) {
      if (n == cap) {
        size_t nc = cap ? cap * 2 : (size_t)1 << 20;
        char *nb = realloc(buf, nc);
        if (!nb) { bad = 1; break; }
        buf = nb;
        cap = nc;
      }
      size_t got = fread(buf + n, 1, cap - n, f);
      n += got;
      if (got == 0) break;
    }
    if (ferror(f)) bad = 2;
    fclose(f);
    if (bad) {
      free(buf);
      luaL_pushfail(L);
      lua_pushfstring(L, "%s: %s", s, bad == 1 ? "not enough memory" : "read error");
      return 2;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", s);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    net->g = nn_load(buf, n, dir, err, sizeof err);
    free(buf);
    if (!net->g) {
      luaL_pushfail(L);
      lua_pushfstring(L, "%s: %s", s, err);
      return 2;
    }
    return 1;
  }
  if (!net->g) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  return 1;
}

static void push_valueinfo (lua_State *L, const NnGraph *g, int v) {
  const NnValue *val = &g->values[v];
  lua_createtable(L, 0, 3);
  lua_pushstring(L, val->name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, nn_type_name(val->decl_type ? val->decl_type : val->t.type));
  lua_setfield(L, -2, "type");
  int rank = val->decl_rank > 0 ? val->decl_rank : 0;
  lua_createtable(L, rank, 0);
  for (int d = 0; d < rank; d++) {
    if (val->decl_dims[d] >= 0) lua_pushinteger(L, (lua_Integer)val->decl_dims[d]);
    else lua_pushstring(L, val->dim_param[d] ? val->dim_param[d] : "?");
    lua_rawseti(L, -2, d + 1);
  }
  lua_setfield(L, -2, "shape");
}

static int l_net_index (lua_State *L) {
  SegNet *net = (SegNet *)luaL_checkudata(L, 1, SEG_NET_MT);
  const char *k = lua_tostring(L, 2);
  if (k && net->g && (strcmp(k, "inputs") == 0 || strcmp(k, "outputs") == 0)) {
    int in = k[0] == 'i';
    int n = in ? net->g->ninputs : net->g->noutputs;
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
      push_valueinfo(L, net->g, in ? net->g->inputs[i] : net->g->outputs[i]);
      lua_rawseti(L, -2, i + 1);
    }
    return 1;
  }
  if (k && net->g && strcmp(k, "metadata") == 0) {
    lua_createtable(L, 0, net->g->nmeta);
    for (int i = 0; i < net->g->nmeta; i++) {
      lua_pushstring(L, net->g->meta[i].value);
      lua_setfield(L, -2, net->g->meta[i].key);
    }
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

static int net_threads (lua_State *L, const SegNet *net) {
  return net->threads > 0 ? net->threads : seg_ctx(L)->threads;
}

/* Checks a tensor against graph input i's declared shape (raises). */
static void check_input (lua_State *L, int arg, const NnGraph *g, int i, const NnTensor *t) {
  const NnValue *v = &g->values[g->inputs[i]];
  if (v->decl_type && v->decl_type != NN_F32)
    luaL_error(L, "input '%s' is %s; seg.Tensor holds float32", v->name, nn_type_name(v->decl_type));
  if (v->decl_rank < 0) return;
  if (t->rank != v->decl_rank) {
    lua_pushfstring(L, "input '%s' has rank %d, got a tensor of rank %d", v->name, v->decl_rank, t->rank);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  for (int d = 0; d < t->rank; d++)
    if (v->decl_dims[d] >= 0 && v->decl_dims[d] != t->dims[d]) {
      lua_pushfstring(L, "input '%s' expects dimension %d to be %I, got %I", v->name, d + 1,
                      (lua_Integer)v->decl_dims[d], (lua_Integer)t->dims[d]);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
}

/* Copies an engine output into a new Tensor (float32; other types are
** converted). */
static void push_output (lua_State *L, const NnTensor *o) {
  SegTensor *t = seg_newtensor(L, o->rank, o->dims, 0);
  int64_t n = nn_numel(o);
  if (o->type == NN_F32) memcpy(t->t.data, o->data, (size_t)n * 4);
  else
    for (int64_t i = 0; i < n; i++) ((float *)t->t.data)[i] = (float)nn_getd(o, i);
}

/* net:run(tensor | {tensor, ...} | {name = tensor, ...}) -> Tensor, ... */
static int l_run (lua_State *L) {
  SegNet *net = checknet(L, 1);
  NnGraph *g = net->g;
  NnTensor *in[64];
  luaL_argcheck(L, g->ninputs <= 64, 1, "too many inputs");
  if (luaL_testudata(L, 2, SEG_TENSOR_MT)) {
    if (g->ninputs != 1) luaL_argerror(L, 2, lua_pushfstring(L, "the network has %d inputs: pass a table", g->ninputs));
    in[0] = &seg_checktensor(L, 2)->t;
    check_input(L, 2, g, 0, in[0]);
  } else {
    luaL_checktype(L, 2, LUA_TTABLE);
    for (int i = 0; i < g->ninputs; i++) {
      const char *name = g->values[g->inputs[i]].name;
      if (lua_getfield(L, 2, name) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_geti(L, 2, i + 1);
      }
      SegTensor *t = (SegTensor *)luaL_testudata(L, -1, SEG_TENSOR_MT);
      if (!t) luaL_argerror(L, 2, lua_pushfstring(L, "no tensor for input '%s'", name));
      if (!t->t.data) luaL_argerror(L, 2, lua_pushfstring(L, "tensor for input '%s' has been released", name));
      in[i] = &t->t;
      check_input(L, 2, g, i, in[i]);
      lua_pop(L, 1);   /* the table keeps it alive */
    }
  }
  int nout = g->noutputs;
  OutBox *box = pushoutbox(L, nout);
  char err[1024];
  if (nn_run(g, in, box->t, net_threads(L, net), err, sizeof err) != NN_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  luaL_checkstack(L, nout, "too many outputs");
  for (int i = 0; i < nout; i++) push_output(L, &box->t[i]);
  return nout;
}

typedef struct OpTime { const char *op; double ms, gflop; int64_t calls; int nodes; } OpTime;
static int cmp_ms (const void *a, const void *b) {
  const OpTime *x = a, *y = b;
  return x->ms < y->ms ? 1 : x->ms > y->ms ? -1 : 0;
}

/* Multiply-adds x 2 of a Conv / ConvTranspose / MatMul / Gemm node under
** the current plan (0 when shapes are unknown). */
static double node_flops (const NnGraph *g, const NnNode *n) {
  if (n->nin < 2 || n->in[0] < 0 || n->in[1] < 0 || n->nout < 1 || n->out[0] < 0) return 0;
  const NnTensor *x = &g->values[n->in[0]].t, *w = &g->values[n->in[1]].t, *y = &g->values[n->out[0]].t;
  if (strcmp(n->op, "Conv") == 0 && w->rank >= 3) {
    double k = 1;
    for (int i = 1; i < w->rank; i++) k *= (double)w->dims[i];
    return 2.0 * (double)nn_numel(y) * k;
  }
  if (strcmp(n->op, "ConvTranspose") == 0 && w->rank >= 3) {
    double k = 1;
    for (int i = 1; i < w->rank; i++) k *= (double)w->dims[i];
    return 2.0 * (double)nn_numel(x) * k;
  }
  if ((strcmp(n->op, "MatMul") == 0 || strcmp(n->op, "Gemm") == 0) && x->rank >= 1 && y->rank >= 1) {
    int64_t kdim = strcmp(n->op, "Gemm") == 0 && nn_attr_int(n, "transA", 0) ? x->dims[0] : x->dims[x->rank - 1];
    return 2.0 * (double)nn_numel(y) * (double)kdim;
  }
  return 0;
}

/* net:stats() -> {peak_bytes, weight_bytes, run_ms, nodes, ops = {{op, ms,
** calls, nodes, share, gflops}...} slowest first}; times accumulate over
** runs (stats{reset=true} clears them after reading). */
static int l_stats (lua_State *L) {
  static const char *const opts[] = {"reset", NULL};
  SegNet *net = checknet(L, 1);
  int reset = seg_checkoptions(L, 2, opts) ? seg_optboolfield(L, 2, "reset", 0) : 0;
  const NnGraph *g = net->g;
  NnStats s;
  nn_stats(g, &s);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, (lua_Integer)s.peak_bytes);
  lua_setfield(L, -2, "peak_bytes");
  lua_pushinteger(L, (lua_Integer)s.weight_bytes);
  lua_setfield(L, -2, "weight_bytes");
  lua_pushnumber(L, s.run_ms);
  lua_setfield(L, -2, "run_ms");
  lua_pushinteger(L, g->nnodes);
  lua_setfield(L, -2, "nodes");
  OpTime *ops = seg_pushscratch(L, (size_t)(g->nnodes + 1) * sizeof(OpTime));
  int nops = 0;
  double total = 0;
  for (int i = 0; i < g->nnodes; i++) {
    const NnNode *n = &g->nodes[i];
    int k;
    for (k = 0; k < nops; k++)
      if (strcmp(ops[k].op, n->op) == 0) break;
    if (k == nops) {
      ops[k].op = n->op;
      ops[k].ms = ops[k].gflop = 0;
      ops[k].calls = 0;
      ops[k].nodes = 0;
      nops++;
    }
    ops[k].ms += n->time_ms;
    ops[k].calls += n->calls;
    ops[k].nodes++;
    ops[k].gflop += node_flops(g, n) * (double)n->calls / 1e9;
    total += n->time_ms;
  }
  qsort(ops, (size_t)nops, sizeof *ops, cmp_ms);
  lua_createtable(L, nops, 0);
  for (int k = 0; k < nops; k++) {
    lua_createtable(L, 0, 6);
    lua_pushstring(L, ops[k].op);
    lua_setfield(L, -2, "op");
    lua_pushnumber(L, ops[k].ms);
    lua_setfield(L, -2, "ms");
    lua_pushinteger(L, (lua_Integer)ops[k].calls);
    lua_setfield(L, -2, "calls");
    lua_pushinteger(L, ops[k].nodes);
    lua_setfield(L, -2, "nodes");
    lua_pushnumber(L, total > 0 ? ops[k].ms / total : 0);
    lua_setfield(L, -2, "share");
    if (ops[k].gflop > 0) {
      lua_pushnumber(L, ops[k].gflop / (ops[k].ms / 1e3));
      lua_setfield(L, -2, "gflops");
      lua_pushnumber(L, ops[k].gflop);
      lua_setfield(L, -2, "gflop");
    }
    lua_rawseti(L, -2, k + 1);
  }
  lua_setfield(L, -3, "ops");
  lua_pop(L, 1);   /* the scratch */
  if (reset)
    for (int i = 0; i < g->nnodes; i++) g->nodes[i].time_ms = 0, g->nodes[i].calls = 0;
  return 1;
}

/* ---------- net:segment ---------- */

static const char *meta_value (const NnGraph *g, const char *key) {
  for (int i = 0; i < g->nmeta; i++)
    if (strcmp(g->meta[i].key, key) == 0) return g->meta[i].value;
  return NULL;
}

/* "0.5" or "0.485,0.456,0.406" -> v[0..C-1] (one value fills all). */
static int meta_vector (const char *s, float *v, int C) {
  if (!s) return 0;
  float tmp[16];
  int n = 0;
  const char *p = s;
  while (*p && n < 16) {
    char *end;
    double x = strtod(p, &end);
    if (end == p) return 0;
    tmp[n++] = (float)x;
    p = end;
    while (*p == ',' || *p == ' ') p++;
  }
  if (n == 0 || (n != 1 && n < C)) return 0;
  for (int i = 0; i < C; i++) v[i] = tmp[n == 1 ? 0 : i];
  return 1;
}

static const char *const segment_opts[] = {
  "size", "tile", "overlap", "mean", "std", "scale", "stride", "activation", "threshold",
  "threads", "output", "channels", NULL};

/* Bilinear (half-pixel) resample of C planes sh x sw into dh x dw. */
static void resample_planes (const float *src, int C, int sh, int sw, float *dst, int dh, int dw) {
  for (int c = 0; c < C; c++)
    for (int y = 0; y < dh; y++) {
      float fy = ((float)y + 0.5f) * (float)sh / (float)dh - 0.5f;
      if (fy < 0) fy = 0;
      int y0 = (int)fy, y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
      float ay = fy - (float)y0;
      for (int x = 0; x < dw; x++) {
        float fx = ((float)x + 0.5f) * (float)sw / (float)dw - 0.5f;
        if (fx < 0) fx = 0;
        int x0 = (int)fx, x1 = x0 + 1 < sw ? x0 + 1 : sw - 1;
        float ax = fx - (float)x0;
        const float *p = src + (size_t)c * sh * sw;
        float a = p[(size_t)y0 * sw + x0] * (1 - ax) + p[(size_t)y0 * sw + x1] * ax;
        float b = p[(size_t)y1 * sw + x0] * (1 - ax) + p[(size_t)y1 * sw + x1] * ax;
        dst[((size_t)c * dh + y) * dw + x] = a * (1 - ay) + b * ay;
      }
    }
}

/* Start positions of tiles of length t (overlap o) covering n. */
static int tile_starts (int n, int t, int o, int *pos, int max) {
  if (n <= t) { pos[0] = 0; return 1; }
  int step = t - o, k = 0;
  for (int p = 0;; p += step) {
    if (p + t >= n) { pos[k++] = n - t; break; }
    pos[k++] = p;
    if (k == max) return -1;
  }
  return k;
}

static int roundup (int v, int m) { return (v + m - 1) / m * m; }

/* net:segment(img [, opts]) -> Labels, probability Image | nil, message */
static int l_segment (lua_State *L) {
  SegNet *net = checknet(L, 1);
  SegImage *im = seg_checkimage(L, 2);
  NnGraph *g = net->g;
  int has = seg_checkoptions(L, 3, segment_opts);
  int threads = net_threads(L, net);
  if (g->ninputs != 1) return luaL_error(L, "segment: the network must have one input (it has %d)", g->ninputs);
  const NnValue *iv = &g->values[g->inputs[0]];
  if (iv->decl_rank >= 0 && iv->decl_rank != 4)
    return luaL_error(L, "segment: the network's input must be N x C x H x W");
  int C = iv->decl_rank == 4 && iv->decl_dims[1] > 0 ? (int)iv->decl_dims[1] : im->b.c;
  if (has) C = (int)seg_optintegerfield(L, 3, "channels", C);
  luaL_argcheck(L, C >= 1 && C <= 16, 3, "channels must be in 1..16");
  /* normalisation: options, else the model's metadata, else the dtype's */
  NnNorm nm;
  seg_readnorm(L, has ? 3 : 0, im, C, &nm);
  int given_mean = has && lua_getfield(L, 3, "mean") != LUA_TNIL;
  if (has) lua_pop(L, 1);
  int given_std = has && lua_getfield(L, 3, "std") != LUA_TNIL;
  if (has) lua_pop(L, 1);
  int given_scale = has && lua_getfield(L, 3, "scale") != LUA_TNIL;
  if (has) lua_pop(L, 1);
  if (!given_mean) meta_vector(meta_value(g, "seg.mean"), nm.mean, C);
  if (!given_std) meta_vector(meta_value(g, "seg.std"), nm.std, C);
  if (!given_scale && meta_value(g, "seg.scale") && im->b.dtype == SEG_U8) {
    float sc;
    if (meta_vector(meta_value(g, "seg.scale"), &sc, 1)) nm.scale = sc;
  }
  for (int i = 0; i < C; i++)
    if (!(nm.std[i] != 0)) seg_optfielderror(L, 3, "std", "non-zero");
  int stride = 32;
  const char *ms = meta_value(g, "seg.stride");
  if (ms && atoi(ms) > 0 && atoi(ms) <= 1024) stride = atoi(ms);
  if (has) stride = (int)seg_optintegerfield(L, 3, "stride", stride);
  luaL_argcheck(L, stride >= 1 && stride <= 1024, 3, "stride must be in 1..1024");
  int big = im->b.w > 1536 || im->b.h > 1536;
  int tile = big ? 1024 : 0, overlap = 64;
  if (has) {
    tile = (int)seg_optintegerfield(L, 3, "tile", tile);
    overlap = (int)seg_optintegerfield(L, 3, "overlap", overlap);
  }
  luaL_argcheck(L, tile == 0 || (tile >= stride && tile <= 16384), 3, "tile must be 0 or at least the stride");
  if (tile) tile = roundup(tile, stride);
  luaL_argcheck(L, overlap >= 0 && (tile == 0 || overlap < tile / 2), 3, "overlap must be in 0..tile/2");
  static const char *const acts[] = {"auto", "softmax", "sigmoid", "none", NULL};
  int act = has ? seg_optoptionfield(L, 3, "activation", 0, acts) : 0;
  float threshold = has ? (float)seg_optnumberfield(L, 3, "threshold", 0.5) : 0.5f;
  int outi = has ? (int)seg_optintegerfield(L, 3, "output", 1) : 1;
  luaL_argcheck(L, outi >= 1 && outi <= g->noutputs, 3, "output out of range");
  /* the working image: resized when size= is given */
  const SegImage *src = im;
  int rw = 0;
  int w, h;
  if (has && seg_optsizefield(L, 3, "size", &w, &h)) {
    SegImage *r = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, im->b.c, im->b.dtype);
    if (seg_resize(&im->b, &r->b, SEG_RESIZE_BILINEAR, threads) != 0) return luaL_error(L, "not enough memory");
    src = r;
    rw = w;
  }
  const int W = src->b.w, H = src->b.h;
  int tw = tile ? (W > tile ? tile : roundup(W, stride)) : roundup(W, stride);
  int th = tile ? (H > tile ? tile : roundup(H, stride)) : roundup(H, stride);
  int xs[4096], ys[4096];
  int nx = tile_starts(W, tw, overlap, xs, 4096), ny = tile_starts(H, th, overlap, ys, 4096);
  if (nx < 0 || ny < 0) return luaL_error(L, "segment: too many tiles");
  /* scratch: the input tile and the blending weights */
  int64_t dims[4] = {1, C, th, tw};
  SegTensor *input = seg_newtensor(L, 4, dims, 0);
  float *wx = seg_pushscratch(L, ((size_t)tw + (size_t)W) * sizeof(float));
  float *sx = wx + tw;
  float *wy = seg_pushscratch(L, ((size_t)th + (size_t)H) * sizeof(float));
  float *sy = wy + th;
  SegImage *prob = NULL;
  int K = 0;
  for (int i = 0; i < W; i++) sx[i] = 0;
  for (int i = 0; i < H; i++) sy[i] = 0;
  for (int a = 0; a < nx; a++)
    for (int x = 0; x < tw && xs[a] + x < W; x++)
      sx[xs[a] + x] += nn_ramp(x, tw, a > 0 ? xs[a - 1] + tw - xs[a] : 0, a + 1 < nx ? xs[a] + tw - xs[a + 1] : 0);
  for (int b = 0; b < ny; b++)
    for (int y = 0; y < th && ys[b] + y < H; y++)
      sy[ys[b] + y] += nn_ramp(y, th, b > 0 ? ys[b - 1] + th - ys[b] : 0, b + 1 < ny ? ys[b] + th - ys[b + 1] : 0);
  NnTensor *inp[1] = {&input->t};
  lua_pushnil(L);              /* the probability image's slot, below the per-tile boxes */
  int pslot = lua_gettop(L), base = pslot;
  for (int b = 0; b < ny; b++)
    for (int a = 0; a < nx; a++) {
      nn_image_window(&src->b, xs[a], ys[b], tw, th, C, &nm, input->t.data, threads);
      OutBox *box = pushoutbox(L, g->noutputs);
      char err[1024];
      if (nn_run(g, inp, box->t, threads, err, sizeof err) != NN_OK) {
        luaL_pushfail(L);
        lua_pushstring(L, err);
        return 2;
      }
      NnTensor *o = &box->t[outi - 1];
      if (o->type != NN_F32 || o->rank != 4 || o->dims[0] != 1 || o->dims[1] < 1 || o->dims[1] > 1024 ||
          o->dims[2] < 1 || o->dims[3] < 1) {
        luaL_pushfail(L);
        lua_pushliteral(L, "segment: the network's output is not a 1 x K x H x W float tensor");
        return 2;
      }
      int k = (int)o->dims[1];
      if (!prob) {
        K = k;
        prob = seg_newimage(L, W, H, K, SEG_F32);   /* zeroed: tiles add into it */
        lua_replace(L, pslot);
      } else if (k != K) {
        luaL_pushfail(L);
        lua_pushliteral(L, "segment: the number of classes changed between tiles");
        return 2;
      }
      float *planes = o->data;
      if (o->dims[2] != th || o->dims[3] != tw) {
        /* outputs at another resolution are resampled to the tile's */
        NnTensor r = {0};
        int64_t rd[4] = {1, K, th, tw};
        nn_setshape(&r, NN_F32, 4, rd);
        if (nn_alloc(&r) != 0) return luaL_error(L, "not enough memory");
        resample_planes(o->data, K, (int)o->dims[2], (int)o->dims[3], r.data, th, tw);
        nn_free(o);
        *o = r;
        planes = o->data;
      }
      int mode = act == 1 ? NN_ACT_SOFTMAX : act == 2 ? NN_ACT_SIGMOID : act == 3 ? NN_ACT_NONE
               : (K > 1 ? NN_ACT_SOFTMAX : NN_ACT_SIGMOID);
      nn_activate(planes, K, (size_t)th * tw, mode, threads);
      int lox = a > 0 ? xs[a - 1] + tw - xs[a] : 0, hix = a + 1 < nx ? xs[a] + tw - xs[a + 1] : 0;
      int loy = b > 0 ? ys[b - 1] + th - ys[b] : 0, hiy = b + 1 < ny ? ys[b] + th - ys[b + 1] : 0;
      for (int x = 0; x < tw; x++) wx[x] = nn_ramp(x, tw, lox, hix);
      for (int y = 0; y < th; y++) wy[y] = nn_ramp(y, th, loy, hiy);
      int cw = W - xs[a] < tw ? W - xs[a] : tw, ch = H - ys[b] < th ? H - ys[b] : th;
      nn_blend_tile(planes, tw, th, K, 0, 0, cw, ch, wx, wy, &prob->b, xs[a], ys[b], threads);
      lua_settop(L, base);   /* closes the box: the tile's outputs go now */
    }
  nn_normalise_rows(&prob->b, sx, sy, threads);
  SegImage *final = prob;
  if (rw) {   /* back to the caller's size */
    final = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, K, SEG_F32);
    if (seg_resize(&prob->b, &final->b, SEG_RESIZE_BILINEAR, threads) != 0) return luaL_error(L, "not enough memory");
  }
  SegImage *lab = seg_newlabels(L, im->b.w, im->b.h);
  nn_classes(&final->b, &lab->b, threshold, threads);
  lua_pushvalue(L, -2);   /* labels, probabilities */
  return 2;
}

static const luaL_Reg net_methods[] = {
  {"run", l_run}, {"segment", l_segment}, {"stats", l_stats}, {"release", l_net_release},
  {NULL, NULL}};
static const luaL_Reg funcs[] = {{"onnx", l_onnx}, {NULL, NULL}};

static int l_net_tostring (lua_State *L) {
  SegNet *n = (SegNet *)luaL_checkudata(L, 1, SEG_NET_MT);
  if (!n->g) lua_pushliteral(L, "seg.Net (released)");
  else lua_pushfstring(L, "seg.Net (%d nodes, %d inputs, %d outputs)", n->g->nnodes, n->g->ninputs, n->g->noutputs);
  return 1;
}

void seg_open_nn (lua_State *L) {
  if (luaL_newmetatable(L, SEG_NNOUT_MT)) {
    static const luaL_Reg m[] = {{"__gc", l_outbox_free}, {"__close", l_outbox_free}, {NULL, NULL}};
    seg_register(L, m);
  }
  lua_pop(L, 1);
  luaL_newmetatable(L, SEG_NET_MT);
  static const luaL_Reg meta[] = {
    {"__gc", l_net_release}, {"__close", l_net_release}, {"__tostring", l_net_tostring}, {NULL, NULL}};
  seg_register(L, meta);
  /* __index: inputs / outputs / metadata computed, the rest from methods */
  lua_newtable(L);
  seg_register(L, net_methods);
  lua_pushcclosure(L, l_net_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}
