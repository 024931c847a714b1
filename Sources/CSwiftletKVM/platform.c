/* CSwiftletKVM: the ring-3 side of the platform: start-up, the console, the clocks, the gate's callers,
 * interrupt routing, randomness and exit.
 *
 * Start-up (`ring3_start`) does natively what ring 0 left (boot.S): fills the IDT, builds the page
 * tables and loads them through the gate, reads the CPU's features and registers kvmclock; then reads
 * `struct hvm_start_info` (Xen's PVH ABI: magic 0x336ec578, the command line at offset 24, the memory
 * map at offsets 40/48 from version 1), gives the largest RAM region above the kernel to the heap,
 * calibrates the TSC (kvmclock's scale where present, PIT channel 0 otherwise), and calls the generated
 * Swift `main` with the command line split into words. Under kvm-pvm every port or MMIO access, CPUID
 * and first touch of a page is a VM exit (50-100 us), so boot does as few as it can and defers the
 * rest (the local APIC, the wall clock) to first use.
 */
#include "kernel.h"

extern int main(int argc, char **argv);
extern uint64_t pml4[512], pdpt[512], page_directories[4 * 512];
extern struct idt_gate { uint16_t offset_low, selector; uint8_t ist, type; uint16_t offset_middle; uint32_t offset_high, reserved; } idt[256];
extern const uint64_t interrupt_handlers[256];

struct kernel_info kernel_info;
struct pvclock_time kvmclock_time __attribute__((aligned(64)));
struct pvclock_wall kvmclock_wall __attribute__((aligned(16)));
extern char __kernel_end[];
extern uint64_t pvh_start_info;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* ---- Console ---- */

/* COM1 as QEMU emulates it: the transmitter takes each byte at once, so the line status is checked once
 * per call rather than per byte (each port access is a VM exit: about 100 us under kvm-pvm). One `outb`
 * per byte: `rep outsb` is slower under kvm-pvm (each byte is still an exit, plus string emulation). What
 * bounds the cost is the console reporter's byte budget on kvm (Boot.startLogging). */
void swiftlet_serial_write(const uint8_t *bytes, size_t count) {
    if (!kernel_info.first_output_tsc) kernel_info.first_output_tsc = swiftlet_rdtsc();
    for (int i = 0; i < 100000 && !(swiftlet_inb(COM1 + 5) & 0x20); i++) {}
    for (size_t i = 0; i < count; i++) {
        if (bytes[i] == '\n') swiftlet_outb(COM1, '\r');
        swiftlet_outb(COM1, bytes[i]);
    }
}

static void say(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    swiftlet_serial_write((const uint8_t *)s, n);
}

static void say_number(uint64_t v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    char out[24];
    for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    swiftlet_serial_write((const uint8_t *)out, (size_t)n);
}

/* ---- Exit ---- */

static uint64_t ns_per_tick_mult;  /* nanoseconds per TSC tick, as a 32.32 fixed-point number */

static uint64_t ticks_per_ns_mult;  /* TSC ticks per nanosecond, 32.32 */
static uint64_t ring3_tsc, main_tsc;  /* for the boot report */

static uint64_t tsc_to_us(uint64_t ticks) {
    return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_mult) >> 32) / 1000u;
}

uint64_t swiftlet_boot_microseconds(int stage) {
    switch (stage) {
    case 0: return tsc_to_us(ring3_tsc - entry_tsc);
    case 1: return tsc_to_us(main_tsc - entry_tsc);
    default: return kernel_info.first_output_tsc ? tsc_to_us(kernel_info.first_output_tsc - entry_tsc) : 0;
    }
}

/* Boot timing and memory, for `Benchmarks/run boot` (kernel flag `--report boot`). */
static void boot_report(void) {
    uint64_t now = swiftlet_rdtsc();
    say("kernel: boot report: entry to ring 3 ");
    say_number(tsc_to_us(ring3_tsc - entry_tsc));
    say(" us, to main ");
    say_number(tsc_to_us(main_tsc - entry_tsc));
    say(" us, to first output ");
    say_number(kernel_info.first_output_tsc ? tsc_to_us(kernel_info.first_output_tsc - entry_tsc) : 0);
    say(" us, to exit ");
    say_number(tsc_to_us(now - entry_tsc));
    say(" us; heap in use ");
    say_number(swiftlet_heap_in_use());
    say(" bytes\n");
}

