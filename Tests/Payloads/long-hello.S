# 64-bit long mode (the VMM built the GDT and identity page tables): prints a line on COM1,
# reads the host bridge's ID through ECAM (an MMIO exit), prints it, exits with code 3.
        .include "common.inc"
        .code64
        .globl _start
_start:
        lea     msg(%rip), %rsi
        mov     $COM1, %dx
1:      lodsb
        test    %al, %al
        jz      2f
        outb    %al, %dx
        jmp     1b
2:      mov     $ECAM, %edi
        mov     (%rdi), %ebp
        call    print
        mov     $3, %al
        outb    %al, $DEBUG_EXIT
        hlt

        .include "print64.inc"
msg:    .asciz  "hello from long mode\n"
