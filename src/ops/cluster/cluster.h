/* cluster.h — clustering of pixels by value (kernel layer, no Lua).
**
** k-means (Lloyd's iterations) on the pixels of a u8, u16 or f32 image of
** any channel count, each pixel a point of R^C (its channel values as
** float). k-means++ initialisation (Arthur & Vassilvitskii 2007) in its
** greedy form (2 + floor(ln k) candidates per centre, the one lowering the
** potential most kept, as OpenCV's KMEANS_PP_CENTERS and scikit-learn),
** drawn from xoshiro256** seeded by splitmix64(seed): a given seed gives the
** same result on any number of threads (every sum runs over fixed blocks of
** pixels, merged in block order). */
#ifndef SEG_CLUSTER_H
#define SEG_CLUSTER_H

#include "core/segk.h"

enum {
  SEG_EKMEANS_NONFINITE = SEG_EFAMILY   /* a pixel is NaN or infinite */
};
const char *seg_cluster_strerror (int status);

/* Most channels a pixel may have. */
#define SEG_KMEANS_MAXC 64
/* Most clusters. */
#define SEG_KMEANS_MAXK 1024

typedef struct SegKmeansOpts {
  int k;            /* 1 .. number of pixels */
  int attempts;     /* runs from independent initialisations; the most compact is kept */
  int iters;        /* most assignment + update rounds per attempt */
  double eps;       /* an attempt stops once no centre moves more than eps */
  uint64_t seed;
  int threads;
} SegKmeansOpts;

/* Bytes of scratch seg_kmeans needs on 'threads' threads (the same
** o->threads); 0 when that overflows size_t. */
size_t seg_kmeans_scratch (int w, int h, int c, int k, int threads);

/* labels (i32, src's size, contiguous) receive 1..k: each pixel's nearest
** centre (squared Euclidean distance in float, ties to the lower index);
** centers (k * c floats) the centres of the most compact attempt;
** *compactness its sum of squared distances of pixels to their centres
** (OpenCV's compactness); *iters_done the rounds that attempt ran. An
** empty cluster takes the pixel farthest from its centre. Returns SEG_OK
** or SEG_EKMEANS_NONFINITE (f32 only). */
int seg_kmeans (const SegBuf *src, const SegKmeansOpts *o, SegBuf *labels, float *centers,
                double *compactness, int *iters_done, void *scratch);

#endif
