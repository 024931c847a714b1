/* The kvm kernel's heap (Sources/CSwiftletKVM/malloc.c) on the host: run by Tests/Kernel/run.
 *
 * malloc.c is compiled here with its public names prefixed (kernel_malloc, ...) over a 64 MiB arena.
 * Checks: alignment (16, and posix_memalign up to a page), usable sizes, that live blocks never
 * overlap (each block is filled with its own tag and checked before it is freed), that freed memory
 * is reused (the heap does not grow across rounds of the same load), coalescing of large blocks,
 * and the out-of-memory panic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

void *kernel_malloc(size_t);
void kernel_free(void *);
void *kernel_realloc(void *, size_t);
void *kernel_calloc(size_t, size_t);
int kernel_posix_memalign(void **, size_t, size_t);
size_t kernel_malloc_usable_size(void *);
void heap_init(uint64_t start, uint64_t end);
size_t swiftlet_heap_in_use(void);
void *swiftlet_alloc_pages(size_t);

static jmp_buf panicked;
static char panic_message[256];
static int panic_status;
void swiftlet_panic(const char *message, int status) {
    snprintf(panic_message, sizeof panic_message, "%s", message);
    panic_status = status;
    longjmp(panicked, 1);
}

static int failures;
#define CHECK(c, ...) do { if (!(c)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

struct block { uint8_t *p; size_t size; uint8_t tag; };

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static size_t random_size(void) {
    switch (next() % 8) {
    case 0: return next() % 16 + 1;
    case 1: case 2: case 3: return next() % 256 + 1;
    case 4: case 5: return next() % 2048 + 1;
    case 6: return next() % 20000 + 1;
    default: return next() % 300000 + 1;
    }
}

int main(void) {
    size_t arena_size = 64u << 20;
    uint8_t *arena = aligned_alloc(1u << 16, arena_size);
    memset(arena, 0xa5, arena_size);  /* the heap must not rely on zeroed memory */
    heap_init((uint64_t)(uintptr_t)arena, (uint64_t)(uintptr_t)arena + arena_size);

    /* Large blocks coalesce (on the fresh heap, where they are neighbours): freed in an order that needs
     * merging on both sides, they serve one block as big as all three. */
    uint8_t *a = kernel_malloc(1 << 20), *b = kernel_malloc(1 << 20), *c = kernel_malloc(1 << 20);
    CHECK(b == a + (1 << 20) && c == b + (1 << 20), "fresh large blocks are not neighbours");
    uint8_t *guard = kernel_malloc(1 << 20);  /* keeps the run from merging with the top */
    kernel_free(a); kernel_free(c); kernel_free(b);
    uint8_t *big = kernel_malloc(3 << 20);
    CHECK(big == a, "three freed 1 MiB neighbours were not reused for one 3 MiB block (%p, %p)", (void *)big, (void *)a);
    kernel_free(big);
    kernel_free(guard);

    enum { LIVE = 2000 };
    static struct block live[LIVE];
    size_t high_water[4] = {0};
    for (int round = 0; round < 4; round++) {
        for (int step = 0; step < 200000; step++) {
            struct block *b = &live[next() % LIVE];
            if (b->p) {
                for (size_t i = 0; i < b->size; i++) {
                    if (b->p[i] != b->tag) { CHECK(0, "block %p of %zu bytes overwritten at %zu", (void *)b->p, b->size, i); break; }
                }
                kernel_free(b->p);
                b->p = NULL;
            } else {
                b->size = random_size();
                b->p = kernel_malloc(b->size);
                CHECK(((uintptr_t)b->p & 15) == 0, "malloc(%zu) = %p is not 16-aligned", b->size, (void *)b->p);
                CHECK(kernel_malloc_usable_size(b->p) >= b->size, "usable size %zu < %zu", kernel_malloc_usable_size(b->p), b->size);
                b->tag = (uint8_t)next();
                memset(b->p, b->tag, b->size);
            }
            if (swiftlet_heap_in_use() > high_water[round]) high_water[round] = swiftlet_heap_in_use();
        }
    }
    /* The same random load, round after round: freed blocks are reused, so the peak stays put. */
    CHECK(high_water[3] <= high_water[0] * 5 / 4, "peak use grew from %zu to %zu bytes", high_water[0], high_water[3]);
    for (int i = 0; i < LIVE; i++) { if (live[i].p) kernel_free(live[i].p); live[i].p = NULL; }
    CHECK(swiftlet_heap_in_use() == 0, "%zu bytes in use after freeing everything", swiftlet_heap_in_use());

    /* Alignment requests. */
    size_t alignments[] = {32, 64, 128, 256, 1024, 4096};
    for (size_t i = 0; i < sizeof alignments / sizeof *alignments; i++) {
        for (size_t size = 1; size < 10000; size = size * 3 + 1) {
            void *p = NULL;
            CHECK(kernel_posix_memalign(&p, alignments[i], size) == 0, "posix_memalign(%zu, %zu) failed", alignments[i], size);
            CHECK(((uintptr_t)p & (alignments[i] - 1)) == 0, "posix_memalign(%zu, %zu) = %p", alignments[i], size, p);
            memset(p, 1, size);
            kernel_free(p);
        }
    }
    void *p = NULL;
    CHECK(kernel_posix_memalign(&p, 24, 8) == 22, "an alignment that is not a power of two is EINVAL");


    /* realloc keeps the contents; calloc zeroes. */
    uint8_t *r = kernel_malloc(100);
    for (int i = 0; i < 100; i++) r[i] = (uint8_t)i;
    r = kernel_realloc(r, 5000);
    for (int i = 0; i < 100; i++) CHECK(r[i] == i, "realloc lost byte %d", i);
    kernel_free(r);
    uint8_t *z = kernel_calloc(1000, 3);
    for (int i = 0; i < 3000; i++) if (z[i]) { CHECK(0, "calloc byte %d is %d", i, z[i]); break; }
    kernel_free(z);

    /* Exhaustion is a panic with the out-of-memory code, not a NULL. */
    if (!setjmp(panicked)) {
        for (;;) kernel_malloc(1 << 20);
    }
    CHECK(panic_status == 102, "out of memory exited %d, want 102", panic_status);
    CHECK(strstr(panic_message, "out of memory") != NULL, "panic said '%s'", panic_message);

    printf("heap: %s (peak in use per round: %zu %zu %zu %zu bytes)\n", failures ? "FAILED" : "ok",
           high_water[0], high_water[1], high_water[2], high_water[3]);
    return failures ? 1 : 0;
}
