# Long mode, for the lab: an e1000e assigned at 00:01.0 DMAs into guest RAM through the IOMMU.
# A one-descriptor transmit ring in guest RAM at 2 MiB (buffer at 2 MiB + 4 KiB, RS set): the
# device fetches it and writes the descriptor's DD bit back. Prints the descriptor's status
# dword. Then points a second ring at 0x90000000, outside guest RAM and so outside the IOMMU
# domain: that fetch must fault in the IOMMU (a DMAR fault in the host's log), not reach memory.
# Exit code 6 when DD arrived, 7 when it did not.
        .include "common.inc"
        .set FN1, ECAM + (1 << 15)
        .set RING, 0x200000
        .code64
        .globl _start
_start:
        mov     $FN1, %ebx
        movw    $0x0006, 4(%rbx)            # memory decode + bus master
        mov     0x10(%rbx), %esi            # BAR0
        and     $0xfffffff0, %esi
        movq    $(RING + 0x1000), RING      # descriptor 0: buffer address
        movq    $0x0b000040, RING + 8       # length 64, CMD = EOP | IFCS | RS, status 0
        movl    $RING, 0x3800(%rsi)         # TDBAL
        movl    $0, 0x3804(%rsi)            # TDBAH
        movl    $128, 0x3808(%rsi)          # TDLEN: 8 descriptors
        movl    $0, 0x3810(%rsi)            # TDH
        movl    $0, 0x3818(%rsi)            # TDT
        movl    $0x0a, 0x400(%rsi)          # TCTL: EN | PSP
        movl    $1, 0x3818(%rsi)            # TDT = 1: descriptor 0 is the device's
        mov     $200000, %ecx
1:      testb   $1, RING + 12               # DD
        jnz     2f
        loop    1b
2:      mov     RING + 12, %ebp
        call    print
        # Now a ring outside guest RAM: no IOMMU mapping, the fetch faults.
        movl    $0, 0x400(%rsi)
        movl    $0x90000000, 0x3800(%rsi)
        movl    $0, 0x3810(%rsi)
        movl    $0, 0x3818(%rsi)
        movl    $0x0a, 0x400(%rsi)
        movl    $1, 0x3818(%rsi)
        mov     $100000, %ecx
3:      loop    3b
        mov     $7, %al
        testb   $1, RING + 12
        jz      4f
        mov     $6, %al
4:      outb    %al, $DEBUG_EXIT
        hlt

        .include "print64.inc"