void swiftlet_exit(int status) {
    if (kernel_info.report_boot) boot_report();
    if (status < 0 || status > 111) status = 99;
    swiftlet_outb(EXIT_PORT, (uint8_t)(status + SWIFTLET_EXIT_BIAS));
    /* Still here: no isa-debug-exit (Firecracker has none, nor a QEMU started without it). The status
     * goes to the console, then the i8042's CPU reset, which Firecracker takes as the end of the VM
     * (as QEMU does with -no-reboot where the machine has an i8042); where nothing answers, halt. */
    say("\nkernel: exit ");
    say_number((uint64_t)status);
    say(" (no isa-debug-exit device at 0xf4 to report it)\n");
    swiftlet_outb(I8042_COMMAND, I8042_RESET);
    say("kernel: no i8042 reset either; halting\n");
    for (;;) swiftlet_block(UINT64_MAX);
}

void swiftlet_panic(const char *message, int status) {
    say("\npanic: ");
    say(message);
    say("\n");
    swiftlet_exit(status);
}

/* ---- The gate and the CPU ---- */

static void gate(uint64_t operation, uint64_t a, uint64_t b) {
    uint64_t ignored;
    __asm__ volatile("int3" : "=a"(ignored), "+d"(b) : "D"(operation), "S"(a) : "rcx", "memory");
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* ---- Time ---- */

uint64_t swiftlet_monotonic_ns(void) {
    uint64_t delta = swiftlet_rdtsc() - kernel_info.boot_tsc;
    return (uint64_t)(((unsigned __int128)delta * ns_per_tick_mult) >> 32);
}

uint64_t swiftlet_tsc_at(uint64_t ns) {
    unsigned __int128 ticks = ((unsigned __int128)ns * ticks_per_ns_mult) >> 32;
    if (ticks > UINT64_MAX - kernel_info.boot_tsc) return UINT64_MAX;
    return kernel_info.boot_tsc + (uint64_t)ticks;
}

/* kvmclock: system time in ns for `tsc`, under the record's version seqlock. */
static uint64_t kvmclock_ns(uint64_t *tsc_out) {
    volatile struct pvclock_time *t = &kvmclock_time;
    uint32_t version;
    uint64_t ns, tsc;
    do {
        version = t->version;
        __asm__ volatile("" ::: "memory");
        tsc = swiftlet_rdtsc();
        uint64_t delta = tsc - t->tsc_timestamp;
        int8_t shift = t->tsc_shift;
        if (shift < 0) delta >>= -shift; else delta <<= shift;
        ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != t->version);
    *tsc_out = tsc;
    return ns;
}

/* TSC ticks per second from PIT channel 0 (1.193182 MHz), for hypervisors without kvmclock (TCG):
 * count down from 65535 in mode 2 and time 2386 PIT ticks (2 ms) with the TSC, reading the counter
 * with latch commands (microvm has no port 0x61 for the channel-2 gate method). */
static uint16_t pit_read(void) {
    swiftlet_outb(0x43, 0x00);  /* latch channel 0 */
    uint8_t lo = swiftlet_inb(0x40);
    return (uint16_t)(lo | swiftlet_inb(0x40) << 8);
}

static uint64_t pit_calibrate(void) {
    const uint16_t span = 2386;
    swiftlet_outb(0x43, 0x34);  /* channel 0, low then high byte, mode 2 */
    swiftlet_outb(0x40, 0xff);
    swiftlet_outb(0x40, 0xff);
    uint16_t first = pit_read(), now = first;
    uint64_t t0 = swiftlet_rdtsc(), t1 = t0;
    for (uint32_t i = 0; i < 10000000u; i++) {
        now = pit_read();
        t1 = swiftlet_rdtsc();
        if (now <= first && first - now >= span) break;
        if (now > first) { first = now; t0 = t1; }  /* wrapped or not yet loaded: start again */
    }
    uint16_t ticks = (uint16_t)(first - now);
    return ticks ? (t1 - t0) * 1193182u / ticks : 0;
}

static uint8_t cmos(uint8_t reg) {
    swiftlet_outb(0x70, reg);
    return swiftlet_inb(0x71);
}

/* The RTC as seconds since the epoch (used only without kvmclock). */
static int64_t rtc_seconds(void) {
    while (cmos(0x0a) & 0x80) {}
    uint8_t sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), day = cmos(0x07), mon = cmos(0x08), year = cmos(0x09);
    uint8_t century = cmos(0x32);
    uint8_t b = cmos(0x0b);
    if (!(b & 0x04)) {
#define BCD(x) (uint8_t)(((x) & 0x0f) + ((x) >> 4) * 10)
        sec = BCD(sec); min = BCD(min); hour = BCD(hour & 0x7f) | (hour & 0x80); day = BCD(day); mon = BCD(mon);
        year = BCD(year); century = BCD(century);
#undef BCD
    }
    if (!(b & 0x02) && (hour & 0x80)) hour = (uint8_t)(((hour & 0x7f) + 12) % 24);
    int64_t y = (century >= 19 && century <= 21 ? century : 20) * 100 + year;
    int64_t m = mon;
    /* days from civil (proleptic Gregorian), for 1970-01-01 = 0 */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + min * 60 + sec;
}

