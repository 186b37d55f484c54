import ArgumentParser
import FoundationEssentials
import SluiceVTd
import SluicePCI

// `sluice dmar` and `sluice vtd walk|dump`: the VT-d model applied to a live host's registers
// or to captured register values and memory images.

/// `sluice dmar`: decodes each DMA-remapping unit's registers from sysfs.
struct DmarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmar",
        abstract: "Decode the VT-d units' VER/CAP/ECAP registers from /sys/class/iommu/dmar*/intel-iommu.")

    @OptionGroup var root: SysfsRootOption

    @Flag(help: "Print JSON.") var json = false

    struct Unit: Codable {
        var name: String
        var registerBase: UInt64?
        var version: String
        var capability: UInt64
        var extendedCapability: UInt64
        var capabilityFields: [RegisterField]
        var extendedCapabilityFields: [RegisterField]
    }

    func run() throws {
        // Through the hardened reader, like every sysfs read: a captured tree is untrusted.
        let sysfs = try SysfsRoot.open(root.path)
        let base = "sys/class/iommu"
        let names = ((try? sysfs.list(base)) ?? []).filter { $0.hasPrefix("dmar") }.sorted { unitNumber($0) < unitNumber($1) }
        var units = [Unit]()
        for name in names {
            let dir = "\(base)/\(name)/intel-iommu"
            func value(_ file: String) throws -> UInt64 {
                let text = try sysfs.readText("\(dir)/\(file)")
                guard let v = UInt64(text, radix: 16) else { throw ValidationError("\(dir)/\(file): not hexadecimal: \(text)") }
                return v
            }
            let cap = Capability(try value("cap"))
            let ecap = ExtendedCapability(try value("ecap"))
            units.append(Unit(name: name, registerBase: try? value("address"), version: (try? sysfs.readText("\(dir)/version")) ?? "?",
                              capability: cap.raw, extendedCapability: ecap.raw,
                              capabilityFields: cap.fields, extendedCapabilityFields: ecap.fields))
        }
        if json { return printJSON(units) }
        if units.isEmpty { print("no Intel DMA-remapping units under \(root.path == "/" ? "" : root.path)/\(base)") }
        for u in units {
            print("\(u.name): version \(u.version), registers at \(u.registerBase.map(hex) ?? "?")")
            print("  CAP  \(hex(u.capability))")
            for f in u.capabilityFields { print(fieldLine(f)) }
            print("  ECAP \(hex(u.extendedCapability))")
            for f in u.extendedCapabilityFields { print(fieldLine(f)) }
        }
    }

    private func unitNumber(_ name: String) -> Int { Int(name.dropFirst(4)) ?? Int.max }
}

