/* status.c — names of the kernel status codes, and the contract-check
** failure of the sanitizer builds. */
#include <stdio.h>
#include <stdlib.h>
#include "core/segk.h"

const char *seg_strerror (int status) {
  switch (status) {
    case SEG_OK: return "success";
    case SEG_ENOMEM: return "not enough memory";
    case SEG_EINVAL: return "invalid argument";
    default: return "unknown error";
  }
}

#ifdef SEG_CHECKS
void seg_assert_fail (const char *cond, const char *file, int line) {
  fprintf(stderr, "%s:%d: contract violated: %s\n", file, line, cond);
  abort();
}
#endif
