/* CSwiftletKVM: the PVH entry note (Xen's ELF note XEN_ELFNOTE_PHYS32_ENTRY, type 18: name "Xen", a
 * 64-bit entry address), which QEMU's `-kernel` loader looks for in a PT_NOTE segment. Included by
 * boot.S and by the empty kernel of Benchmarks/boot.sh. */
#define PVH_ENTRY_NOTE(entry) \
        .pushsection .note.pvh, "a"; \
        .p2align 2; \
        .long 4; \
        .long 8; \
        .long 18; \
        .asciz "Xen"; \
        .p2align 2; \
        .quad entry; \
        .p2align 2; \
        .popsection
