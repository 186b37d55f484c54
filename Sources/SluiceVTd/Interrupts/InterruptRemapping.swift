/// An MSI write (address 0xFEEx_xxxx, data) as the remapping hardware receives it.
public struct InterruptRequest: Sendable, Equatable {
    public var sourceID: SourceID
    public var address: UInt32
    public var data: UInt32
    public init(sourceID: SourceID, address: UInt32, data: UInt32) {
        self.sourceID = sourceID; self.address = address; self.data = data
    }
    /// A remappable-format request for table index `handle` (SHV=0).
    public static func remappable(_ sourceID: SourceID, handle: UInt16) -> InterruptRequest {
        let h = UInt32(handle)
        return InterruptRequest(sourceID: sourceID, address: 0xfee0_0000 | (h & 0x7fff) << 5 | 1 << 4 | (h >> 15) << 2, data: 0)
    }
    /// Bit 4: 1 = remappable format, 0 = compatibility format.
    public var remappableFormat: Bool { address & (1 << 4) != 0 }
    public var subhandleValid: Bool { address & (1 << 3) != 0 }
    public var handle: Int { Int((address >> 5) & 0x7fff) | Int((address >> 2) & 1) << 15 }
    /// Interrupt index: handle, plus the subhandle from the data when SHV=1.
    public var index: Int { subhandleValid ? (handle + Int(data & 0xffff)) & 0xffff : handle }
}

public enum InterruptRemapResult: Sendable, Equatable {
    /// Delivered as the entry says.
    case remapped(vector: UInt8, destination: UInt32, entry: InterruptRemapEntry)
    /// Posted to the posted-interrupt descriptor.
    case posted(vector: UInt8, descriptor: UInt64, urgent: Bool)
    /// Compatibility format allowed through untranslated (IR disabled for it via GSTS.CFIS).
    case passedThrough
    case fault(FaultReason, suppressed: Bool)
}

/// Interrupt remapping against the table IRTA points at (VT-d spec Section 5.1).
public struct InterruptRemapper {
    public let memory: PhysicalMemory
    public let registers: RegisterSet
    public init(memory: PhysicalMemory, registers: RegisterSet) { self.memory = memory; self.registers = registers }

    public func remap(_ request: InterruptRequest) -> InterruptRemapResult {
        let irta = registers.interruptRemapTableAddress
        let x2APIC = irta.extendedInterruptMode
        guard request.remappableFormat else {
            // Compatibility format passes only when CFIS is set and EIME is clear.
            return registers.globalStatus.compatibilityFormatInterrupts && !x2APIC ? .passedThrough : .fault(.irCompatibilityBlocked, suppressed: false)
        }
        // With SHV=0 the data is not used; with SHV=1 bits 31:16 of the data are reserved.
        if request.subhandleValid && request.data >> 16 != 0 { return .fault(.irRequestReserved, suppressed: false) }
        let index = request.index
        guard index < irta.entryCount else { return .fault(.irIndexBeyondTable, suppressed: false) }
        let address = irta.address + UInt64(index) * 16
        guard let lo = memory.qword(at: address), let hi = memory.qword(at: address + 8) else {
            return .fault(.irTableAccessError, suppressed: false)
        }
        let entry = InterruptRemapEntry(low: lo, high: hi)
        guard entry.present else { return .fault(.irEntryNotPresent, suppressed: entry.faultProcessingDisable) }
        let fpd = entry.faultProcessingDisable
        let (r0, r1) = entry.reservedBits(x2APIC: x2APIC)
        if r0 != 0 || r1 != 0 || entry.sourceValidation.kind == .reserved { return .fault(.irEntryReserved, suppressed: fpd) }
        if entry.posted && !registers.capability.postedInterrupts { return .fault(.irEntryReserved, suppressed: fpd) }
        guard entry.sourceValidation.accepts(request.sourceID) else { return .fault(.irSourceIDInvalid, suppressed: fpd) }
        if entry.posted {
            return .posted(vector: entry.vector, descriptor: entry.postedDescriptorAddress, urgent: entry.urgent)
        }
        return .remapped(vector: entry.vector, destination: entry.destination(x2APIC: x2APIC), entry: entry)
    }
}
