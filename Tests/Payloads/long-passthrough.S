# Long mode, with an assigned function at 00:01.0 (a fake in the tests): prints its ID dword read
# through ECAM, enables memory decode, reads STATUS (offset 8) of BAR0 straight from the directly
# mapped BAR (no exit), prints it, then enables MSI-X (capability at 0xA0) and programs and
# unmasks table entry 0 through the trapped BAR3, and exits with code 5.
        .include "common.inc"
        .set FN1, ECAM + (1 << 15)
        .code64
        .globl _start
_start:
        mov     $FN1, %ebx
        mov     (%rbx), %ebp
        call    print
        movw    $0x0006, 4(%rbx)            # command: memory decode + bus master
        mov     0x10(%rbx), %edi            # BAR0 as the VMM placed it
        and     $0xfffffff0, %edi
        mov     8(%rdi), %ebp               # STATUS: a memory-slot read, no exit
        call    print
        movw    $0x8004, 0xa2(%rbx)         # MSI-X enable (table size field is read-only)
        mov     0x1c(%rbx), %edi            # BAR3: MSI-X table at offset 0
        and     $0xfffffff0, %edi
        movl    $0xfee00000, (%rdi)
        movl    $0, 4(%rdi)
        movl    $0x41, 8(%rdi)
        movl    $0, 12(%rdi)                # unmask vector 0
        mov     $5, %al
        outb    %al, $DEBUG_EXIT
        hlt

        .include "print64.inc"
