/* lut.h — a 256-entry byte table applied to bytes (kernel layer, no Lua).
**
**   seg_lut_u8(table, src_row, dst_row, n);    d[i] = table[s[i]], i < n
**
** With AVX-512 VBMI (chosen at run time) 64 bytes go through two 128-entry
** byte permutes and a blend on the top bit; elsewhere a plain loop. */
#ifndef SEG_LUT_H
#define SEG_LUT_H

#include <stddef.h>
#include <stdint.h>

/* s and d may be the same row; otherwise they must not overlap. */
void seg_lut_u8 (const uint8_t *lut, const uint8_t *s, uint8_t *d, size_t n);

#endif
