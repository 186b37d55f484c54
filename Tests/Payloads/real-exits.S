# Real mode: 1000 writes to COM1's scratch register (0x3ff), each a port I/O exit handled by a
# device, then HLT. The exit round-trip benchmark runs this in Sluice and in the C baseline.
        .include "common.inc"
        .code16
        .globl _start
_start:
        mov     $1000, %cx
        mov     $(COM1 + 7), %dx
1:      outb    %al, %dx
        loop    1b
        hlt
