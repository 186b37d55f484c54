# Long mode: a hostile guest. Writes garbage to the host bridge's configuration space through
# both mechanisms, malformed accesses to the config ports, writes to unclaimed ports and MMIO,
# then reads back the host bridge ID through mechanism #1 (must be unchanged), prints it and
# exits with code 7.
        .include "common.inc"
        .code64
        .globl _start
_start:
        mov     $PCI_ADDR, %dx
        mov     $0x80000000, %eax
        outl    %eax, %dx
        mov     $PCI_DATA, %dx
        mov     $0xdeadbeef, %eax
        outl    %eax, %dx                   # vendor/device
        mov     $PCI_ADDR, %dx
        mov     $0x80000008, %eax
        outl    %eax, %dx
        mov     $PCI_DATA, %dx
        mov     $0xffffffff, %eax
        outl    %eax, %dx                   # class/revision
        mov     $PCI_ADDR, %dx
        mov     $0x80000010, %eax
        outl    %eax, %dx
        mov     $PCI_DATA, %dx
        outl    %eax, %dx                   # BAR0 (there is none: stays 0)
        mov     $0xcfa, %dx                 # word write into the address latch
        mov     $0x1234, %ax
        outw    %ax, %dx
        mov     $0xcfe, %dx                 # dword crossing 0xCFF
        mov     $0xcafebabe, %eax
        outl    %eax, %dx
        mov     $PCI_ADDR, %dx              # a function that does not exist
        mov     $0x8000f800, %eax
        outl    %eax, %dx
        mov     $PCI_DATA, %dx
        outl    %eax, %dx
        mov     $ECAM, %edi                 # ECAM: garbage into the IDs, an 8-byte write
        movl    $0x11111111, (%rdi)
        movq    %rax, 8(%rdi)
        movl    $0x22222222, 0x100ffc(%rdi) # beyond the one ECAM bus
        mov     $0x5555, %dx                # unclaimed port
        outb    %al, %dx
        inb     %dx, %al
        mov     $0xd0000000, %edi           # unclaimed MMIO
        movl    %eax, (%rdi)
        movl    (%rdi), %eax
        mov     $PCI_ADDR, %dx              # read back the ID
        mov     $0x80000000, %eax
        outl    %eax, %dx
        mov     $PCI_DATA, %dx
        inl     %dx, %eax
        mov     %eax, %ebp
        call    print
        mov     $7, %al
        outb    %al, $DEBUG_EXIT
        hlt

        .include "print64.inc"
