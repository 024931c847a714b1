/* CSwiftletKVM: the only C that runs in ring 0 (compiled with -mgeneral-regs-only: under kvm-pvm ring-0
 * code is emulated and SSE/x87 there aborts, see docs/ARCHITECTURE.md, "The machine under the kvm target"): `kernel_exception` reports a CPU exception
 * on COM1 and exits QEMU. Everything else in ring 0 is the assembly of boot.S.
 */
#include "kernel.h"

static inline void outb0(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb0(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

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
    outb0(EXIT_PORT, swift_trap ? EXIT_FATAL : EXIT_EXCEPTION);
    outb0(I8042_COMMAND, I8042_RESET);  /* no isa-debug-exit: Firecracker ends the VM on this */
    for (;;) __asm__ volatile("cli; hlt");
}
