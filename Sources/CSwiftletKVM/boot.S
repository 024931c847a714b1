/* CSwiftletKVM: the kernel's entry, from QEMU's PVH loader to the application in ring 3.
 *
 * PVH boot (Xen's x86/HVM direct boot ABI, which QEMU's `-M microvm -kernel` implements): the loader
 * finds the XEN_ELFNOTE_PHYS32_ENTRY note below, loads the ELF segments at their physical addresses
 * and jumps to the entry in 32-bit protected mode, paging off, with %ebx holding the physical address
 * of `struct hvm_start_info`.
 *
 * Here, with as few ring-0 instructions as possible (kvm-pvm emulates each): identity-map the first
 * 8 MiB (user-accessible: the application runs in ring 3 but is trusted; ring 3 is for speed under kvm-pvm,
 * see docs/ARCHITECTURE.md, "The machine under the kvm target"), enter long mode, load the GDT, the TSS (all-ports I/O bitmap) and the IDT register,
 * then `iretq` to `ring3_start` (platform.c) with IOPL 3 and interrupts off. Ring 3 fills the IDT,
 * refines the page tables, programs the interrupt controllers and asks the gate for the privileged
 * rest (MSRs, CR3). Interrupts are taken only inside the gate (`int3` from ring 3), which arms the
 * timer and halts until an interrupt flags a bit.
 */

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS   0x1b
#define USER_DS   0x23
#define TSS_SEL   0x28
#define LAPIC_EOI 0xfee000b0
#define LAPIC_TMICT 0xfee00380

#include "pvh_note.h"
PVH_ENTRY_NOTE(pvh_start)

        .section .text.boot, "ax"
        .code32
        .globl pvh_start
pvh_start:
        cli
        cld
        rdtsc                           /* the boot report measures from here */
        movl %eax, entry_tsc
        movl %edx, entry_tsc + 4
        movl %ebx, pvh_start_info

        /* A boot map of the first 8 MiB (the kernel, its stacks and tables) in four 2 MiB pages. Under
         * kvm-pvm every ring-0 instruction is emulated (~0.5 us each) and every write to a page table in
         * use traps, so ring 3 builds the full map in tables not yet in use and switches to them
         * through the gate (platform.c). */
        movl $boot_pdpt, %eax
        orl $0x7, %eax
        movl %eax, boot_pml4
        movl $boot_pd, %eax
        orl $0x7, %eax
        movl %eax, boot_pdpt
        movl $0x000087, boot_pd                 /* present, writable, user, 2 MiB */
        movl $0x200087, boot_pd + 8
        movl $0x400087, boot_pd + 16
        movl $0x600087, boot_pd + 24
        movl $boot_pml4, %ebx

        movl %cr4, %eax
        orl $0x620, %eax                /* PAE, OSFXSR, OSXMMEXCPT */
        movl %eax, %cr4
        /* AVX for ring 3 where the CPU has XSAVE and AVX: CR4.OSXSAVE, then XCR0 = x87 | SSE | AVX, so that
         * SwiftletCrypto's AVX2 ChaCha20 may run (it checks OSXSAVE and XCR0 itself). Ring 0 never touches
         * these registers and there is one ring-3 context, so nothing saves or restores them. */
        pushl %ebx
        movl $1, %eax
        cpuid
        popl %ebx
        btl $26, %ecx                   /* XSAVE */
        jnc 1f
        btl $28, %ecx                   /* AVX */
        jnc 1f
        movl %cr4, %eax
        orl $0x40000, %eax              /* OSXSAVE */
        movl %eax, %cr4
        xorl %ecx, %ecx
        xorl %edx, %edx
        movl $7, %eax
        xsetbv
1:
        movl %ebx, %cr3
        movl $0xc0000080, %ecx          /* EFER.LME */
        rdmsr
        orl $0x100, %eax
        wrmsr
        movl %cr0, %eax
        andl $~0x4, %eax                /* no x87 emulation */
        orl $0x80000003, %eax           /* paging, monitor coprocessor, protection */
        movl %eax, %cr0
        lgdt gdt_pointer
        ljmp $KERNEL_CS, $long_mode

        .code64
long_mode:
        movw $KERNEL_DS, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorw %ax, %ax
        movw %ax, %fs
        movw %ax, %gs
        movq $kernel_stack_top, %rsp
        /* The TSS: ring-0 stack for interrupts from ring 3, and an I/O bitmap (all zero: every port
         * allowed; kvm-pvm ignores IOPL once a TSS is loaded) closed by the 0xff byte. */
        movq $kernel_stack_top, %rax
        movq %rax, tss + 4
        movw $104, tss + 102
        movb $0xff, tss + 104 + 8192
        movq $tss, %rax                 /* the 16-byte descriptor: limit, base, type 0x89 */
        movq %rax, %rdx
        shlq $16, %rdx
        movabsq $0x000000ffffff0000, %rcx
        andq %rcx, %rdx
        movq %rax, %rcx
        shrq $24, %rcx
        andq $0xff, %rcx
        shlq $56, %rcx
        orq %rcx, %rdx
        movabsq $0x0000890000000000 + 104 + 8192, %rcx
        orq %rcx, %rdx
        movq %rdx, gdt + 40
        shrq $32, %rax
        movq %rax, gdt + 48
        movw $TSS_SEL, %ax
        ltr %ax
        /* The IDT is filled in ring 3 (platform.c) before anything can fault or call the gate. */
        lidt idt_pointer
        pushq $USER_DS
        pushq $user_stack_top - 8        /* as if called: functions expect %rsp = 8 mod 16 */
        pushq $0x3002                   /* IOPL 3, interrupts off */
        pushq $USER_CS
        pushq $ring3_start
        iretq

