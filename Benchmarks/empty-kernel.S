/* The empty kernel of Benchmarks/boot.sh: a PVH entry that leaves QEMU at once through isa-debug-exit
 * (status 33, the kernel's exit 0), so that a run of it measures QEMU's own start and stop. */
#include "pvh_note.h"
PVH_ENTRY_NOTE(pvh_start)

        .section .text.boot, "ax"
        .code32
        .globl pvh_start
pvh_start:
        movb $16, %al
        outb %al, $0xf4
1:      hlt
        jmp 1b
