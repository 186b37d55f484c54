# Real mode: spins forever without an exit (only a stop signal ends it).
        .code16
        .globl _start
_start: jmp     _start
