# Real mode: configuration mechanism #1 scan of bus 0. For each present function prints
# "dd:vvvvdddd\n" (device number, then the 32-bit ID dword in hex) on COM1; then exits with code 1.
        .include "common.inc"
        .code16
        .globl _start
_start:
        xor     %ebx, %ebx                 # device number 0..31
next:   mov     %ebx, %eax
        shl     $11, %eax
        or      $0x80000000, %eax
        mov     $PCI_ADDR, %dx
        outl    %eax, %dx
        mov     $PCI_DATA, %dx
        inl     %dx, %eax
        cmp     $0xffffffff, %eax
        je      skip
        mov     %eax, %ebp
        mov     %bl, %al
        call    hex8
        mov     $':', %al
        call    putc
        mov     %ebp, %eax                 # vendor (low word), then device (high word)
        call    hex16
        mov     %ebp, %eax
        shr     $16, %eax
        call    hex16
        mov     $'\n', %al
        call    putc
skip:   inc     %ebx
        cmp     $32, %ebx
        jne     next
        mov     $1, %al
        outb    %al, $DEBUG_EXIT
        hlt

hex16:  push    %ax
        mov     %ah, %al
        call    hex8
        pop     %ax
hex8:   push    %ax
        shr     $4, %al
        call    nibble
        pop     %ax
nibble: and     $0xf, %al
        add     $'0', %al
        cmp     $'9', %al
        jbe     putc
        add     $('a' - '0' - 10), %al
putc:   mov     $COM1, %dx
        outb    %al, %dx
        ret
