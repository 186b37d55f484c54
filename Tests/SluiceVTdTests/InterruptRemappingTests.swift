import Testing
@testable import SluiceVTd

@Suite struct InterruptRemappingTests {
    func system(entries: [(Int, InterruptRemapEntry)], x2APIC: Bool = false, cap: UInt64 = FullUnit.cap(),
                gsts: UInt64 = 0x0200_0000, sizeOrder: Int = 7) -> (InterruptRemapper, PhysicalMemory) {
        let memory = PhysicalMemory()
        let table: UInt64 = 0x9000_0000
        memory.addPage(at: table)
        for (i, e) in entries {
            memory.write(e.low, at: table + UInt64(i) * 16)
            memory.write(e.high, at: table + UInt64(i) * 16 + 8)
        }
        var r = RegisterSet(capability: cap, extendedCapability: FullUnit.ecap, rootTableAddress: RootTableAddress(0), globalStatus: gsts)
        r.interruptRemapTableAddress = InterruptRemapTableAddress(address: table, extendedInterruptMode: x2APIC, sizeOrder: sizeOrder)
        return (InterruptRemapper(memory: memory, registers: r), memory)
    }

    @Test func entryEncoding() {
        // Vector 0x30 to APIC 1 (xAPIC), SID-verified for 01:00.0: what Linux's set_irte_sid writes.
        let e = InterruptRemapEntry(vector: 0x30, destination: 1, x2APIC: false, sourceValidation: .requester(device))
        #expect(e.low == 0x0000_0100_0030_0001 && e.high == 0x4_0100)
        let x = InterruptRemapEntry(vector: 0xec, destination: 0x1_0002, x2APIC: true)
        #expect(x.low == 0x0001_0002_00ec_0001 && x.destination(x2APIC: true) == 0x1_0002)
        let p = InterruptRemapEntry(postedVector: 0x41, descriptor: 0x12_3456_7840, urgent: true)
        #expect(p.posted && p.urgent && p.postedDescriptorAddress == 0x12_3456_7840 && p.vector == 0x41)
        #expect(p.low == 1 | 1 << 14 | 1 << 15 | 0x41 << 16 | (0x3456_7840 >> 6) << 38 && p.high == 0x12 << 32)
    }

    @Test func remapsAndPosts() {
        let (ir, _) = system(entries: [(5, InterruptRemapEntry(vector: 0x30, destination: 2, x2APIC: false, sourceValidation: .requester(device))),
                                       (6, InterruptRemapEntry(postedVector: 0x50, descriptor: 0x1000))])
        guard case .remapped(let v, let d, _) = ir.remap(.remappable(device, handle: 5)) else { Issue.record("not remapped"); return }
        #expect(v == 0x30 && d == 2)
        #expect(ir.remap(.remappable(device, handle: 6)) == .posted(vector: 0x50, descriptor: 0x1000, urgent: false))
        // Subhandle: handle 4 + data 1 = index 5.
        let sub = InterruptRequest(sourceID: device, address: 0xfee0_0000 | 4 << 5 | 1 << 4 | 1 << 3, data: 1)
        #expect(sub.index == 5)
        if case .remapped = ir.remap(sub) {} else { Issue.record("subhandle not honoured") }
    }

    @Test func everyInterruptFaultReason() {
        let good = InterruptRemapEntry(vector: 0x30, destination: 2, x2APIC: false, sourceValidation: .requester(device))
        var reserved = good; reserved.low |= 1 << 12
        var badSVT = good; badSVT.high |= 3 << 18
        let other = SourceID(bus: 2, device: 0, function: 0)
        let (ir, _) = system(entries: [(1, good), (2, InterruptRemapEntry(low: 0, high: 0)), (3, reserved), (4, badSVT),
                                       (5, InterruptRemapEntry(postedVector: 1, descriptor: 0x1000))],
                             cap: FullUnit.cap() & ~(1 << 59), sizeOrder: 7)
        #expect(ir.remap(InterruptRequest(sourceID: device, address: 0xfee0_0000 | 1 << 5 | 1 << 4 | 1 << 3, data: 0x1_0000))
                == .fault(.irRequestReserved, suppressed: false))                               // 0x20
        #expect(ir.remap(.remappable(device, handle: 256)) == .fault(.irIndexBeyondTable, suppressed: false))   // 0x21
        #expect(ir.remap(.remappable(device, handle: 2)) == .fault(.irEntryNotPresent, suppressed: false))      // 0x22
        #expect(ir.remap(.remappable(device, handle: 255)) == .fault(.irEntryNotPresent, suppressed: false))
        #expect(ir.remap(.remappable(device, handle: 3)) == .fault(.irEntryReserved, suppressed: false))        // 0x24
        #expect(ir.remap(.remappable(device, handle: 4)) == .fault(.irEntryReserved, suppressed: false))
        #expect(ir.remap(.remappable(device, handle: 5)) == .fault(.irEntryReserved, suppressed: false))        // posted without CAP.PI
        #expect(ir.remap(InterruptRequest(sourceID: device, address: 0xfee0_0000, data: 0x30)) == .fault(.irCompatibilityBlocked, suppressed: false)) // 0x25
        #expect(ir.remap(.remappable(other, handle: 1)) == .fault(.irSourceIDInvalid, suppressed: false))       // 0x26
        // 0x23: the table's second page is absent from the image.
        #expect(ir.remap(.remappable(device, handle: 256 + 1)) == .fault(.irIndexBeyondTable, suppressed: false))
        let (big, _) = system(entries: [], sizeOrder: 15)
        #expect(big.remap(.remappable(device, handle: 300)) == .fault(.irTableAccessError, suppressed: false))  // 0x23
        // CFIS lets compatibility format through in xAPIC mode only.
        let (cfi, _) = system(entries: [], gsts: 0x0280_0000)
        #expect(cfi.remap(InterruptRequest(sourceID: device, address: 0xfee0_0000, data: 0x30)) == .passedThrough)
    }

    @Test func sourceValidation() {
        let fn3 = SourceID(bus: 1, device: 0, function: 3)
        #expect(!SourceValidation.requester(device).accepts(fn3))
        #expect(!SourceValidation.requester(device, ignoringFunctionBits: 1).accepts(fn3))   // ignores bit 2 only
        #expect(!SourceValidation.requester(device, ignoringFunctionBits: 2).accepts(fn3))   // ignores bits 2:1; function 3 differs in bit 0
        #expect(SourceValidation.requester(device, ignoringFunctionBits: 3).accepts(fn3))
        #expect(SourceValidation.buses(2, 4).accepts(SourceID(bus: 3, device: 1, function: 0)))
        #expect(!SourceValidation.buses(2, 4).accepts(device))
    }
}
