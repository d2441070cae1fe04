/* io_sniff.c — which codec a byte string is for, from its first bytes. */
#include "io/io.h"

int seg_sniff_format (const uint8_t *d, size_t n) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 8) {
    int png = 1;
    for (int i = 0; i < 8; i++) png &= d[i] == png_sig[i];
    if (png) return SEG_FMT_PNG;
  }
  if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) return SEG_FMT_JPEG;
  /* Netpbm: 'P', the kind digit, whitespace (as OpenCV's check) */
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' &&
      (d[2] == ' ' || (d[2] >= '\t' && d[2] <= '\r')))
    return SEG_FMT_PNM;
  return SEG_FMT_UNKNOWN;
}
