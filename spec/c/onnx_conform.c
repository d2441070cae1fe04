/* onnx_conform.c — the ONNX backend node tests through the engine, no Lua.
**
**   onnx-conform DATA_DIR EXCEPTIONS_FILE [OP,OP,...]
**
** For every test_ directory in DATA_DIR (model.onnx, test_data_set_N/input_K.pb
** and output_K.pb): a model using an operator the engine does not have is
** skipped; any other is loaded, run on each data set and compared with the
** expected outputs (|got - want| <= 1e-7 + 1e-3 |want|, ONNX's backend test
** tolerance; NaN equals NaN; integers and booleans exactly). A failing test
** listed in EXCEPTIONS_FILE ("test_name reason") counts as known, not as a
** failure. Prints one line per test, a table per operator, and
** "N passed, N failed"; exits 1 on any unexpected failure. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "nn/nn.h"

static char *read_file (const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(sz > 0 ? (size_t)sz : 1);
  if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  *n = (size_t)sz;
  return buf;
}

static int cmpstr (const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of dir starting with prefix (malloc'd names). */
static int list_dir (const char *dir, const char *prefix, char ***out) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0, cap = 0;
  char **v = NULL;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      v = realloc(v, (size_t)cap * sizeof *v);
    }
    v[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(v, (size_t)n, sizeof *v, cmpstr);
  *out = v;
  return n;
}

typedef struct OpRow { char op[64]; int pass, fail, known, skip; } OpRow;
static OpRow rows[512];
static int nrows;

static OpRow *row (const char *op) {
  for (int i = 0; i < nrows; i++)
    if (strcmp(rows[i].op, op) == 0) return &rows[i];
  if (nrows == 512) return &rows[511];
  snprintf(rows[nrows].op, sizeof rows[nrows].op, "%s", op);
  return &rows[nrows++];
}

/* The operator a test is filed under: its model's op type when there is
** one, else the first unsupported one, else "(several)". Fills 'missing'
** with an operator the engine lacks. */
static void model_ops (const char *bytes, size_t n, char *op, size_t oplen, char *missing, size_t mlen) {
  snprintf(op, oplen, "?");
  missing[0] = 0;
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, n, (const uint8_t *)bytes);
  if (!m || !m->graph) {
    if (m) onnx__model_proto__free_unpacked(m, NULL);
    return;
  }
  const char *first = NULL;
  int several = 0;
  for (size_t i = 0; i < m->graph->n_node; i++) {
    const Onnx__NodeProto *nd = m->graph->node[i];
    if (!first) first = nd->op_type;
    else if (strcmp(first, nd->op_type) != 0) several = 1;
    int local = 0;
    for (size_t f = 0; f < m->n_functions; f++)
      if (strcmp(m->functions[f]->name, nd->op_type) == 0) local = 1;
    if (!missing[0] && !local && !nn_find_op(nd->op_type)) snprintf(missing, mlen, "%s", nd->op_type);
  }
  snprintf(op, oplen, "%s", several ? "(several)" : first ? first : "?");
  onnx__model_proto__free_unpacked(m, NULL);
}

static int close_enough (const NnTensor *got, const NnTensor *want, char *why, size_t len) {
  if (got->type != want->type) {
    snprintf(why, len, "type %s, expected %s", nn_type_name(got->type), nn_type_name(want->type));
    return 0;
  }
  if (!nn_sameshape(got, want)) {
    char a[128] = "", b[128] = "";
    for (int i = 0; i < got->rank; i++) snprintf(a + strlen(a), sizeof a - strlen(a), "%lldx", (long long)got->dims[i]);
    for (int i = 0; i < want->rank; i++) snprintf(b + strlen(b), sizeof b - strlen(b), "%lldx", (long long)want->dims[i]);
    snprintf(why, len, "shape %s, expected %s", a, b);
    return 0;
  }
  int64_t n = nn_numel(want);
  int fl = want->type == NN_F32 || want->type == NN_F64;
  for (int64_t i = 0; i < n; i++) {
    if (fl) {
      double g = nn_getd(got, i), w = nn_getd(want, i);
      if (isnan(w) && isnan(g)) continue;
      if (isinf(w) && g == w) continue;
      if (!(fabs(g - w) <= 1e-7 + 1e-3 * fabs(w))) {
        snprintf(why, len, "element %lld: %.9g, expected %.9g", (long long)i, g, w);
        return 0;
      }
    } else if (nn_geti(got, i) != nn_geti(want, i)) {
      snprintf(why, len, "element %lld: %lld, expected %lld", (long long)i, (long long)nn_geti(got, i),
               (long long)nn_geti(want, i));
      return 0;
    }
  }
  return 1;
}