/// `sluice vtd`: the model over captured state.
struct VTdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtd",
        abstract: "Walk and dump VT-d translation structures from register values and a memory image.",
        discussion: """
            --regs FILE: lines of `NAME VALUE` (VER CAP ECAP GSTS RTADDR IQA IQH IQT IRTA FSTS FECTL HAW), hex or decimal.
            --memory DIR: files named by the hex physical address of their first page (e.g. 7f3a1000.bin), each a
            multiple of 4096 bytes of raw little-endian memory (what QEMU's pmemsave writes).
            """,
        subcommands: [Walk.self, Dump.self])

    struct Inputs: ParsableArguments {
        @Option(help: "Register file (NAME VALUE per line).") var regs: String
        @Option(help: "Memory image directory (4-KiB page files named by hex physical address).") var memory: String
        @Flag(help: "Print JSON.") var json = false

        func load() throws -> (RegisterSet, PhysicalMemory) {
            let text = String(decoding: try readFile(regs, limit: 1 << 20), as: UTF8.self)
            return (try RegisterSet(parsing: text), try MemoryImageDirectory.load(memory))
        }
    }

    struct Walk: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "walk", abstract: "Translate one DMA request, printing every structure read.")
        @OptionGroup var inputs: Inputs
        @Option(help: "Requester, BB:DD.F (hex).") var device: String
        @Option(help: "Input address (IOVA), hex or decimal.") var iova: String
        @Option(help: "PASID carried by the request.") var pasid: UInt32?
        @Flag(help: "A write request (default: read).") var write = false

        struct Output: Codable {
            struct Step: Codable { var structure: String; var address: UInt64; var value: [UInt64]; var detail: String }
            var device: String; var iova: UInt64; var pasid: UInt32?; var write: Bool
            var steps: [Step]
            var address: UInt64?; var pageSize: UInt64?; var permissions: String?; var domainID: UInt16?
            var faultReason: UInt8?; var faultDescription: String?; var faultRecorded: Bool?
        }

        func run() throws {
            guard let sid = SourceID(parsing: device) else { throw ValidationError("--device: expected BB:DD.F, got \(device)") }
            guard let address = parseInteger(iova) else { throw ValidationError("--iova: not a number: \(iova)") }
            let (registers, memory) = try inputs.load()
            var trace: [WalkStep]? = []
            let request = DMARequest(sourceID: sid, pasid: pasid, address: address, kind: write ? .write : .read)
            let result = Walker(memory: memory, registers: registers).translate(request, trace: &trace)
            var out = Output(device: sid.description, iova: address, pasid: pasid, write: write,
                             steps: (trace ?? []).map { .init(structure: $0.structure, address: $0.entryAddress, value: $0.value, detail: $0.detail) })
            switch result {
            case .translated(let t):
                out.address = t.address; out.pageSize = t.pageSize; out.permissions = t.permissions.description; out.domainID = t.domainID
            case .fault(let f):
                out.faultReason = f.reason.code; out.faultDescription = f.reason.explanation; out.faultRecorded = !f.suppressed
            }
            if inputs.json { return printJSON(out) }
            print("\(sid) \(write ? "write" : "read") \(hex(address))\(pasid.map { " PASID \($0)" } ?? "") [\(registers.rootTableAddress.mode) mode]")
            for s in out.steps {
                print("  \(s.structure) @ \(hex(s.address)) = \(s.value.map(hex).joined(separator: " "))")
                print("      \(s.detail)")
            }
            if let a = out.address {
                print("  -> \(hex(a)) (\(out.permissions!), page \(hex(out.pageSize!)), domain \(out.domainID!))")
            } else {
                print("  -> fault \(hex(out.faultReason!)): \(out.faultDescription!)\(out.faultRecorded! ? "" : " (not recorded: fault processing disabled)")")
            }
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dump",
            abstract: "Print every device and PASID reachable from the root table, what it can reach, the interrupt remapping table and the invalidation queue.")
        @OptionGroup var inputs: Inputs

        struct Output: Codable {
            struct Range: Codable { var iova: UInt64; var address: UInt64; var size: UInt64; var permissions: String }
            struct Device: Codable {
                var device: String; var pasid: UInt32?; var domainID: UInt16?; var translation: String?
                var faultReason: UInt8?; var ranges: [Range]
            }
            struct InterruptEntry: Codable {
                var index: Int; var low: UInt64; var high: UInt64; var posted: Bool; var vector: UInt8; var destination: UInt32
                var sourceValidation: String
            }
            struct QueueEntry: Codable { var index: Int; var qwords: [UInt64]; var decoded: String }
            var mode: String; var devices: [Device]; var tablePages: Int; var truncated: Bool
            var interruptEntries: [InterruptEntry]; var invalidationQueue: [QueueEntry]
        }

        func run() throws {
            let (registers, memory) = try inputs.load()
            let dump = StructureDump(memory: memory, registers: registers)
            var out = Output(mode: "\(registers.rootTableAddress.mode)", devices: [], tablePages: dump.tablePages.count,
                             truncated: dump.truncated, interruptEntries: [], invalidationQueue: [])
            for d in dump.devices {
                out.devices.append(.init(device: d.sourceID.description, pasid: d.pasid, domainID: d.space?.domainID,
                                         translation: d.space.map { describe($0.kind) }, faultReason: d.fault?.code,
                                         ranges: d.ranges.map { .init(iova: $0.iova, address: $0.address, size: $0.size, permissions: $0.permissions.description) }))
            }
            let irta = registers.interruptRemapTableAddress
            if irta.address != 0 {
                for i in 0..<irta.entryCount {
                    guard let lo = memory.qword(at: irta.address + UInt64(i) * 16), let hi = memory.qword(at: irta.address + UInt64(i) * 16 + 8) else { continue }
                    let e = InterruptRemapEntry(low: lo, high: hi)
                    guard e.present else { continue }
                    let sv = e.sourceValidation
                    out.interruptEntries.append(.init(index: i, low: lo, high: hi, posted: e.posted, vector: e.vector,
                                                      destination: e.destination(x2APIC: irta.extendedInterruptMode),
                                                      sourceValidation: "\(sv.kind) SQ \(sv.qualifier) SID \(SourceID(sv.sourceID))"))
                }
            }
            var iqa = registers.invalidationQueueAddress
            if registers.rootTableAddress.mode == .scalable && !iqa.wideDescriptors {
                // Scalable mode uses 256-bit descriptors; QEMU 7.2 reads IQA back without DW.
                iqa = InvalidationQueueAddress(iqa.raw | 1 << 11)
                if !inputs.json { print("note: IQA.DW=0 in scalable mode; decoding the queue as 256-bit descriptors") }
            }
            if iqa.address != 0 {
                for i in 0..<iqa.entryCount {
                    guard let q = memory.qwords(at: iqa.address + UInt64(i * iqa.descriptorBytes), count: iqa.descriptorBytes / 8),
                          q.contains(where: { $0 != 0 }) else { continue }
                    let decoded: String
                    switch InvalidationDescriptor.decode(q) {
                    case .success(let d): decoded = "\(d)"
                    case .failure(let e): decoded = "invalid: \(e)"
                    }
                    out.invalidationQueue.append(.init(index: i, qwords: q, decoded: decoded))
                }
            }
            if inputs.json { return printJSON(out) }
            print("\(out.mode) mode, \(out.devices.count) device/PASID entries, \(out.tablePages) page-table pages\(out.truncated ? " (truncated)" : "")")
            for d in out.devices {
                let head = "\(d.device)\(d.pasid.map { " PASID \($0)" } ?? "")"
                if let f = d.faultReason { print("  \(head): fault \(hex(f)) \(FaultReason(code: f).explanation)"); continue }
                print("  \(head): domain \(d.domainID!), \(d.translation!), \(d.ranges.count) range(s)")
                for r in d.ranges { print("    \(hex(r.iova))-\(hex(r.iova + r.size - 1)) -> \(hex(r.address)) \(r.permissions)") }
            }
            if !out.interruptEntries.isEmpty {
                print("interrupt remapping table at \(hex(irta.address)) (\(irta.entryCount) entries, \(irta.extendedInterruptMode ? "x2APIC" : "xAPIC")):")
                for e in out.interruptEntries {
                    print("  [\(e.index)] \(e.posted ? "posted" : "remapped") vector \(hex(e.vector)) dest \(hex(e.destination)) \(e.sourceValidation)")
                }
            }
            if !out.invalidationQueue.isEmpty {
                print("invalidation queue at \(hex(iqa.address)) (\(iqa.descriptorBytes * 8)-bit, head \(registers.invalidationQueueHead.index(wide: iqa.wideDescriptors)), tail \(registers.invalidationQueueTail.index(wide: iqa.wideDescriptors))):")
                for q in out.invalidationQueue { print("  [\(q.index)] \(q.decoded)") }
            }
        }

        private func describe(_ kind: AddressSpace.Kind) -> String {
            switch kind {
            case .passThrough: "pass-through"
            case .secondStage(let s): "second-stage \(s.levels)-level at \(hex(s.table))"
            case .firstStage(let f): "first-stage \(f.levels)-level at \(hex(f.table))"
            case .nested(let f, let s): "nested: first-stage \(f.levels)-level at \(hex(f.table)) over second-stage \(s.levels)-level at \(hex(s.table))"
            }
        }
    }
}

private func fieldLine(_ f: RegisterField) -> String {
    let bits = "[\(f.bits)]"
    return "    \(f.name.padding(8))\(bits.padding(8)) \(hex(f.value).padding(8)) \(f.meaning)"
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

