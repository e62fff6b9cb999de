/*
 * For `make sanitize` (TSAN): Rust's ThreadSanitizer instrumentation (LLVM)
 * calls __tsan_memcpy, __tsan_memmove and __tsan_memset, which gcc 12's
 * libtsan predates. Each forwards to the C function, which libtsan
 * intercepts and checks like any other access.
 */
#include <stddef.h>
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n);
void *__tsan_memmove(void *dst, const void *src, size_t n);
void *__tsan_memset(void *dst, int c, size_t n);

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