/* The gate: `int3` from ring 3 (an interrupt gate with DPL 3), the only way into ring 0.
 * In: %rdi = operation, %rsi and %rdx its arguments. Clobbers %rcx, %rdx.
 *   0: block until an interrupt; 1: the same with the TSC-deadline timer armed at %rsi;
 *   2: the same with the LAPIC one-shot timer counting %esi; these return in %rax the interrupt bits
 *      that were pending (and are now cleared);
 *   3: write %rdx to MSR %esi;
 *   4: the end of start-up, in one gate call (each costs a VM exit): load CR3 with %rsi (the page
 *      tables ring 3 built) and, when %rdx is not 0, register kvmclock (MSR 0x4b564d01) at %rdx. */
        .text
        .globl yield_gate
yield_gate:
        cmpq $3, %rdi
        je 7f
        cmpq $4, %rdi
        je 8f
        cmpq $1, %rdi
        jne 1f
        movl $0x6e0, %ecx
        movl %esi, %eax
        movq %rsi, %rdx
        shrq $32, %rdx
        wrmsr
        jmp 2f
1:      cmpq $2, %rdi
        jne 2f
        movl $LAPIC_TMICT, %eax
        movl %esi, (%rax)
2:      movq pending_interrupts(%rip), %rax
        testq %rax, %rax
        jnz 3f
        sti
        hlt
        cli
        jmp 2b
3:      xorl %eax, %eax
        xchgq %rax, pending_interrupts(%rip)
        iretq
7:      movl %esi, %ecx
        movl %edx, %eax
        shrq $32, %rdx
        wrmsr
        iretq
8:      movq %rsi, %cr3
        testq %rdx, %rdx
        jz 9f
        movl $0x4b564d01, %ecx
        movl %edx, %eax
        shrq $32, %rdx
        wrmsr
9:      iretq

/* Device and timer interrupts, vectors 0x20..0x5f: set bit (vector - 0x20), end the interrupt. */
        .macro IRQ vector
irq_\vector:
        lock btsq $(\vector - 0x20), pending_interrupts(%rip)
        pushq %rax
        movl $LAPIC_EOI, %eax
        movl $0, (%rax)
        popq %rax
        iretq
        .endm

/* CPU exceptions and unexpected vectors: build a frame and let ring0.c report it (never returns). */
        .macro EXCEPTION vector, has_error
exception_\vector:
        .if \has_error == 0
        pushq $0
        .endif
        pushq $\vector
        jmp exception_common
        .endm

        .irp v, 0,1,2,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
        EXCEPTION \v, 0
        .endr
        .irp v, 8,10,11,12,13,14,17,21,29,30
        EXCEPTION \v, 1
        .endr
        .altmacro
        .set v, 0x20
        .rept 0x40
        IRQ %v
        .set v, v + 1
        .endr
        .set v, 0x60
        .rept 0x9f
        EXCEPTION %v, 0
        .set v, v + 1
        .endr
        .noaltmacro

spurious_interrupt:
        iretq

exception_common:
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, %rdi
        call kernel_exception
1:      hlt
        jmp 1b

/* Handler addresses for the IDT, indexed by vector (ring0.c builds the gates). */
        .section .rodata
        .p2align 3
        .globl interrupt_handlers
interrupt_handlers:
        .quad exception_0, exception_1, exception_2, yield_gate, exception_4, exception_5, exception_6, exception_7
        .quad exception_8, exception_9, exception_10, exception_11, exception_12, exception_13, exception_14, exception_15
        .quad exception_16, exception_17, exception_18, exception_19, exception_20, exception_21, exception_22, exception_23
        .quad exception_24, exception_25, exception_26, exception_27, exception_28, exception_29, exception_30, exception_31
        .altmacro
        .set v, 0x20
        .rept 0x40
        .macro HANDLER_IRQ n
        .quad irq_\n
        .endm
        HANDLER_IRQ %v
        .purgem HANDLER_IRQ
        .set v, v + 1
        .endr
        .set v, 0x60
        .rept 0x9f
        .macro HANDLER_EXC n
        .quad exception_\n
        .endm
        HANDLER_EXC %v
        .purgem HANDLER_EXC
        .set v, v + 1
        .endr
        .noaltmacro
        .quad spurious_interrupt

/* The GDT: kernel code and data, user code and data (DPL 3), the TSS (ring0.c fills its descriptor). */
        .data
        .p2align 4
        .globl gdt
gdt:
        .quad 0
        .quad 0x00af9a000000ffff
        .quad 0x00cf92000000ffff
        .quad 0x00affa000000ffff
        .quad 0x00cff2000000ffff
        .quad 0, 0
gdt_end:
        .p2align 3
gdt_pointer:
        .word gdt_end - gdt - 1
        .quad gdt
idt_pointer:
        .word 256 * 16 - 1
        .quad idt

        .globl pending_interrupts, pvh_start_info, entry_tsc
        .p2align 3
entry_tsc:
        .quad 0
pending_interrupts:
        .quad 0
pvh_start_info:
        .quad 0

        .bss
        .p2align 12
        .globl pml4, pdpt, page_directories, idt, tss
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd: .skip 4096
pml4:   .skip 4096
pdpt:   .skip 4096
page_directories: .skip 4 * 4096
idt:    .skip 256 * 16
        .p2align 4
tss:    .skip 104 + 8192 + 1
boot_stack: .skip 4096
boot_stack_top:
        .p2align 4
        .globl kernel_stack_top
kernel_stack: .skip 16384
kernel_stack_top:
        .p2align 4
        .globl user_stack_top
user_stack: .skip 512 * 1024
user_stack_top:
