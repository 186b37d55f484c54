# Long mode, for the lab: an e1000e assigned at 00:01.0 raises MSI-X vector 0 and the guest sees
# it arrive. Prints the ID and STATUS (directly mapped BAR0), enables MSI-X with table entry 0 ->
# APIC 0 vector 0x41 (through the trapped BAR3), software-enables its local APIC, maps the
# device's RxQ0 cause to MSI-X vector 0 (IVAR), unmasks it (IMS) and sets it (ICS). With IF=0 the
# interrupt stays in the LAPIC's IRR: the guest polls IRR bit 0x41 and prints the IRR word.
# Exit code 6 when it arrived, 7 when it did not.
        .include "common.inc"
        .set FN1, ECAM + (1 << 15)
        .set LAPIC, 0xfee00000
        .code64
        .globl _start
_start:
        mov     $FN1, %ebx
        mov     (%rbx), %ebp
        call    print
        movw    $0x0006, 4(%rbx)            # memory decode + bus master (MSI writes are DMA)
        mov     0x10(%rbx), %esi            # BAR0
        and     $0xfffffff0, %esi
        mov     8(%rsi), %ebp               # STATUS
        call    print
        movw    $0x8004, 0xa2(%rbx)         # MSI-X enable
        mov     0x1c(%rbx), %edi            # BAR3: MSI-X table
        and     $0xfffffff0, %edi
        movl    $LAPIC, (%rdi)
        movl    $0, 4(%rdi)
        movl    $0x41, 8(%rdi)              # fixed, vector 0x41
        movl    $0, 12(%rdi)                # unmask
        mov     $LAPIC, %r8d
        movl    $0x1ff, 0xf0(%r8)           # SVR: APIC software enable
        movl    $0x8, 0xe4(%rsi)            # IVAR: RxQ0 -> MSI-X vector 0, valid
        movl    $0x00100000, 0xd0(%rsi)     # IMS: RxQ0
        movl    $0x00100000, 0xc8(%rsi)     # ICS: raise RxQ0
        mov     $200000, %ecx
1:      mov     0x220(%r8), %ebp            # IRR bits 64..95
        test    $0x2, %ebp                  # vector 0x41
        jnz     2f
        loop    1b
2:      push    %rbp
        call    print
        pop     %rbp
        mov     $7, %al
        test    $0x2, %ebp
        jz      3f
        mov     $6, %al
3:      outb    %al, $DEBUG_EXIT
        hlt

        .include "print64.inc"
