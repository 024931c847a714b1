/* CSwiftletKVM: the kernel's entry, from QEMU's PVH loader to the application in ring 3.
 *
 * PVH boot (Xen's x86/HVM direct boot ABI, which QEMU's `-M microvm -kernel` implements): the loader
 * finds the XEN_ELFNOTE_PHYS32_ENTRY note below, loads the ELF segments at their physical addresses
 * and jumps to the entry in 32-bit protected mode, paging off, with %ebx holding the physical address
 * of `struct hvm_start_info`.
 *
 * Here: identity-map the first 4 GiB, except the page at 0, with 2 MiB pages (user-accessible: the application runs in ring 3
 * but is trusted; ring 3 is for speed under kvm-pvm, see DESIGN.md), enter long mode, load the GDT,
 * call `kernel_setup` (ring0.c: TSS with an all-ports I/O bitmap, IDT, LAPIC, kvmclock), then `iretq`
 * to `ring3_start` (platform.c) with IOPL 3 and interrupts off. Interrupts are taken only inside the
 * yield gate (`int3` from ring 3), which arms the timer and halts until an interrupt flags a bit.
 */

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS   0x1b
#define USER_DS   0x23
#define TSS_SEL   0x28
#define LAPIC_EOI 0xfee000b0
#define LAPIC_TMICT 0xfee00380

/* The PVH entry note: name "Xen", type 18 (XEN_ELFNOTE_PHYS32_ENTRY), a 64-bit entry address. */
        .section .note.pvh, "a"
        .p2align 2
        .long 4
        .long 8
        .long 18
        .asciz "Xen"
        .p2align 2
        .quad pvh_start
        .p2align 2

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
        movl $boot_stack_top, %esp

        /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories; each PD entry maps 2 MiB. */
        movl $pdpt, %eax
        orl $0x7, %eax
        movl %eax, pml4
        movl $page_directories, %eax
        orl $0x7, %eax
        movl $pdpt, %edi
        movl $4, %ecx
1:      movl %eax, (%edi)
        addl $4096, %eax
        addl $8, %edi
        loop 1b
        movl $page_directories, %edi
        xorl %ecx, %ecx
2:      movl %ecx, %eax
        shll $21, %eax
        orl $0x87, %eax                 /* present, writable, user, 2 MiB */
        cmpl $1536, %ecx                /* the fourth GiB holds MMIO: uncached */
        jb 3f
        orl $0x18, %eax
3:      movl %eax, (%edi)
        addl $8, %edi
        incl %ecx
        cmpl $2048, %ecx
        jb 2b
        /* The first 2 MiB in 4 KiB pages, page 0 left out: a null pointer dereference faults. */
        movl $low_pages + 8, %edi
        movl $0x1007, %eax
        movl $1, %ecx
4:      movl %eax, (%edi)
        addl $4096, %eax
        addl $8, %edi
        incl %ecx
        cmpl $512, %ecx
        jb 4b
        movl $low_pages, %eax
        orl $0x7, %eax
        movl %eax, page_directories

        movl %cr4, %eax
        orl $0x620, %eax                /* PAE, OSFXSR, OSXMMEXCPT */
        movl %eax, %cr4
        movl $pml4, %eax
        movl %eax, %cr3
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
        movl pvh_start_info, %edi
        call kernel_setup               /* ring0.c; fills and loads the TSS and the IDT */
        movw $TSS_SEL, %ax
        ltr %ax
        pushq $USER_DS
        pushq $user_stack_top - 8        /* as if called: functions expect %rsp = 8 mod 16 */
        pushq $0x3002                   /* IOPL 3, interrupts off */
        pushq $USER_CS
        pushq $ring3_start
        iretq

/* The yield gate: `int3` from ring 3 (an interrupt gate with DPL 3).
 * In: %rdi = 0 (no deadline), 1 (TSC-deadline value in %rsi), 2 (LAPIC one-shot count in %esi).
 * Out: %rax = the interrupt bits that were pending (and are now cleared). Clobbers %rcx, %rdx. */
        .text
        .globl yield_gate
yield_gate:
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
pml4:   .skip 4096
pdpt:   .skip 4096
page_directories: .skip 4 * 4096
low_pages: .skip 4096
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
