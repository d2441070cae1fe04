/* lseg.h — the binding layer: Lua types over SegBuf and shared helpers.
** Bindings check arguments, allocate outputs as Lua-owned userdata, call a
** kernel, and push results. No algorithm lives in a binding. */
#ifndef LSEG_H
#define LSEG_H

#include <lua.h>
#include <lauxlib.h>
#include "core/segk.h"
#include "core/pool.h"
#include "nn/nn.h"

#define SEG_VERSION "0.1.0"

/* Lua-visible kinds, each with its own metatable. */
typedef enum { SEG_KIND_IMAGE = 0, SEG_KIND_MASK = 1, SEG_KIND_LABELS = 2 } SegKind;
#define SEG_IMAGE_MT  "seg.Image"
#define SEG_MASK_MT   "seg.Mask"
#define SEG_LABELS_MT "seg.Labels"

/* The userdata behind every Image, Mask and Labels. Its pixels are a block
** of the state's pool (outside the Lua heap) that the object owns: release,
** __close and __gc give it back at once. A released object has
** data == NULL and w == h == 0. A release from inside a finalizer only sets
** 'doomed' (the seg_check* functions then refuse the object) and leaves
** the pixels in place until its __gc: the finalizer may have run from an
** allocation of a binding that is still using them. */
typedef struct SegImage {
  SegBuf b;
  SegKind kind;
  int doomed;
  size_t block_bytes;      /* as passed to seg_pool_alloc */
} SegImage;

/* Per-state settings, one userdata shared as upvalue 1 by every function of
** the module (no process-wide mutable state). Its __gc empties the cache. */
typedef struct SegCtx {
  int threads;
  int64_t max_pixels;
  SegPool pool;
  size_t gc_pending;       /* allocated bytes not yet reported to the collector */
  size_t gc_base;          /* live pixel bytes the pacing measures garbage from */
  uint64_t gc_full;        /* full collections pacing forced */
} SegCtx;

#define SEG_DEFAULT_MAX_PIXELS ((int64_t)1 << 28)   /* 268 Mpx: 16384 x 16384 */

SegCtx *seg_ctx (lua_State *L);  /* valid in any function registered by seg_register */
/* Registers the functions of l into the table on top of the stack with the
** module's context as their upvalue. */
void seg_register (lua_State *L, const luaL_Reg *l);

/* New object with w*h*c pixels of type t, zero-filled, pushed on the stack.
** Raises on bad dimensions, pixel limit or memory. */
SegImage *seg_newimage (lua_State *L, int w, int h, int c, SegDtype t);
SegImage *seg_newmask (lua_State *L, int w, int h);
SegImage *seg_newlabels (lua_State *L, int w, int h);
/* Same as seg_newimage but with the kind chosen by the caller. */
SegImage *seg_newobject (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t);
/* Like seg_newimage but does not zero the pixels (the caller overwrites them all). */
SegImage *seg_newimage_uninit (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t);
/* Kernel scratch of 'bytes' bytes (uninitialised, 16-byte aligned at
** least) outside the Lua heap, pushed as a to-be-closed box: freed when the
** calling binding returns or raises, or at once by lua_pop of its slot.
** Raises "not enough memory". */
void *seg_pushscratch (lua_State *L, size_t bytes);

/* Any of Image/Mask/Labels (raises "seg.Image expected" otherwise, or on a
** released object). */
SegImage *seg_checkimage (lua_State *L, int idx);
SegImage *seg_testimage (lua_State *L, int idx);   /* NULL when not one */
/* True once release() ran (pixels gone, or kept until __gc when released
** from a finalizer): such an object must not be used. */
int seg_isreleased (const SegImage *im);
SegImage *seg_checkmask (lua_State *L, int idx);
SegImage *seg_checklabels (lua_State *L, int idx);
SegDtype seg_checkdtype (lua_State *L, int idx);
SegDtype seg_optdtype (lua_State *L, int idx, SegDtype def);
/* Raises unless the pixels are u8, u16 or f32 (i32 is refused). */
void seg_checkpixels (lua_State *L, int idx, const SegImage *im);
/* Raises unless the image has 'n' channels. */
void seg_checkchannels (lua_State *L, int idx, const SegImage *im, int n);
/* Raises when a and b differ in width or height. */
void seg_checksamesize (lua_State *L, int idx, const SegImage *a, const SegImage *b);

/* ---------- argument conventions (lopts.c) ---------- */

/* "bad argument #idx (tname expected, got ...)", explaining the slip of
** passing both results of label() (a Labels, then its count) when a number
** follows a Labels. */
int seg_typeerror (lua_State *L, int idx, const char *tname);

/* Raises unless the value at idx is none, nil or a table whose own keys are
** all names listed in 'valid' (NULL-terminated): "unknown option 'lo';
** valid: sigma, low, high". Returns 1 when a table is there. */
int seg_checkoptions (lua_State *L, int idx, const char *const valid[]);

/* Fields of an options table at index t (t may be none or nil: then every
** field is absent). Absent fields give def; a field of the wrong type
** raises "bad argument #t (... ('k' must be a number))". Numbers reject NaN;
** booleans also accept numbers, 0 meaning false (as OpenCV's flags). */
lua_Number seg_optnumberfield (lua_State *L, int t, const char *k, lua_Number def);
lua_Integer seg_optintegerfield (lua_State *L, int t, const char *k, lua_Integer def);
int seg_optboolfield (lua_State *L, int t, const char *k, int def);
/* opts[k] as an index into the NULL-ended list (def when absent). */
int seg_optoptionfield (lua_State *L, int t, const char *k, int def, const char *const list[]);
/* opts[k] as an integer n (n x n) or {w, h}, each in 1..65536: 1 when
** given, setting *w and *h; 0 when absent. */
int seg_optsizefield (lua_State *L, int t, const char *k, int *w, int *h);
/* Raises "bad argument #t ... ('k' must be what)". */
void seg_optfielderror (lua_State *L, int t, const char *k, const char *what);
/* opts[k] as a number in [lo, hi], else that error with 'what' ("a number
** from 0 to 500"). A NaN def makes the field required. */
lua_Number seg_optrangefield (lua_State *L, int t, const char *k, lua_Number def,
                              lua_Number lo, lua_Number hi, const char *what);
/* The property names of lab:regions() in their documented order,
** NULL-ended; those from index SEG_REGIONPROP_INTENSITY on need an
** intensity image. */
extern const char *const seg_regionprops[];
#define SEG_REGIONPROP_INTENSITY 18
/* opts.connectivity: 4 or 8 (default 8, as everywhere in the module). */
int seg_optconnfield (lua_State *L, int t);

/* out= destinations. Reading a field can run Lua code (__index) that may
** release any image, so a binding reads every option first, then checks
** its inputs, then takes the destination:
**   int oidx = seg_optout(L, t);        pushes opts.out (or nil), its index
**   im = seg_checkimage(L, 1);          live again after the reads
**   out = seg_pushout(L, t, oidx, kind, w, h, c, dtype);
** seg_pushout pushes the given object after checking its kind, size,
** channels, dtype and that it is not released (raising on argument t), or a
** new uninitialised object when out is nil. */
int seg_optout (lua_State *L, int t);
SegImage *seg_pushout (lua_State *L, int t, int outidx, SegKind kind, int w, int h,
                       int c, SegDtype dt);
/* Raises when out holds in's pixels: neighbourhood operations cannot run
** in place. */
void seg_checknotinput (lua_State *L, int t, const SegImage *out, const SegImage *in);

/* Module parts: each adds its functions to the module table (at -2) and its
** methods to the methods table (at -1). */
void seg_open_image (lua_State *L);
void seg_open_tensor (lua_State *L);

/* seg.Tensor: an n-d float32 tensor whose data is a pool block it owns
** (t.cap stays 0: the engine never frees it). Released: data == NULL. */
#define SEG_TENSOR_MT "seg.Tensor"
typedef struct SegTensor { NnTensor t; size_t block; } SegTensor;
SegTensor *seg_newtensor (lua_State *L, int rank, const int64_t *dims, int zero);
SegTensor *seg_checktensor (lua_State *L, int idx);
int seg_checkshape (lua_State *L, int idx, int64_t *dims);
struct NnNorm;
/* The scale/mean/std options of table t (or defaults for im's dtype). */
void seg_readnorm (lua_State *L, int t, const SegImage *im, int C, struct NnNorm *nm);
void seg_open_nn (lua_State *L);

/* Pool blocks for objects other than images (tensors): seg_takeblock paces
** the collector and raises when out of memory; seg_giveblock returns one. */
void *seg_takeblock (lua_State *L, size_t bytes, int zero);
void seg_giveblock (lua_State *L, void *p, size_t bytes);
void seg_open_pointwise (lua_State *L);
void seg_open_io (lua_State *L);
void seg_open_threshold (lua_State *L);
void seg_open_filter (lua_State *L);
void seg_open_morph (lua_State *L);
void seg_open_label (lua_State *L);
void seg_open_metrics (lua_State *L);
void seg_open_draw (lua_State *L);

/* New object of the same kind, shape and pixels. */
SegImage *seg_pushcopy (lua_State *L, const SegImage *src);
/* Adds the metamethods in l to every kind's metatable. */
void seg_add_meta (lua_State *L, const luaL_Reg *l);
void seg_open_convert (lua_State *L);
void seg_open_stats (lua_State *L);

/* Helper: set methods for every kind (shared table) or one kind. */
void seg_add_methods (lua_State *L, SegKind kind, const luaL_Reg *l);

/* Classical toolkit II families (one binding file each). */
void seg_open_watershed (lua_State *L);
void seg_open_region (lua_State *L);
void seg_open_cluster (lua_State *L);
void seg_open_colour (lua_State *L);
void seg_open_superpixel (lua_State *L);
void seg_open_graphseg (lua_State *L);
void seg_open_graphcut (lua_State *L);
void seg_open_energy (lua_State *L);
void seg_open_geometry (lua_State *L);
void seg_open_intensity (lua_State *L);
void seg_open_annotate (lua_State *L);
void seg_open_table (lua_State *L);

#endif