static uint64_t boot_system_ns;  /* kvmclock's system time at boot_tsc */

/* The wall time at boot, read the first time someone asks: kvmclock's boot wall clock (MSR 0x4b564d00:
 * the wall time at system time 0) where present, the CMOS clock otherwise. */
static void wall_clock_init(void) {
    static int done;
    if (done) return;
    done = 1;
    if (kernel_info.has_kvmclock) {
        gate(3, 0x4b564d00, (uint64_t)(uintptr_t)&kvmclock_wall);
        volatile struct pvclock_wall *w = &kvmclock_wall;
        kernel_info.boot_wall_ns = (int64_t)w->sec * 1000000000 + w->nsec + (int64_t)boot_system_ns;
    } else {
        kernel_info.boot_wall_ns = rtc_seconds() * 1000000000;
    }
}

int64_t swiftlet_wall_ns(void) {
    wall_clock_init();
    return kernel_info.boot_wall_ns + (int64_t)swiftlet_monotonic_ns();
}

static void clock_init(void) {
    if (kernel_info.has_kvmclock && kvmclock_time.tsc_to_system_mul) {
        volatile struct pvclock_time *t = &kvmclock_time;
        uint32_t mul = t->tsc_to_system_mul;
        int8_t shift = t->tsc_shift;
        /* ns = ticks * 2^shift * mul / 2^32  =>  Hz = 10^9 * 2^32 / (mul * 2^shift) */
        uint64_t hz = (1000000000ull << 32) / mul;  /* fits: 10^9 * 2^32 < 2^63 */
        kernel_info.tsc_hz = shift < 0 ? hz << -shift : hz >> shift;
        uint64_t tsc;
        boot_system_ns = kvmclock_ns(&tsc);
        kernel_info.boot_tsc = tsc;
    } else {
        kernel_info.tsc_hz = pit_calibrate();
        kernel_info.boot_tsc = swiftlet_rdtsc();
    }
    if (kernel_info.tsc_hz == 0) swiftlet_panic("the TSC does not tick", SWIFTLET_EXIT_BOOT);
    ns_per_tick_mult = (1000000000ull << 32) / kernel_info.tsc_hz;
    ticks_per_ns_mult = (kernel_info.tsc_hz / 1000000000u << 32) + ((kernel_info.tsc_hz % 1000000000u) << 32) / 1000000000u;
}

/* ---- Interrupts and the yield gate ---- */

static inline void lapic_write(uint32_t reg, uint32_t v) { swiftlet_mmio_write32(LAPIC_BASE + reg, v); }

/* The local APIC, set up the first time the kernel blocks or a device interrupt is routed (an
 * application that prints first does not wait for it; every access is a VM exit): on, LINT0 masked (KVM resets it to ExtINT, which would let
 * the 8259s in), the timer on vector 0x20 in TSC-deadline mode where the CPU has it, one-shot at
 * divide-by-1 otherwise. The other local vectors reset masked; with LINT0 masked the 8259s cannot
 * interrupt, so they are left alone. */
static void lapic_init(void) {
    static int done;
    if (done) return;
    done = 1;
    swiftlet_cpu_features();
    lapic_write(0xf0, 0x1ff);       /* software enable, spurious vector 0xff */
    lapic_write(0x350, 0x10000);    /* LINT0 masked */
    if (kernel_info.has_tsc_deadline) {
        lapic_write(0x320, 0x20 | (2u << 17));
    } else {
        lapic_write(0x3e0, 0xb);
        lapic_write(0x320, 0x20);
    }
}

uint64_t swiftlet_take_interrupts(void) {
    extern uint64_t pending_interrupts;
    return __atomic_exchange_n(&pending_interrupts, 0, __ATOMIC_SEQ_CST);
}

