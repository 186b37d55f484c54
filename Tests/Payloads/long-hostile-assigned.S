# Long mode, with an assigned function at 00:01.0: tries to point it at memory it must not
# reach. BAR0 moved onto guest RAM at 1 MiB with decoding on, the ROM enabled over guest RAM,
# MSI-X vector 0 aimed at guest RAM instead of the interrupt window, the vendor ID overwritten,
# the capability list unlinked; then reads BAR0 back and prints it. Exits with code 9.
        .include "common.inc"
        .set FN1, ECAM + (1 << 15)
        .code64
        .globl _start
_start:
        mov     $FN1, %ebx
        mov     0x1c(%rbx), %edi            # BAR3 (MSI-X table) while it is still placed
        and     $0xfffffff0, %edi
        movw    $0x0006, 4(%rbx)            # decoding on
        movl    $0x00400000, 0x10(%rbx)     # BAR0 onto guest RAM
        movl    $0x00200001, 0x30(%rbx)     # ROM onto guest RAM, enabled
        movl    $0xffffffff, (%rbx)         # vendor/device
        movb    $0, 0x34(%rbx)              # capability pointer
        movw    $0x8004, 0xa2(%rbx)         # MSI-X enable
        movl    $0x00003000, (%rdi)         # vector 0 -> guest RAM
        movl    $0, 4(%rdi)
        movl    $0x41, 8(%rdi)
        movl    $0, 12(%rdi)                # unmask
        mov     0x10(%rbx), %ebp
        call    print
        mov     $9, %al
        outb    %al, $DEBUG_EXIT
        hlt

        .include "print64.inc"
