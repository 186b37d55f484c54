/// A run of device IDs an IVHD covers, with the settings its entries give them:
/// the device entries' start/end pairs folded into plain ranges, in table order.
public struct IVHDDeviceRange: Sendable, Hashable, Encodable {
    public let first: PCIRequesterID
    public let last: PCIRequesterID
    public let dteSetting: UInt8
    /// Requests from these devices reach the IOMMU with this ID (42h/43h entries).
    public let alias: PCIRequesterID?
    /// Extended DTE setting (46h/47h entries); bit 31 set = ATS not allowed.
    public let extendedSetting: UInt32?
    /// Offset of the entry that opened the range.
    public let offset: Int

    public func contains(_ id: PCIRequesterID) -> Bool { first <= id && id <= last }
}

extension IVHD {
    /// Every range naming `id`, in table order; empty when this IOMMU does not
    /// cover the device. The kernel applies them in order, so for DTE settings
    /// the last one wins, while an alias set by one entry stays.
    public func ranges(covering id: PCIRequesterID) -> [IVHDDeviceRange] {
        deviceRanges.filter { $0.contains(id) }
    }

    /// The requester ID the IOMMU sees for `id`: its alias if an entry gives one.
    public func alias(of id: PCIRequesterID) -> PCIRequesterID? {
        ranges(covering: id).last { $0.alias != nil }?.alias
    }

    /// The IOAPICs and HPETs (48h entries) this IOMMU remaps interrupts for.
    public var specialDevices: [(handle: UInt8, source: PCIRequesterID, variety: IVHDDeviceEntry.SpecialVariety)] {
        entries.compactMap {
            if case let .special(handle, source, variety) = $0.kind { (handle, source, variety) } else { nil }
        }
    }
}

enum IVHDRangeFolder {
    /// Folds the entries; an end without a start, a start without an end, or a
    /// backwards range is reported and left out rather than guessed at.
    static func fold(_ entries: [IVHDDeviceEntry]) -> (ranges: [IVHDDeviceRange], diagnostics: [ACPIDiagnostic]) {
        var ranges: [IVHDDeviceRange] = []
        var diagnostics: [ACPIDiagnostic] = []
        var open: IVHDDeviceEntry?
        var alias: PCIRequesterID?
        var extended: UInt32?

        func single(_ e: IVHDDeviceEntry, alias: PCIRequesterID? = nil, extended: UInt32? = nil) {
            ranges.append(IVHDDeviceRange(first: e.deviceID, last: e.deviceID, dteSetting: e.dteSetting,
                                          alias: alias, extendedSetting: extended, offset: e.offset))
        }
        func start(_ e: IVHDDeviceEntry, alias a: PCIRequesterID? = nil, extended x: UInt32? = nil) {
            if let open {
                diagnostics.append(ACPIDiagnostic(.warning, at: open.offset,
                    "device range starting at \(open.deviceID) is never ended (a new range starts at 0x\(ACPIText.hex(e.offset, width: 3)))"))
            }
            open = e; alias = a; extended = x
        }

        for entry in entries {
            switch entry.kind {
            case .all:
                ranges.append(IVHDDeviceRange(first: PCIRequesterID(rawValue: 0), last: PCIRequesterID(rawValue: 0xFFFF),
                                              dteSetting: entry.dteSetting, alias: nil, extendedSetting: nil,
                                              offset: entry.offset))
            case .select: single(entry)
            case let .aliasSelect(source): single(entry, alias: source)
            case let .extendedSelect(setting): single(entry, extended: setting)
            case .rangeStart: start(entry)
            case let .aliasRangeStart(source): start(entry, alias: source)
            case let .extendedRangeStart(setting): start(entry, extended: setting)
            case .rangeEnd:
                guard let first = open else {
                    diagnostics.append(ACPIDiagnostic(.warning, at: entry.offset,
                        "device range end \(entry.deviceID) without a range start"))
                    continue
                }
                if entry.deviceID < first.deviceID {
                    diagnostics.append(ACPIDiagnostic(.warning, at: entry.offset,
                        "device range \(first.deviceID)-\(entry.deviceID) ends before it starts"))
                } else {
                    ranges.append(IVHDDeviceRange(first: first.deviceID, last: entry.deviceID,
                                                  dteSetting: first.dteSetting, alias: alias,
                                                  extendedSetting: extended, offset: first.offset))
                }
                open = nil
            case .reserved, .special, .acpiDevice, .unknown:
                continue
            }
        }
        if let open {
            diagnostics.append(ACPIDiagnostic(.warning, at: open.offset,
                "device range starting at \(open.deviceID) is never ended"))
        }
        return (ranges, diagnostics)
    }
}
