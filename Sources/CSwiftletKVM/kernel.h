/* CSwiftletKVM: constants shared by the C files of the kernel (not seen by Swift). */
#ifndef SWIFTLET_KERNEL_H
#define SWIFTLET_KERNEL_H
#include "include/CSwiftletKVM.h"

int strncmp(const char *a, const char *b, size_t n);  /* libc.c */

#define COM1 0x3f8
#define EXIT_PORT 0xf4
/* The keyboard controller's command port and its "pulse the reset line" command. */
#define I8042_COMMAND 0x64
#define I8042_RESET 0xfe
#define EXIT_FATAL (SWIFTLET_EXIT_FATAL + SWIFTLET_EXIT_BIAS)
#define EXIT_EXCEPTION (SWIFTLET_EXIT_EXCEPTION + SWIFTLET_EXIT_BIAS)
#define LAPIC_BASE 0xfee00000u

/* kvmclock's per-CPU time record and boot wall clock (the KVM paravirtual clock ABI). */
struct pvclock_time {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};
struct pvclock_wall {
    uint32_t version;
    uint32_t sec;
    uint32_t nsec;
};
extern struct pvclock_time kvmclock_time;
extern struct pvclock_wall kvmclock_wall;

void heap_init(uint64_t start, uint64_t end);
#endif
