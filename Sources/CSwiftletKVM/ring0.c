/* CSwiftletKVM: the little that runs in ring 0 (compiled with -mgeneral-regs-only: under kvm-pvm ring-0
 * code is emulated and SSE/x87 there aborts, see DESIGN.md).
 *
 * `kernel_setup` runs once before the drop to ring 3: TSS (RSP0 and an I/O permission bitmap that
 * allows every port, since kvm-pvm ignores IOPL once a TSS is loaded), IDT (every vector; `int3` is the
 * DPL-3 yield gate), both 8259s masked, the local APIC on with LINT0/1 masked and its timer on vector
 * 0x20 (TSC-deadline mode where the CPU has it, one-shot otherwise), kvmclock registered where the
 * hypervisor offers it. `kernel_exception` reports a CPU exception on COM1 and exits QEMU.
 */
#include "kernel.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
    uint8_t iomap[8192 + 1];
} __attribute__((packed));

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

extern uint64_t gdt[];
extern const uint64_t interrupt_handlers[256];
extern char kernel_stack_top[];

static struct tss tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
struct kernel_info kernel_info;
struct pvclock_time kvmclock_time __attribute__((aligned(64)));
struct pvclock_wall kvmclock_wall __attribute__((aligned(16)));

static inline void outb0(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb0(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void wrmsr0(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdmsr0(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid0(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v; }

void kernel_setup(uint32_t start_info) {
    kernel_info.start_info = start_info;

    /* TSS: ring-0 stack for interrupts from ring 3; the bitmap stays all zero = every port allowed. */
    tss.rsp[0] = (uint64_t)(uintptr_t)kernel_stack_top;
    tss.iomap_base = (uint16_t)__builtin_offsetof(struct tss, iomap);
    tss.iomap[8192] = 0xff;
    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof(struct tss) - 1;
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48)
           | (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;

    /* IDT: interrupt gates (interrupts stay off in handlers); vector 3 callable from ring 3. */
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
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));

    /* The 8259s stay masked: interrupts come through the local APIC and the I/O APICs. */
    outb0(0x21, 0xff);
    outb0(0xa1, 0xff);

    uint32_t a, b, c, d;
    cpuid0(1, &a, &b, &c, &d);
    kernel_info.has_tsc_deadline = (c >> 24) & 1;
    kernel_info.has_rdrand = (c >> 30) & 1;
    cpuid0(0, &a, &b, &c, &d);
    if (a >= 7) {
        cpuid0(7, &a, &b, &c, &d);
        kernel_info.has_rdseed = (b >> 18) & 1;
    }

    wrmsr0(0x1b, rdmsr0(0x1b) | (1u << 11));  /* APIC global enable */
    lapic_write(0x80, 0);                       /* task priority: accept everything */
    lapic_write(0xf0, 0x1ff);                   /* software enable, spurious vector 0xff */
    lapic_write(0x350, 0x10000);                /* LINT0 masked */
    lapic_write(0x360, 0x10000);                /* LINT1 masked */
    lapic_write(0x370, 0x10000);                /* error interrupt masked */
    lapic_write(0x3e0, 0xb);                    /* timer divide by 1 */
    lapic_write(0x320, kernel_info.has_tsc_deadline ? (0x20 | (2u << 17)) : 0x20);

    /* kvmclock: the hypervisor keeps `kvmclock_time` current and writes the boot wall time once. */
    cpuid0(0x40000000, &a, &b, &c, &d);
    if (b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d) {  /* "KVMKVMKVM\0\0\0" */
        cpuid0(0x40000001, &a, &b, &c, &d);
        if (a & (1u << 3)) {
            wrmsr0(0x4b564d01, (uint64_t)(uintptr_t)&kvmclock_time | 1);
            wrmsr0(0x4b564d00, (uint64_t)(uintptr_t)&kvmclock_wall);
            kernel_info.has_kvmclock = 1;
        }
    }
}

/* ---- Reporting an exception (ring 0, no libc: every call here stays in this file). ---- */

static void serial_put0(char ch) {
    for (int i = 0; i < 100000 && !(inb0(COM1 + 5) & 0x20); i++) {}
    outb0(COM1, (uint8_t)ch);
}
static void say0(const char *s) { while (*s) serial_put0(*s++); }
static void hex0(uint64_t v) {
    say0("0x");
    for (int shift = 60; shift >= 0; shift -= 4) serial_put0("0123456789abcdef"[(v >> shift) & 0xf]);
}
static void dec0(uint64_t v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) serial_put0(digits[--n]);
}

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection", "page fault", "reserved", "x87 floating point", "alignment check",
    "machine check", "SIMD floating point", "virtualization", "control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "hypervisor injection", "VMM communication", "security",
    "reserved",
};

struct exception_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void kernel_exception(struct exception_frame *f) {
    int ring = (int)(f->cs & 3);
    const uint8_t *code = (const uint8_t *)(uintptr_t)f->rip;
    /* Swift traps (fatalError, precondition, overflow, bad index) are `ud2` in ring 3. */
    int swift_trap = f->vector == 6 && ring == 3 && f->rip < 0x100000000ull && code[0] == 0x0f && code[1] == 0x0b;
    say0("\r\n");
    if (swift_trap) {
        say0("panic: Swift runtime error (fatal error, failed precondition, arithmetic overflow or index out of range)");
    } else {
        say0("panic: CPU exception ");
        dec0(f->vector);
        say0(" (");
        say0(f->vector < 32 ? exception_names[f->vector] : "unexpected interrupt");
        say0(")");
    }
    say0(" in ");
    say0(ring == 3 ? "the application (ring 3)" : "the kernel (ring 0)");
    say0("\r\n  rip ");
    hex0(f->rip);
    say0("  rsp ");
    hex0(f->rsp);
    say0("  error ");
    hex0(f->error);
    if (f->vector == 14) {
        uint64_t cr2;
        __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
        say0("  address ");
        hex0(cr2);
    }
    say0("\r\n  rax ");
    hex0(f->rax);
    say0("  rdi ");
    hex0(f->rdi);
    say0("  rsi ");
    hex0(f->rsi);
    say0("\r\n  (`swiftlet run` names the function at rip; or: llvm-symbolizer --obj KERNEL ADDRESS)\r\n");
    for (;;) outb0(EXIT_PORT, swift_trap ? EXIT_FATAL : EXIT_EXCEPTION);
}
