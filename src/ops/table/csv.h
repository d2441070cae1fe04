/* csv.h — CSV text pieces (kernel layer, no Lua): numbers written so that
** they read back to the same value, and RFC 4180 quoting. */
#ifndef SEG_CSV_H
#define SEG_CSV_H

#include <stddef.h>
#include <stdint.h>

#define SEG_CSV_NUMBUF 40

/* The shortest of %.15g, %.16g, %.17g that strtod reads back as v exactly
** (so 0.1 is "0.1", integral values print without a point: 3.0 is "3"),
** with '.' as the decimal point whatever the C locale; "NaN", "inf",
** "-inf" for the non-finite (pandas and Python's float() read them).
** Returns the length written to buf (SEG_CSV_NUMBUF bytes). */
size_t seg_csv_double (char *buf, double v);
size_t seg_csv_int (char *buf, int64_t v);

/* Whether a field must be quoted (RFC 4180): it holds the separator, a
** double quote, CR or LF. Quoting doubles each '"' inside. */
int seg_csv_needs_quotes (const char *s, size_t n, char sep);

#endif
