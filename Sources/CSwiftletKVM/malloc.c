/* CSwiftletKVM: the kernel's heap (malloc, free, posix_memalign, realloc, malloc_usable_size).
 *
 * Small blocks (up to 2048 bytes) come from 24 size classes, each with a free list threaded through the
 * free blocks; a class takes 64 KiB spans of pages and cuts blocks from its newest span as needed. Larger blocks are runs of 4 KiB
 * pages from an address-ordered list of free runs (first fit, coalescing on free), else from the top
 * of the heap. Per page, one byte says which class owns it (0: a large block or free) and one word
 * holds a large block's length, so free() needs no header and large blocks stay page-aligned.
 * Blocks whose alignment is above 16 use the power-of-two classes (every block of class 2^k is 2^k
 * aligned, because spans are 64 KiB aligned) or pages. Exhaustion is a panic with its own exit code.
 * One CPU, no preemption: no locks.
 */
#include "kernel.h"

#define PAGE 4096u
#define SPAN_PAGES 16u
#define SMALL_LIMIT 2048u

static const uint16_t class_size[] = {16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
                                      448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048};
#define CLASSES (sizeof(class_size) / sizeof(class_size[0]))

struct free_block { struct free_block *next; };
struct free_run { struct free_run *next; uint64_t pages; };

static uint64_t heap_base, heap_end, heap_top;  /* [heap_base, heap_top) handed out so far */
static uint8_t *page_class;                     /* class + 1 for pages of small spans */
static uint32_t *large_pages;                   /* pages of the large block starting at this page */
static uint8_t class_of_16ths[SMALL_LIMIT / 16 + 1];
static struct free_block *free_lists[CLASSES];
/* The part of each class's newest span not yet handed out: blocks are cut from it one at a time, so a
 * fresh span's pages are touched only as they are used. */
static uint8_t *span_next[CLASSES], *span_end[CLASSES];
static struct free_run *free_runs;
static size_t bytes_in_use, pages_in_spans;

void heap_init(uint64_t start, uint64_t end) {
    uint64_t pages = (end - start) / PAGE;
    uint64_t classes_bytes = (pages + 7) & ~7ull;
    uint64_t meta = classes_bytes + pages * sizeof(uint32_t);
    page_class = (uint8_t *)(uintptr_t)start;
    large_pages = (uint32_t *)(uintptr_t)(start + classes_bytes);
    /* The metadata of a page is cleared when the top of the heap first passes it (pages_take), not
     * here: touching every metadata page at boot costs a hypervisor exit per page under kvm-pvm. */
    /* spans must be 64 KiB aligned so that class 2^k blocks are 2^k aligned */
    heap_base = start;
    heap_top = (start + meta + SPAN_PAGES * PAGE - 1) & ~(uint64_t)(SPAN_PAGES * PAGE - 1);
    heap_end = end;
    unsigned c = 0;
    for (unsigned i = 0; i <= SMALL_LIMIT / 16; i++) {
        while (class_size[c] < i * 16) c++;
        class_of_16ths[i] = (uint8_t)c;
    }
}

size_t swiftlet_heap_size(void) { return (size_t)(heap_end - heap_base); }
size_t swiftlet_heap_in_use(void) { return bytes_in_use; }
size_t swiftlet_heap_high_water(void) { return (size_t)(heap_top - heap_base); }

static void out_of_memory(size_t request) {
    static char message[160];
    const char *parts[] = {"out of memory: ", 0, " bytes requested, ", 0, " KiB of ", 0, " KiB in use"};
    uint64_t values[] = {request, bytes_in_use / 1024, (heap_end - heap_base) / 1024};
    size_t n = 0;
    for (int p = 0, v = 0; p < 7; p++) {
        if (parts[p]) {
            for (const char *s = parts[p]; *s; s++) message[n++] = *s;
        } else {
            char digits[24];
            int d = 0;
            uint64_t x = values[v++];
            do { digits[d++] = (char)('0' + x % 10); x /= 10; } while (x);
            while (d) message[n++] = digits[--d];
        }
    }
    message[n] = 0;
    swiftlet_panic(message, SWIFTLET_EXIT_OOM);
}

static uint64_t page_index(const void *p) { return ((uint64_t)(uintptr_t)p - heap_base) / PAGE; }

/* A run of `n` pages: first fit among free runs, else from the top. Returns 0 when there is none. */
static void *pages_take(uint64_t n) {
    for (struct free_run **link = &free_runs; *link; link = &(*link)->next) {
        struct free_run *run = *link;
        if (run->pages < n) continue;
        if (run->pages == n) {
            *link = run->next;
        } else {
            struct free_run *rest = (struct free_run *)((uint8_t *)run + n * PAGE);
            rest->next = run->next;
            rest->pages = run->pages - n;
            *link = rest;
        }
        return run;
    }
    if (heap_end - heap_top < n * PAGE) return 0;
    void *p = (void *)(uintptr_t)heap_top;
    uint64_t first = page_index(p);
    for (uint64_t i = first; i < first + n; i++) { page_class[i] = 0; large_pages[i] = 0; }
    heap_top += n * PAGE;
    return p;
}

