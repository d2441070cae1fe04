/* graphseg.h — graph-based segmentation (kernel layer, no Lua):
** Felzenszwalb–Huttenlocher merging on the pixel grid (felzenszwalb.c),
** mean-shift filtering (meanshift.c), and region merging on a region
** adjacency graph of mean colours (rag.c). */
#ifndef SEG_GRAPHSEG_H
#define SEG_GRAPHSEG_H

#include "core/segk.h"

/* ---------- felzenszwalb.c ---------- */

/* skimage.segmentation.felzenszwalb (0.19): values scaled as img_as_float
** (u8 / 255, u16 / 65535, f32 as is), gaussian of 'sigma' per channel
** (scipy, mode 'reflect', truncate 4), edges between 8-neighbours weighted
** by the euclidean colour distance, taken in increasing weight order
** (ties in skimage's edge order: right, down, down-right, up-right, each
** in raster order), two components joined when the weight is below
** min(int(C) + scale/255/|C|) of both; then components under 'min_size'
** pixels are joined along the same ordered edges.
** 'labels' (i32, src's size) gets 1..n in raster order of first pixel
** (skimage's 0..n-1 plus one); returns n, or -1 when out of memory.
** Needs w*h < 2^30 pixels and seg_felz_scratch() bytes of scratch. */
size_t seg_felz_scratch (int w, int h, int c);
int32_t seg_felzenszwalb (const SegBuf *src, SegBuf *labels, double scale, double sigma,
                          int64_t min_size, int threads, void *scratch);

/* ---------- meanshift.c ---------- */

/* cv2.pyrMeanShiftFiltering(src, sp, sr, maxLevel=0, (MAX_ITER|EPS, iters,
** eps)) on u8 pixels with 1 or 3 channels (OpenCV: 3 only): each pixel
** moves through the joint (x, y, colour) space to the mean of the source
** pixels within the square window cvRound(x -+ sp) whose squared colour
** distance is at most cvRound(sr^2), at most 'iters' times (1..100), until
** it stays put or moves by no more than 'eps' (city-block in x, y plus the
** squared colour shift). Bit-exact with OpenCV; one channel is run as
** OpenCV runs the gray image replicated into 3 channels. dst: src's shape;
** scratch: seg_meanshift_scratch() bytes. */
size_t seg_meanshift_scratch (int w, int h, int c);
void seg_meanshift (const SegBuf *src, SegBuf *dst, double sp, double sr, int iters,
                    double eps, int threads, void *scratch);

/* Labels of the regions of equal colour (8-connected) of a u8 image, 1..n
** in raster order of first pixel: the modes of a mean-shift filtered image
** as skimage.measure.label(colour code, connectivity=2, background=-1)
** numbers them. 'parent': w*h scratch (w*h < 2^32). Returns n. */
int32_t seg_equal_regions (const SegBuf *img, SegBuf *labels, uint32_t *parent);

/* ---------- rag.c ---------- */

/* Region adjacency graph of a label map (i32, labels >= 0; 0 is background
** and never a node) with the mean colour of every region over 'img'
** (any dtype, c channels): skimage.future.graph.rag_mean_color(img, labels,
** connectivity, mode='distance'). Edge weight: euclidean distance of the
** mean colours. 'conn' is 4 or 8. */
typedef struct SegRag SegRag;
/* Builds the graph; NULL when out of memory. */
SegRag *seg_rag_new (const SegBuf *labels, const SegBuf *img, int conn, int threads);
void seg_rag_free (SegRag *g);
/* skimage's cut_threshold: drops edges of weight >= thresh and labels
** the connected components of what remains. */
int seg_rag_cut_threshold (SegRag *g, double thresh);
/* skimage's merge_hierarchical with plot_rag_merging's mean-colour
** functions: repeatedly merges the two adjacent regions of least weight
** while it is below thresh, recomputing the merged region's mean colour and
** the weights of its edges. Returns SEG_OK or SEG_ENOMEM. */
int seg_rag_merge_hierarchical (SegRag *g, double thresh);
/* Writes the merged label map: regions renumbered 1..n in raster order of
** first pixel, background 0. Returns n, or -1 when out of memory. */
int32_t seg_rag_relabel (const SegRag *g, const SegBuf *labels, SegBuf *out);

#endif
