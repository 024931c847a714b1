/* CSwiftletKVM: what the Swift side of the kvm kernel (SwiftletKVM) calls in C. Everything here runs in
 * ring 3 except where it says so; see boot.S for the shape of the kernel. */
#ifndef CSWIFTLETKVM_H
#define CSWIFTLETKVM_H

#include <stdint.h>
#include <stddef.h>

/* Exit codes of the kernel as `swiftlet run` returns them. QEMU's isa-debug-exit turns a write of v
 * into the process status 2v+1; the kernel writes code + 16, so the status is 2*code + 33 and never
 * collides with QEMU's own 0 (shutdown) and 1 (error). Applications' statuses are 0...99. */
#define SWIFTLET_EXIT_BIAS 16
#define SWIFTLET_EXIT_FATAL 100      /* a Swift runtime error (fatalError, precondition, overflow) */
#define SWIFTLET_EXIT_EXCEPTION 101  /* any other CPU exception */
#define SWIFTLET_EXIT_OOM 102        /* the heap is exhausted */
#define SWIFTLET_EXIT_BOOT 103       /* the boot information is unusable */

/* What the kernel found at boot, readable from Swift. The CPU features are filled by
 * `swiftlet_cpu_features`, on first use. */
struct kernel_info {
    uint32_t start_info;        /* physical address of hvm_start_info */
    uint32_t has_tsc_deadline;
    uint32_t has_kvmclock;
    uint32_t has_rdrand;
    uint32_t has_rdseed;
    uint32_t reserved;
    uint64_t tsc_hz;            /* TSC ticks per second (kvmclock or PIT calibration) */
    uint64_t boot_tsc;          /* TSC at the kernel's entry to ring 3 */
    int64_t boot_wall_ns;       /* wall time at boot_tsc, nanoseconds since the Unix epoch */
    uint64_t first_output_tsc;  /* TSC at the first console output */
    uint32_t report_boot;       /* print the boot report at exit (kernel flag --report boot) */
    uint32_t reserved2;
};
/* TSC at the PVH entry (boot.S). */
extern uint64_t entry_tsc;
extern struct kernel_info kernel_info;
void swiftlet_cpu_features(void);

/* The time, as the kernel's monotonic clock (nanoseconds since boot) and the wall clock. */
uint64_t swiftlet_monotonic_ns(void);
int64_t swiftlet_wall_ns(void);
/* Converts a monotonic instant to a TSC value (for deadlines). */
uint64_t swiftlet_tsc_at(uint64_t monotonic_ns);
static inline uint64_t swiftlet_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Blocks in the yield gate until an interrupt arrives or the monotonic clock reaches `deadline_ns`
 * (UINT64_MAX: no deadline); returns the interrupt bits that were pending (bit n: vector 0x20+n). */
uint64_t swiftlet_block(uint64_t deadline_ns);
/* The pending interrupt bits without blocking (clears them). */
uint64_t swiftlet_take_interrupts(void);

/* Port and memory-mapped I/O. */
static inline void swiftlet_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t swiftlet_inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t swiftlet_mmio_read32(uint64_t address) { return *(volatile uint32_t *)(uintptr_t)address; }
static inline void swiftlet_mmio_write32(uint64_t address, uint32_t v) { *(volatile uint32_t *)(uintptr_t)address = v; }
static inline uint8_t swiftlet_mmio_read8(uint64_t address) { return *(volatile uint8_t *)(uintptr_t)address; }
static inline void swiftlet_barrier(void) { __asm__ volatile("mfence" ::: "memory"); }
/* Loads and stores of ring memory shared with a device (never cached in registers by the compiler). */
static inline uint16_t swiftlet_shared_load16(const void *address) { return *(volatile const uint16_t *)address; }
static inline void swiftlet_shared_store16(void *address, uint16_t v) {
    __asm__ volatile("" ::: "memory");
    *(volatile uint16_t *)address = v;
}

/* Routes GSI `gsi` (24 and up: the second I/O APIC of microvm) to `vector`, edge-triggered. */
void swiftlet_route_irq(uint32_t gsi, uint8_t vector);

/* The serial console (COM1). */
void swiftlet_serial_write(const uint8_t *bytes, size_t count);

/* Hardware randomness: fills `buffer`; returns 0 when the CPU has neither RDSEED nor RDRAND. */
int swiftlet_hardware_random(uint8_t *buffer, size_t count);

/* Leaves QEMU with `status` (0...99 for applications; see the codes above). */
__attribute__((noreturn)) void swiftlet_exit(int status);
/* Prints `message` as a panic and exits with `status`. */
__attribute__((noreturn)) void swiftlet_panic(const char *message, int status);

/* The kernel command line split into words, after the kernel's own name. */
int swiftlet_argument_count(void);
const char *swiftlet_argument(int index);
/* The virtio-mmio devices the command line named (virtio_mmio.device=), in its order; none: probe. */
int swiftlet_mmio_device_count(void);
uint64_t swiftlet_mmio_device_base(int index);
uint32_t swiftlet_mmio_device_irq(int index);

/* Memory: zeroed page-aligned blocks for device rings and buffers (never freed), and heap figures. */
void *swiftlet_alloc_pages(size_t bytes);
size_t swiftlet_heap_size(void);
size_t swiftlet_heap_in_use(void);
/* The heap's high-water mark: bytes of it ever handed out to the allocator's spans and pages. */
size_t swiftlet_heap_high_water(void);
/* Microseconds from the PVH entry to ring 3 (stage 0), to main (1) and to the first console output (2;
 * 0 before there was any), as the boot report prints them. */
uint64_t swiftlet_boot_microseconds(int stage);

/* The files embedded in the image at build time (the `store` device): `swiftlet build` generates them
 * as an assembly file (store.S) with one entry per file; every kernel has the table, maybe empty. */
struct swiftlet_store_entry {
    const char *name;
    uint64_t name_length;
    const uint8_t *data;
    uint64_t size;
};
/* The table and its length. */
const struct swiftlet_store_entry *swiftlet_store_table(size_t *count);

/* The concurrency runtime's run queue: runs the jobs that are ready (jobs they enqueue included, up to 4096
 * in one call); returns how many ran. `swiftlet_jobs_ready` says whether any is waiting. */
size_t swiftlet_run_jobs(void);
int swiftlet_jobs_ready(void);

#endif
