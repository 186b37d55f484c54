# Real mode: HLT straight away (the start-up benchmark's guest).
        .code16
        .globl _start
_start: hlt