uint64_t swiftlet_block(uint64_t deadline_ns) {
    uint64_t mode = 0, value = 0, bits;
    lapic_init();
    if (deadline_ns != UINT64_MAX) {
        if (kernel_info.has_tsc_deadline) {
            mode = 1;
            value = swiftlet_tsc_at(deadline_ns);
        } else {
            uint64_t now = swiftlet_monotonic_ns();
            if (deadline_ns <= now) return swiftlet_take_interrupts();
            uint64_t ns = deadline_ns - now;  /* the LAPIC timer counts at 1 GHz with divide-by-1 */
            mode = 2;
            value = ns > 0xffffffffu ? 0xffffffffu : ns;
        }
    }
    __asm__ volatile("int3" : "=a"(bits) : "D"(mode), "S"(value) : "rcx", "rdx", "memory");
    return bits;
}

/* Routes GSI `gsi` to `vector` on the I/O APICs of microvm (GSI 0-23 at 0xfec00000, 24-47 at 0xfec10000). */
void swiftlet_route_irq(uint32_t gsi, uint8_t vector) {
    lapic_init();  /* an edge that reaches a disabled local APIC is lost, and virtio raises only one */
    uint64_t base = gsi >= 24 ? 0xfec10000u : 0xfec00000u;
    uint32_t pin = gsi % 24;
    swiftlet_mmio_write32(base, 0x10 + 2 * pin + 1);
    swiftlet_mmio_write32(base + 0x10, 0);               /* destination: APIC 0 */
    swiftlet_mmio_write32(base, 0x10 + 2 * pin);
    swiftlet_mmio_write32(base + 0x10, vector);          /* fixed, physical, active high, edge, unmasked */
}

/* ---- Randomness ---- */

int swiftlet_hardware_random(uint8_t *buffer, size_t count) {
    swiftlet_cpu_features();
    if (!kernel_info.has_rdseed && !kernel_info.has_rdrand) return 0;
    size_t i = 0;
    while (i < count) {
        uint64_t v = 0;
        unsigned char ok = 0;
        for (int tries = 0; tries < 64 && !ok; tries++) {
            if (kernel_info.has_rdseed) __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
            if (!ok && kernel_info.has_rdrand) __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        }
        if (!ok) return 0;
        for (int b = 0; b < 8 && i < count; b++, i++) buffer[i] = (uint8_t)(v >> (8 * b));
    }
    return 1;
}

/* ---- Arguments ---- */

#define MAX_ARGS 64
static char argument_text[4096];
static char *arguments[MAX_ARGS + 1];
static int argument_count;

/* virtio-mmio devices named on the command line in Linux's form, virtio_mmio.device=SIZE@BASE:IRQ[:ID]
 * (SIZE with an optional K, M or G; BASE hexadecimal after 0x, else decimal; the Linux device ID read
 * and ignored). Firecracker writes one such word per device, as QEMU's microvm does when its ACPI is
 * off, both after whatever the user gave: they are taken out of the arguments wherever they stand. */
#define MAX_MMIO_DEVICES 24
#define MMIO_PREFIX "virtio_mmio.device="
static uint64_t mmio_base[MAX_MMIO_DEVICES];
static uint32_t mmio_irq[MAX_MMIO_DEVICES];
static int mmio_count;

/* The number at *p (decimal, or hexadecimal after 0x; a K, M or G suffix if `suffixes`); moves *p past
 * it. Returns 0 when there is no digit or it passes 64 bits. */
static int parse_number(const char **p, uint64_t *out, int suffixes) {
    const char *s = *p;
    uint64_t radix = 10, value = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) { radix = 16; s += 2; }
    const char *digits = s;
    for (;; s++) {
        uint64_t d;
        if (*s >= '0' && *s <= '9') d = (uint64_t)(*s - '0');
        else if (radix == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f') d = (uint64_t)((*s | 0x20) - 'a' + 10);
        else break;
        if (value > (UINT64_MAX - d) / radix) return 0;
        value = value * radix + d;
    }
    if (s == digits) return 0;
    if (suffixes) {
        int shift = (*s | 0x20) == 'k' ? 10 : (*s | 0x20) == 'm' ? 20 : (*s | 0x20) == 'g' ? 30 : 0;
        if (shift) {
            if (value >> (64 - shift)) return 0;
            value <<= shift;
            s++;
        }
    }
    *p = s;
    *out = value;
    return 1;
}

/* Records the device a `virtio_mmio.device=` word names; 0 when the value is malformed, the IRQ is not
 * an input of the I/O APICs (0-47) or the table is full. */
