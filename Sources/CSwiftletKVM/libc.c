/* CSwiftletKVM: the C library functions the Embedded Swift runtime, its concurrency runtime and the
 * kernel use, and nothing more: memory and string primitives, a small vsnprintf for runtime error
 * messages, stdio onto COM1, the clocks, randomness for hash seeds, abort and exit.
 * Runs in ring 3 (SSE is fine here); the copies use `rep movsb`/`rep stosb`, which are fast on CPUs
 * with ERMS and run natively under kvm-pvm.
 */
#include <stdarg.h>
#include "kernel.h"

void *memcpy(void *restrict d, const void *restrict s, size_t n) {
    void *r = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return r;
}

void *memmove(void *d, const void *s, size_t n) {
    if ((uintptr_t)d - (uintptr_t)s >= n) return memcpy(d, s, n);  /* no harmful overlap */
    void *r = d;
    const uint8_t *sl = (const uint8_t *)s + n - 1;
    uint8_t *dl = (uint8_t *)d + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(dl), "+S"(sl), "+c"(n) : : "memory");
    return r;
}

void *memset(void *d, int c, size_t n) {
    void *r = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return r;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i]) return (uint8_t)a[i] - (uint8_t)b[i];
    }
    return 0;
}

char *strncpy(char *d, const char *s, size_t n) {
    size_t i = 0;
    for (; i < n && s[i]; i++) d[i] = s[i];
    for (; i < n; i++) d[i] = 0;
    return d;
}

/* ---- stdio onto the serial console ---- */

typedef struct { int unused; } FILE;
static FILE console_file;
FILE *stdout = &console_file, *stderr = &console_file;

int putchar(int c) {
    uint8_t b = (uint8_t)c;
    swiftlet_serial_write(&b, 1);
    return c;
}
int fputs(const char *s, FILE *f) { (void)f; swiftlet_serial_write((const uint8_t *)s, strlen(s)); return 0; }
int puts(const char *s) { fputs(s, stdout); putchar('\n'); return 0; }
int fflush(FILE *f) { (void)f; return 0; }
size_t fwrite(const void *p, size_t size, size_t count, FILE *f) {
    (void)f;
    swiftlet_serial_write(p, size * count);
    return count;
}

/* A small vsnprintf: %d %i %u %x %X %p %s %c %% with l/ll/z/j/t/h/hh, width, '0', '-', and precision. */
struct sink { char *buffer; size_t size, length; };
static void emit(struct sink *s, char c) {
    if (s->length + 1 < s->size) s->buffer[s->length] = c;
    s->length++;
}

int vsnprintf(char *buffer, size_t size, const char *format, va_list args) {
    struct sink s = {buffer, size, 0};
    for (const char *f = format; *f; f++) {
        if (*f != '%') { emit(&s, *f); continue; }
        f++;
        int left = 0, zero = 0, width = 0, precision = -1, longs = 0;
        for (;; f++) {
            if (*f == '-') left = 1;
            else if (*f == '0') zero = 1;
            else if (*f == ' ' || *f == '+' || *f == '#') {}
            else break;
        }
        if (*f == '*') { width = va_arg(args, int); f++; }
        while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        if (*f == '.') {
            f++;
            precision = 0;
            if (*f == '*') { precision = va_arg(args, int); f++; }
            while (*f >= '0' && *f <= '9') precision = precision * 10 + (*f++ - '0');
        }
        while (*f == 'l' || *f == 'z' || *f == 'j' || *f == 't' || *f == 'h') { if (*f != 'h') longs = 1; f++; }
        char digits[24];
        int n = 0, negative = 0;
        const char *text = 0;
        switch (*f) {
        case 'd': case 'i': {
            long long v = longs ? va_arg(args, long long) : va_arg(args, int);
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            negative = v < 0;
            do { digits[n++] = (char)('0' + u % 10); u /= 10; } while (u);
            break;
        }
        case 'u': case 'x': case 'X': case 'p': {
            unsigned long long u = *f == 'p' ? (unsigned long long)(uintptr_t)va_arg(args, void *)
                                 : longs ? va_arg(args, unsigned long long) : va_arg(args, unsigned);
            unsigned base = *f == 'u' ? 10 : 16;
            const char *alphabet = *f == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            do { digits[n++] = alphabet[u % base]; u /= base; } while (u);
            if (*f == 'p') { digits[n++] = 'x'; digits[n++] = '0'; }
            break;
        }
        case 's':
            text = va_arg(args, const char *);
            if (!text) text = "(null)";
            break;
        case 'c':
            digits[n++] = (char)va_arg(args, int);
            break;
        case '%':
            digits[n++] = '%';
            break;
        default:
            if (!*f) f--;
            continue;
        }
        int length = text ? (int)strlen(text) : n + negative;
        if (text && precision >= 0 && precision < length) length = precision;
        int pad = width > length ? width - length : 0;
        if (!left && !(zero && !text)) while (pad-- > 0) emit(&s, ' ');
        if (negative) emit(&s, '-');
        if (!left && zero && !text) while (pad-- > 0) emit(&s, '0');
        if (text) for (int i = 0; i < length; i++) emit(&s, text[i]);
        else while (n) emit(&s, digits[--n]);
        if (left) while (pad-- > 0) emit(&s, ' ');
    }
    if (size) buffer[s.length < size ? s.length : size - 1] = 0;
    return (int)s.length;
}

