/* csv.c — numbers and quoting for CSV output. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csv.h"

/* snprintf and strtod follow LC_NUMERIC, which the host may have set: the
** locale's decimal point is swapped for '.' after the round-trip check. */
size_t seg_csv_double (char *buf, double v) {
  if (v != v) return (size_t)snprintf(buf, SEG_CSV_NUMBUF, "NaN");
  if (isinf(v)) return (size_t)snprintf(buf, SEG_CSV_NUMBUF, v > 0 ? "inf" : "-inf");
  int n = 0;
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(buf, SEG_CSV_NUMBUF, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  const char *dp = localeconv()->decimal_point;
  if (dp && dp[0] && dp[0] != '.' && dp[1] == '\0') {
    char *p = strchr(buf, dp[0]);
    if (p) *p = '.';
  }
  return (size_t)n;
}

size_t seg_csv_int (char *buf, int64_t v) {
  return (size_t)snprintf(buf, SEG_CSV_NUMBUF, "%lld", (long long)v);
}

int seg_csv_needs_quotes (const char *s, size_t n, char sep) {
  for (size_t i = 0; i < n; i++)
    if (s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n') return 1;
  return 0;
}