static int take_mmio_device(const char *value) {
    uint64_t size, base, irq, id;
    if (!parse_number(&value, &size, 1) || size == 0 || *value++ != '@') return 0;
    if (!parse_number(&value, &base, 0) || *value++ != ':') return 0;
    if (!parse_number(&value, &irq, 0) || irq >= 48) return 0;
    if (*value == ':' && (value++, !parse_number(&value, &id, 0))) return 0;
    if (*value || mmio_count == MAX_MMIO_DEVICES) return 0;
    mmio_base[mmio_count] = base;
    mmio_irq[mmio_count++] = (uint32_t)irq;
    return 1;
}

int swiftlet_mmio_device_count(void) { return mmio_count; }
uint64_t swiftlet_mmio_device_base(int i) { return i >= 0 && i < mmio_count ? mmio_base[i] : 0; }
uint32_t swiftlet_mmio_device_irq(int i) { return i >= 0 && i < mmio_count ? mmio_irq[i] : 0; }

static void split_command_line(const char *line) {
    arguments[argument_count++] = "kernel";
    size_t used = 0;
    while (line && *line) {
        while (*line == ' ' || *line == '\t' || *line == '\n') line++;
        if (!*line) break;
        if (argument_count == MAX_ARGS) swiftlet_panic("more than 63 words on the kernel command line", SWIFTLET_EXIT_BOOT);
        char *word = argument_text + used;
        while (*line && *line != ' ' && *line != '\t' && *line != '\n') {
            if (used + 2 > sizeof(argument_text)) swiftlet_panic("the kernel command line is longer than 4 KiB", SWIFTLET_EXIT_BOOT);
            argument_text[used++] = *line++;
        }
        argument_text[used++] = 0;
        if (strncmp(word, MMIO_PREFIX, sizeof(MMIO_PREFIX) - 1) == 0) {
            if (!take_mmio_device(word + sizeof(MMIO_PREFIX) - 1)) {
                say("kernel: '");
                say(word);
                say("' is not SIZE@BASE:IRQ with IRQ below 48 (like " MMIO_PREFIX "4K@0xd0000000:5), or names more than 24 devices\n");
                swiftlet_exit(2);
            }
            used = (size_t)(word - argument_text);
            continue;
        }
        arguments[argument_count++] = word;
    }
    arguments[argument_count] = 0;
}

int swiftlet_argument_count(void) { return argument_count - 1; }
const char *swiftlet_argument(int index) { return index >= 0 && index + 1 < argument_count ? arguments[index + 1] : ""; }

/* ---- The embedded store (store.S, generated by swiftlet build) ---- */

extern const struct swiftlet_store_entry swiftlet_store_entries[];
extern const uint64_t swiftlet_store_count;

const struct swiftlet_store_entry *swiftlet_store_table(size_t *count) {
    *count = (size_t)swiftlet_store_count;
    return swiftlet_store_entries;
}

/* ---- Set-up that ring 0 left to ring 3 (boot.S): it runs natively here ---- */

/* Interrupt gates for every vector (handlers in boot.S); vector 3, the gate, callable from ring 3.
 * Until this has run, any exception is a triple fault: nothing before it may fault. */
static void idt_fill(void) {
    for (int v = 0; v < 256; v++) {
        uint64_t h = interrupt_handlers[v];
        idt[v].offset_low = (uint16_t)h;
        idt[v].selector = 0x08;
        idt[v].ist = 0;
        idt[v].type = v == 3 ? 0xee : 0x8e;
        idt[v].offset_middle = (uint16_t)(h >> 16);
        idt[v].offset_high = (uint32_t)(h >> 32);
        idt[v].reserved = 0;
    }
}

/* The kernel's map: the GiBs below 3 GiB that hold RAM, and the fourth (MMIO, uncached), identity-mapped
 * with 2 MiB pages, except the first 2 MiB, left out so that a null pointer dereference (or any address
 * below the kernel, which is linked at 2 MiB) faults.
 * Built natively in tables that are not in use yet (writes to live page tables trap under kvm-pvm's
 * shadow paging), then loaded through the gate (ring3_start). The kernel is linked at 2 MiB, outside the small pages. */
static void page_tables(uint64_t ram_end) {
    for (int g = 0; g < 4; g++) {
        if (g < 3 && (uint64_t)g << 30 >= ram_end) continue;  /* no RAM in this GiB: left unmapped */
        for (int i = 512 * g; i < 512 * (g + 1); i++) page_directories[i] = (uint64_t)i << 21 | (g == 3 ? 0x9f : 0x87);
        pdpt[g] = (uint64_t)(uintptr_t)&page_directories[512 * g] | 0x7;
    }
    page_directories[0] = 0;
    pml4[0] = (uint64_t)(uintptr_t)pdpt | 0x7;
}