int snprintf(char *buffer, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(buffer, size, format, args);
    va_end(args);
    return n;
}

int vprintf(const char *format, va_list args) {
    char line[512];
    int n = vsnprintf(line, sizeof line, format, args);
    fputs(line, stdout);
    return n;
}

int printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vprintf(format, args);
    va_end(args);
    return n;
}

int fprintf(FILE *f, const char *format, ...) {
    (void)f;
    va_list args;
    va_start(args, format);
    int n = vprintf(format, args);
    va_end(args);
    return n;
}

/* ---- process, time, errors, randomness ---- */

static int error_number;
int *__errno_location(void) { return &error_number; }

void abort(void) { swiftlet_panic("abort() called (a fatal error in the Swift runtime; its message is above)", SWIFTLET_EXIT_FATAL); }
void exit(int status) { swiftlet_exit(status); }

struct timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock, struct timespec *t) {
    if (clock == 0) {  /* CLOCK_REALTIME */
        int64_t ns = swiftlet_wall_ns();
        t->tv_sec = (long)(ns / 1000000000);
        t->tv_nsec = (long)(ns % 1000000000);
    } else {
        uint64_t ns = swiftlet_monotonic_ns();
        t->tv_sec = (long)(ns / 1000000000u);
        t->tv_nsec = (long)(ns % 1000000000u);
    }
    return 0;
}
int clock_getres(int clock, struct timespec *t) { (void)clock; t->tv_sec = 0; t->tv_nsec = 1; return 0; }
int nanosleep(const struct timespec *request, struct timespec *remaining) {
    (void)remaining;
    uint64_t until = swiftlet_monotonic_ns() + (uint64_t)request->tv_sec * 1000000000u + (uint64_t)request->tv_nsec;
    while (swiftlet_monotonic_ns() < until) swiftlet_block(until);
    return 0;
}

/* Hash seeds for the standard library: hardware randomness; the TSC (weak) where there is none. */
void arc4random_buf(void *buffer, size_t count) {
    if (swiftlet_hardware_random(buffer, count)) return;
    uint64_t x = swiftlet_rdtsc() | 1;
    for (size_t i = 0; i < count; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        ((uint8_t *)buffer)[i] = (uint8_t)x;
    }
}

double ceil(double x) {
    double t = (double)(long long)x;
    if (x >= 9007199254740992.0 || x <= -9007199254740992.0 || x != x) return x;
    return t < x ? t + 1 : t;
}

uintptr_t __stack_chk_guard = 0x5357494654464c54ull;
void __stack_chk_fail(void) { swiftlet_panic("stack smashing detected", SWIFTLET_EXIT_FATAL); }
void __cxa_pure_virtual(void) { swiftlet_panic("pure virtual function called", SWIFTLET_EXIT_FATAL); }

/* The concurrency runtime's task-group queue is a std::vector; growing one past its maximum size calls
 * this (C++ exceptions do not exist here). */
__attribute__((noreturn)) void _ZSt20__throw_length_errorPKc(const char *what) {
    (void)what;
    swiftlet_panic("std::length_error in the concurrency runtime", SWIFTLET_EXIT_FATAL);
}
