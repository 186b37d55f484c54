import ArgumentParser
import SluiceVFIO

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what VFIO reports for a device bound to vfio-pci: regions, IRQs, reset, IOMMU.")
    @Argument(help: "Device address, e.g. 0000:01:00.0.") var device: String
    @Option(help: "legacy or iommufd (default: iommufd when the kernel offers it).") var backend: String?
    @Flag(help: "Machine-readable output.") var json = false

    struct Region: Encodable {
        var index: UInt32, size: UInt64, offset: UInt64, read: Bool, write: Bool, mmap: Bool
        var sparseAreas: [[UInt64]]?, msixMappable: Bool
    }
    struct IRQ: Encodable { var index: UInt32, count: UInt32, eventfd: Bool, maskable: Bool, automasked: Bool }
    struct Output: Encodable {
        var device: String, backend: String, resetSupported: Bool, regions: [Region], irqs: [IRQ]
        var iovaRanges: [[UInt64]], pageSizes: [UInt64], dmaMappingsAvailable: UInt32?, hotResetDependents: [String]?
    }

    static let regionNames = ["BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "config", "VGA"]
    static let irqNames = ["INTx", "MSI", "MSI-X", "ERR", "REQ"]

    func run() throws {
        let prefer = try backend.map { b -> VFIOBackend in
            guard let v = VFIOBackend(rawValue: b) else { throw ValidationError("--backend is legacy or iommufd") }
            return v
        }
        let s: VFIOSession
        do { s = try VFIO.open(device, prefer: prefer) } catch {
            printErr("cannot open \(device) through VFIO: \(error)\n  remedy: bind it first (`sluice bind \(device)`)")
            throw ExitCode(1)
        }
        let info = try s.device.info()
        let regions = try s.device.regions().map {
            Region(index: $0.index, size: $0.size, offset: $0.offset, read: $0.flags.contains(.read),
                   write: $0.flags.contains(.write), mmap: $0.flags.contains(.mmap),
                   sparseAreas: $0.sparseAreas?.map { [$0.offset, $0.size] }, msixMappable: $0.msixMappable)
        }
        let irqs = try s.device.irqs().map {
            IRQ(index: $0.index, count: $0.count, eventfd: $0.eventfd, maskable: $0.maskable, automasked: $0.automasked)
        }
        let iommu = (s.dma as? VFIOContainer).flatMap { try? $0.iommuInfo() }
        let ranges = (try? s.dma.iovaRanges()) ?? []
        let out = Output(device: device, backend: s.backend.rawValue, resetSupported: info.supportsReset,
                         regions: regions, irqs: irqs, iovaRanges: ranges.map { [$0.lowerBound, $0.upperBound] },
                         pageSizes: iommu?.pageSizes ?? [], dmaMappingsAvailable: iommu?.dmaMappingsAvailable,
                         hotResetDependents: (try? s.device.hotResetDependents())?.map(\.description))
        if json { printJSON(out); return }
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        print("\(device) via \(s.backend.rawValue) VFIO; reset \(info.supportsReset ? "supported" : "not supported")")
        print("regions:")
        for r in regions {
            let name = r.index < 9 ? Self.regionNames[Int(r.index)] : "region \(r.index)"
            let flags = [r.read ? "read" : nil, r.write ? "write" : nil, r.mmap ? "mmap" : nil, r.msixMappable ? "msix-mappable" : nil].compactMap { $0 }
            print("  \(name): size \(hex(r.size)) \(flags.joined(separator: ","))"
                  + (r.sparseAreas.map { " sparse " + $0.map { "[\(hex($0[0]))+\(hex($0[1]))]" }.joined(separator: " ") } ?? ""))
        }
        print("irqs:")
        for i in irqs {
            let name = i.index < 5 ? Self.irqNames[Int(i.index)] : "index \(i.index)"
            print("  \(name): \(i.count) vector\(i.count == 1 ? "" : "s")\(i.maskable ? ", maskable" : "")\(i.automasked ? ", automasked" : "")")
        }
        print("IOMMU: IOVA " + ranges.map { "\(hex($0.lowerBound))-\(hex($0.upperBound))" }.joined(separator: ", "))
        if let iommu {
            print("  page sizes: \(iommu.pageSizes.map { hex($0) }.joined(separator: " ")); DMA mappings available: \(iommu.dmaMappingsAvailable.map(String.init) ?? "?")")
        }
        if let deps = out.hotResetDependents { print("hot reset also resets: \(deps.isEmpty ? "nothing else" : deps.joined(separator: ", "))") }
    }
}