static void pages_give(void *p, uint64_t n) {
    struct free_run *run = (struct free_run *)p;
    struct free_run **link = &free_runs;
    struct free_run *previous = 0;
    while (*link && *link < run) { previous = *link; link = &(*link)->next; }
    run->pages = n;
    run->next = *link;
    *link = run;
    if (run->next && (uint8_t *)run + run->pages * PAGE == (uint8_t *)run->next) {
        run->pages += run->next->pages;
        run->next = run->next->next;
    }
    if (previous && (uint8_t *)previous + previous->pages * PAGE == (uint8_t *)run) {
        previous->pages += run->pages;
        previous->next = run->next;
    }
}

static void *small_alloc(unsigned c) {
    unsigned size = class_size[c];
    struct free_block *b = free_lists[c];
    if (b) {
        free_lists[c] = b->next;
    } else {
        if (span_end[c] - span_next[c] < (long)size) {
            uint8_t *span = pages_take(SPAN_PAGES);
            if (!span) return 0;
            uint64_t first = page_index(span);
            for (unsigned i = 0; i < SPAN_PAGES; i++) page_class[first + i] = (uint8_t)(c + 1);
            pages_in_spans += SPAN_PAGES;
            span_next[c] = span;
            span_end[c] = span + SPAN_PAGES * PAGE / size * size;
        }
        b = (struct free_block *)span_next[c];
        span_next[c] += size;
    }
    bytes_in_use += size;
    return b;
}

static void *large_alloc(size_t size) {
    uint64_t n = (size + PAGE - 1) / PAGE;
    if (n == 0 || n > 0xffffffffu) return 0;
    void *p = pages_take(n);
    if (!p) return 0;
    large_pages[page_index(p)] = (uint32_t)n;
    bytes_in_use += n * PAGE;
    return p;
}

static void *allocate(size_t size, size_t alignment) {
    if (size == 0) size = 1;
    void *p;
    if (alignment <= 16 && size <= SMALL_LIMIT) {
        p = small_alloc(class_of_16ths[(size + 15) / 16]);
    } else if (alignment <= PAGE) {
        size_t rounded = size < alignment ? alignment : size;
        if (alignment > 16) {  /* the next power of two: its class is aligned to it */
            size_t pow = 16;
            while (pow < rounded) pow <<= 1;
            rounded = pow;
        }
        p = rounded <= SMALL_LIMIT ? small_alloc(class_of_16ths[rounded / 16]) : large_alloc(size);
    } else {
        return 0;
    }
    if (!p) out_of_memory(size);
    return p;
}

void *malloc(size_t size) { return allocate(size, 16); }

void *calloc(size_t count, size_t size) {
    if (size && count > (size_t)-1 / size) return 0;
    uint8_t *p = allocate(count * size, 16);
    for (size_t i = 0; i < count * size; i++) p[i] = 0;
    return p;
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1))) return 22;  /* EINVAL */
    void *p = allocate(size, alignment);
    if (!p) return 12;  /* ENOMEM: alignment above a page */
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    void *p = 0;
    return posix_memalign(&p, alignment < 16 ? 16 : alignment, size) ? 0 : p;
}

size_t malloc_usable_size(void *p) {
    if (!p) return 0;
    uint64_t page = page_index(p);
    uint8_t c = page_class[page];
    return c ? class_size[c - 1] : (size_t)large_pages[page] * PAGE;
}

void free(void *p) {
    if (!p) return;
    uint64_t addr = (uint64_t)(uintptr_t)p;
    if (addr < heap_base || addr >= heap_top) swiftlet_panic("free() of a pointer outside the heap", SWIFTLET_EXIT_FATAL);
    uint64_t page = page_index(p);
    uint8_t c = page_class[page];
    if (c) {
        struct free_block *b = p;
        b->next = free_lists[c - 1];
        free_lists[c - 1] = b;
        bytes_in_use -= class_size[c - 1];
    } else {
        uint32_t n = large_pages[page];
        if (!n || (addr & (PAGE - 1))) swiftlet_panic("free() of a pointer that is not a block", SWIFTLET_EXIT_FATAL);
        large_pages[page] = 0;
        bytes_in_use -= (size_t)n * PAGE;
        pages_give(p, n);
    }
}

void *realloc(void *p, size_t size) {
    if (!p) return malloc(size);
    size_t old = malloc_usable_size(p);
    if (size <= old && size > old / 2) return p;
    uint8_t *q = malloc(size);
    size_t n = old < size ? old : size;
    for (size_t i = 0; i < n; i++) q[i] = ((uint8_t *)p)[i];
    free(p);
    return q;
}

void *swiftlet_alloc_pages(size_t bytes) {
    uint8_t *p = large_alloc(bytes);
    if (!p) out_of_memory(bytes);
    for (size_t i = 0; i < bytes; i++) p[i] = 0;
    return p;
}