/* Runs one data set: 1 passed, 0 failed (why filled). */
static int run_set (NnGraph *g, const char *setdir, int threads, char *why, size_t len) {
  char **files = NULL;
  int nf = list_dir(setdir, "", &files), rc = 1;
  NnTensor in[64], want[64], got[64];
  int nin = 0, nout = 0;
  memset(in, 0, sizeof in);
  memset(want, 0, sizeof want);
  memset(got, 0, sizeof got);
  for (int k = 0; k < 64 && rc; k++) {
    char path[8192], name[256], err[512];
    size_t n;
    snprintf(path, sizeof path, "%s/input_%d.pb", setdir, k);
    char *b = read_file(path, &n);
    if (!b) break;
    if (nn_tensor_decode(b, n, &in[k], name, sizeof name, err, sizeof err) != 0) {
      snprintf(why, len, "input_%d.pb: %s", k, err);
      rc = 0;
    }
    free(b);
    nin = k + 1;
  }
  for (int k = 0; k < 64 && rc; k++) {
    char path[8192], name[256], err[512];
    size_t n;
    snprintf(path, sizeof path, "%s/output_%d.pb", setdir, k);
    char *b = read_file(path, &n);
    if (!b) break;
    if (nn_tensor_decode(b, n, &want[k], name, sizeof name, err, sizeof err) != 0) {
      snprintf(why, len, "output_%d.pb: %s", k, err);
      rc = 0;
    }
    free(b);
    nout = k + 1;
  }
  if (rc && nin != g->ninputs) {
    snprintf(why, len, "%d inputs given, the graph has %d", nin, g->ninputs);
    rc = 0;
  }
  if (rc && nout != g->noutputs) {
    snprintf(why, len, "%d outputs expected, the graph has %d", nout, g->noutputs);
    rc = 0;
  }
  if (rc) {
    NnTensor *ptr[64];
    for (int k = 0; k < nin; k++) ptr[k] = &in[k];
    char err[512];
    if (nn_run(g, ptr, got, threads, err, sizeof err) != NN_OK) {
      snprintf(why, len, "run: %s", err);
      rc = 0;
    }
    for (int k = 0; rc && k < nout; k++) {
      char w[400];
      if (!close_enough(&got[k], &want[k], w, sizeof w)) {
        snprintf(why, len, "output %d: %s", k, w);
        rc = 0;
      }
    }
    if (rc || got[0].data)
      for (int k = 0; k < nout; k++) nn_free(&got[k]);
  }
  for (int k = 0; k < nin; k++) nn_free(&in[k]);
  for (int k = 0; k < nout; k++) nn_free(&want[k]);
  for (int i = 0; i < nf; i++) free(files[i]);
  free(files);
  return rc;
}

static const char *exception_for (char *ex, const char *test) {
  static char reason[512];
  size_t tl = strlen(test);
  for (char *p = ex; p && *p;) {
    char *eol = strchr(p, '\n');
    size_t ll = eol ? (size_t)(eol - p) : strlen(p);
    if (ll > tl && strncmp(p, test, tl) == 0 && (p[tl] == ' ' || p[tl] == '\t')) {
      const char *r = p + tl;
      while (*r == ' ' || *r == '\t') r++;
      snprintf(reason, sizeof reason, "%.*s", (int)(ll - (size_t)(r - p)), r);
      return reason;
    }
    p = eol ? eol + 1 : NULL;
  }
  return NULL;
}

