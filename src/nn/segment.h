/* segment.h — pixel buffers to and from network tensors (segment.c). */
#ifndef NN_SEGMENT_H
#define NN_SEGMENT_H

#include "core/segk.h"

/* Per-channel normalisation: t = (pixel * scale - mean[c]) / std[c]. */
typedef struct NnNorm { float scale; float mean[16], std[16]; } NnNorm;

/* Writes the tw x th window at (x0, y0) of img as C planes (row-major,
** plane k at dst + k*tw*th), replicating edge pixels where the window
** leaves the image. Channels: C equal to the image's, or gray (luma) from
** colour, gray replicated into colour, alpha dropped. */
void nn_image_window (const SegBuf *img, int x0, int y0, int tw, int th, int C,
                      const NnNorm *nm, float *dst, int threads);

enum { NN_ACT_NONE = 0, NN_ACT_SOFTMAX, NN_ACT_SIGMOID };
/* Softmax across the C planes of hw elements, or sigmoid of each. */
void nn_activate (float *planes, int C, size_t hw, int mode, int threads);

/* Blending weight of position i of a tile of length n overlapping its
** neighbours by lo (start) and hi (end) positions: a linear ramp. */
float nn_ramp (int i, int n, int lo, int hi);
/* Adds wx[tx] * wy[ty] * tile (C planes of tw x th) over the cw x ch window
** starting at tile position (dx, dy) into the HWC f32 image dst at (ox, oy). */
void nn_blend_tile (const float *tile, int tw, int th, int C, int dx, int dy, int cw, int ch,
                    const float *wx, const float *wy, SegBuf *dst, int ox, int oy, int threads);
/* Divides each pixel by sx[x] * sy[y] (the summed separable weights). */
void nn_normalise_rows (SegBuf *prob, const float *sx, const float *sy, int threads);
/* Class map: argmax over channels (lowest class on ties), or, for one
** channel, 1 where the probability exceeds threshold. */
void nn_classes (const SegBuf *prob, SegBuf *labels, float threshold, int threads);

#endif
