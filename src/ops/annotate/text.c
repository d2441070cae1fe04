/* text.c — bitmap text in the built-in 5x7 font (font5x7.c), clipped. */
#include "annotate.h"

/* Glyph index (0..94) of the character starting at s[*i], advancing *i
** past it: printable ASCII is itself, any other byte '?', and a UTF-8
** lead byte takes its continuation bytes with it (one '?' per code point). */
static int next_glyph (const char *s, size_t len, size_t *i) {
  unsigned char ch = (unsigned char)s[(*i)++];
  if (ch >= 32 && ch <= 126) return ch - 32;
  if (ch >= 0xC0)
    while (*i < len && ((unsigned char)s[*i] & 0xC0) == 0x80) (*i)++;
  return '?' - 32;
}

void seg_text_size (const char *s, size_t len, int64_t scale, int64_t *w, int64_t *h) {
  int64_t cols = 0, maxcols = 0, lines = len > 0;
  for (size_t i = 0; i < len;) {
    if (s[i] == '\n') { i++; lines++; cols = 0; continue; }
    next_glyph(s, len, &i);
    if (++cols > maxcols) maxcols = cols;
  }
  *w = maxcols * SEG_FONT_CW * scale;
  *h = lines * SEG_FONT_CH * scale;
}

/* One glyph cell at (x, y), clipped: the background over the whole cell,
** then each set font pixel as a scale x scale block. */
static void cell (SegBuf *b, int64_t x, int64_t y, int g, int64_t scale,
                  const SegInk *fg, const SegInk *bg) {
  if (bg) {
    int64_t r0 = y < 0 ? -y : 0, r1 = SEG_FONT_CH * scale;
    if (r1 > b->h - y) r1 = b->h - y;
    for (int64_t r = r0; r < r1; r++)
      seg_draw_span(b, y + r, x, x + SEG_FONT_CW * scale - 1, bg);
  }
  for (int row = 0; row < 7; row++) {
    uint8_t bits = seg_font5x7[g][row];
    int64_t y0 = y + row * scale;
    if (!bits || y0 + scale <= 0 || y0 >= b->h) continue;
    for (int col = 0; col < 5; col++) {
      if (!(bits & (0x10 >> col))) continue;
      int64_t x0 = x + col * scale, r0 = y0 < 0 ? -y0 : 0, r1 = scale;
      if (r1 > b->h - y0) r1 = b->h - y0;
      for (int64_t r = r0; r < r1; r++)
        seg_draw_span(b, y0 + r, x0, x0 + scale - 1, fg);
    }
  }
}

void seg_draw_text (SegBuf *b, int64_t x, int64_t y, const char *s, size_t len,
                    int64_t scale, const SegInk *fg, const SegInk *bg) {
  const int64_t cw = SEG_FONT_CW * scale, ch = SEG_FONT_CH * scale;
  int64_t cx = x, cy = y;
  for (size_t i = 0; i < len;) {
    if (s[i] == '\n') { i++; cx = x; cy += ch; continue; }
    /* a line above or below the buffer, or the rest of a line past its
    ** right edge, is skipped without drawing */
    if (cy >= b->h || cx >= b->w) {
      while (i < len && s[i] != '\n') i++;
      continue;
    }
    int g = next_glyph(s, len, &i);
    if (cy + ch > 0 && cx + cw > 0) cell(b, cx, cy, g, scale, fg, bg);
    cx += cw;
  }
}