static int op_selected (const char *only, const char *op) {
  if (!only || !only[0]) return 1;
  size_t l = strlen(op);
  for (const char *p = only; *p;) {
    const char *c = strchr(p, ',');
    size_t n = c ? (size_t)(c - p) : strlen(p);
    if (n == l && strncmp(p, op, n) == 0) return 1;
    if (!c) break;
    p = c + 1;
  }
  return 0;
}

int main (int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s DATA_DIR EXCEPTIONS_FILE [OP,OP,...]\n", argv[0]);
    return 2;
  }
  const char *data = argv[1], *only = argc > 3 ? argv[3] : NULL;
  int threads = getenv("ONNX_THREADS") ? atoi(getenv("ONNX_THREADS")) : 1;
  size_t exn = 0;
  char *ex = read_file(argv[2], &exn);
  if (ex) {
    ex = realloc(ex, exn + 1);
    ex[exn] = 0;
  }
  char **tests = NULL;
  int nt = list_dir(data, "test_", &tests);
  int pass = 0, fail = 0, known = 0, skip = 0;
  for (int t = 0; t < nt; t++) {
    char dir[4096], path[4200], op[128], missing[128], why[1100] = "";
    snprintf(dir, sizeof dir, "%s/%s", data, tests[t]);
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    size_t n;
    char *bytes = read_file(path, &n);
    if (!bytes) continue;
    model_ops(bytes, n, op, sizeof op, missing, sizeof missing);
    if (!op_selected(only, op)) { free(bytes); continue; }
    OpRow *r = row(op);
    if (missing[0]) {
      printf("%-60s skipped (no operator %s)\n", tests[t], missing);
      r->skip++;
      skip++;
      free(bytes);
      continue;
    }
    char err[1024];
    NnGraph *g = nn_load(bytes, n, dir, err, sizeof err);
    free(bytes);
    int ok = 1;
    if (!g) {
      snprintf(why, sizeof why, "load: %s", err);
      ok = 0;
    } else {
      char **sets = NULL;
      int ns = list_dir(dir, "test_data_set_", &sets);
      for (int s = 0; s < ns; s++) {
        char sd[4400];
        snprintf(sd, sizeof sd, "%s/%s", dir, sets[s]);
        if (ok && !run_set(g, sd, threads, why, sizeof why)) ok = 0;
        free(sets[s]);
      }
      free(sets);
      nn_graph_free(g);
    }
    const char *reason = ex ? exception_for(ex, tests[t]) : NULL;
    if (ok) {
      printf("%-60s passed%s\n", tests[t], reason ? " (listed as an exception: remove it)" : "");
      r->pass++;
      pass++;
    } else if (reason) {
      printf("%-60s known: %s [%s]\n", tests[t], reason, why);
      r->known++;
      known++;
    } else {
      printf("%-60s FAILED: %s\n", tests[t], why);
      r->fail++;
      fail++;
    }
    fflush(stdout);
  }
  printf("\n%-24s %6s %6s %6s %6s\n", "operator", "passed", "failed", "known", "skipped");
  for (int i = 0; i < nrows; i++)
    if (rows[i].pass + rows[i].fail + rows[i].known)
      printf("%-24s %6d %6d %6d %6d\n", rows[i].op, rows[i].pass, rows[i].fail, rows[i].known, rows[i].skip);
  int unsupported = 0;
  for (int i = 0; i < nrows; i++)
    if (!(rows[i].pass + rows[i].fail + rows[i].known)) unsupported++;
  printf("(%d tests of %d operators the engine does not have were skipped)\n", skip, unsupported);
  printf("conformance: %d passed, %d failed, %d known exceptions, %d skipped\n", pass, fail, known, skip);
  printf("%d passed, %d failed\n", pass, fail);
  for (int t = 0; t < nt; t++) free(tests[t]);
  free(tests);
  free(ex);
  return fail ? 1 : 0;
}