/* What the CPU offers (TSC-deadline timer, RDRAND, RDSEED), read the first time it matters: each CPUID
 * is a VM exit. */
void swiftlet_cpu_features(void) {
    static int done;
    if (done) return;
    done = 1;
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    kernel_info.has_tsc_deadline = (c >> 24) & 1;
    kernel_info.has_rdrand = (c >> 30) & 1;
    cpuid(0, &a, &b, &c, &d);
    if (a >= 7) {
        cpuid(7, &a, &b, &c, &d);
        kernel_info.has_rdseed = (b >> 18) & 1;
    }
}

/* Whether the hypervisor offers kvmclock (registered by the gate call that ends start-up). */
static void kvmclock_detect(void) {
    uint32_t a, b, c, d;
    cpuid(0x40000000, &a, &b, &c, &d);
    /* "KVMKVMKVM\0\0\0". The new kvmclock MSRs (feature bit 3 of leaf 0x40000001) are in every KVM
     * since Linux 2.6.35, so the feature leaf is not read: a CPUID costs a VM exit. */
    kernel_info.has_kvmclock = b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d;
}

/* The end of RAM below 3 GiB in the PVH memory map (0 when there is no map). */
static uint64_t ram_end(const struct hvm_start_info *info) {
    uint64_t end = 0;
    if (info->version >= 1 && info->memmap_paddr && info->memmap_entries) {
        const struct hvm_memmap_entry *e = (const struct hvm_memmap_entry *)(uintptr_t)info->memmap_paddr;
        for (uint32_t i = 0; i < info->memmap_entries; i++) {
            if (e[i].type == 1 && e[i].addr + e[i].size > end) end = e[i].addr + e[i].size;
        }
    }
    return end > 0xc0000000u ? 0xc0000000u : end;
}

static void heap_from_memory_map(const struct hvm_start_info *info) {
    uint64_t kernel_end = ((uint64_t)(uintptr_t)__kernel_end + 4095) & ~4095ull;
    uint64_t best_start = 0, best_end = 0;
    if (info->version >= 1 && info->memmap_paddr && info->memmap_entries) {
        const struct hvm_memmap_entry *e = (const struct hvm_memmap_entry *)(uintptr_t)info->memmap_paddr;
        for (uint32_t i = 0; i < info->memmap_entries; i++) {
            if (e[i].type != 1) continue;
            uint64_t start = e[i].addr, end = e[i].addr + e[i].size;
            if (end > 0xc0000000u) end = 0xc0000000u;   /* only the first 3 GiB are mapped as RAM */
            if (start < kernel_end) start = kernel_end;
            start = (start + 4095) & ~4095ull;
            end &= ~4095ull;
            if (end > start && end - start > best_end - best_start) { best_start = start; best_end = end; }
        }
    }
    if (best_end - best_start < (1u << 20)) swiftlet_panic("no RAM for the heap in the PVH memory map", SWIFTLET_EXIT_BOOT);
    heap_init(best_start, best_end);
}

void ring3_start(void) {
    ring3_tsc = swiftlet_rdtsc();
    idt_fill();
    __asm__ volatile("fninit");
    kernel_info.start_info = (uint32_t)pvh_start_info;
    /* The start info, memory map and command line lie below 2 MiB, which the final map leaves out:
     * everything needed from them is taken first. */
    const struct hvm_start_info *info = (const struct hvm_start_info *)(uintptr_t)kernel_info.start_info;
    if (!info || info->magic != 0x336ec578u) swiftlet_panic("not started by a PVH loader (bad hvm_start_info magic)", SWIFTLET_EXIT_BOOT);
    heap_from_memory_map(info);
    split_command_line((const char *)(uintptr_t)info->cmdline_paddr);
    page_tables(ram_end(info));
    kvmclock_detect();
    /* The new page tables and kvmclock's record (kept current from now on), in one gate call. */
    gate(4, (uint64_t)(uintptr_t)pml4, kernel_info.has_kvmclock ? (uint64_t)(uintptr_t)&kvmclock_time | 1 : 0);
    clock_init();
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();
    main_tsc = swiftlet_rdtsc();
    swiftlet_exit(main(argument_count, arguments));
}
