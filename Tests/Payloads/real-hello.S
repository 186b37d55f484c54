# Real mode at 0:7C00: prints a line on COM1, then exits with code 0x2a through the debug-exit port.
        .include "common.inc"
        .code16
        .globl _start
_start:
        mov     $msg, %si
        mov     $COM1, %dx
1:      lodsb
        test    %al, %al
        jz      2f
        outb    %al, %dx
        jmp     1b
2:      mov     $0x2a, %al
        outb    %al, $DEBUG_EXIT
        hlt
msg:    .asciz  "hello from real mode\n"
