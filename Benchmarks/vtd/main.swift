// VT-d model benchmark: translations per second (IOTLB hit, full walk), map/unmap throughput and
// table pages for a 64 GiB IOVA=GPA domain. Run in release:
//   swift run -c release vtd-bench
// Rates are also printed as ratios to a reference measured in the same run (a Dictionary lookup
// per request), so results compare across machines and load.
import Glibc
import SluiceVTd

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

@inline(never) func blackHole(_ x: UInt64) { if x == 0x5eed_5eed_5eed_5eed { print("") } }

func measure(_ label: String, operations: Int, reference: Double? = nil, _ body: () -> UInt64) -> Double {
    let start = now()
    let sink = body()
    let seconds = now() - start
    blackHole(sink)
    let rate = Double(operations) / seconds
    let ratio = reference.map { String(format: "  (%.2fx reference)", rate / $0) } ?? ""
    print(String(format: "%-44@ %8.2f M/s%@", label as NSStringLike, rate / 1e6, ratio))
    return rate
}

// Minimal formatting without Foundation.
typealias NSStringLike = String
func String(format: String, _ args: Any...) -> String { formatted(format, args) }
func formatted(_ format: String, _ args: [Any]) -> String {
    var out = "", i = 0
    var it = format.makeIterator()
    while let c = it.next() {
        guard c == "%" else { out.append(c); continue }
        var spec = ""
        while let n = it.next() { spec.append(n); if n.isLetter || n == "@" { break } }
        let arg = args[i]; i += 1
        switch arg {
        case let d as Double:
            let precision = spec.split(separator: ".").last.flatMap { Int($0.filter(\.isNumber)) } ?? 2
            var s = String(Int((d * pow(10, Double(precision))).rounded()))
            while s.count <= precision { s = "0" + s }
            var r = precision > 0 ? String(s.dropLast(precision)) + "." + String(s.suffix(precision)) : s
            if let w = Int(spec.prefix { $0.isNumber }), r.count < w { r = String(repeating: " ", count: w - r.count) + r }
            out += r
        case let s as String:
            var r = s
            if spec.hasPrefix("-"), let w = Int(spec.dropFirst().prefix { $0.isNumber }), r.count < w { r += String(repeating: " ", count: w - r.count) }
            out += r
        default: out += "\(arg)"
        }
    }
    return out
}

let device = SourceID(bus: 1, device: 0, function: 0)
let cap: UInt64 = 6 | 0b1110 << 8 | 47 << 16 | 0x22 << 24 | 0b11 << 34 | 1 << 39 | 18 << 48
let ecap: UInt64 = 1 << 1 | 1 << 3 | 1 << 6 | 0xf << 8

// A legacy 4-level domain mapping 64 MiB with 4-KiB pages (16384 pages).
let memory = PhysicalMemory()
var structures = RemappingStructureBuilder(mode: .legacy, memory: memory, allocator: PageAllocator(base: 0x10_0000_0000))
var tables = PageTableBuilder(levels: 4, memory: memory, allocator: PageAllocator(base: 0x20_0000_0000), largePages: 0)
let mappedPages = 16384
try! tables.map(iova: 0x1_0000_0000, to: 0x4000_0000, size: UInt64(mappedPages) << 12, permissions: .readWrite)
structures.attach(device, domainID: 1, secondStageTable: tables.root, levels: 4)
let registers = RegisterSet(capability: cap, extendedCapability: ecap, rootTableAddress: structures.rootTableAddress)

// Request streams: a hot set that fits the IOTLB, and random pages across the whole mapping.
var rng = SystemRandomNumberGenerator()
let hot = (0..<1024).map { _ in DMARequest(sourceID: device, address: 0x1_0000_0000 + UInt64.random(in: 0..<1024) << 12 | 0x10) }
let cold = (0..<65536).map { _ in DMARequest(sourceID: device, address: 0x1_0000_0000 + UInt64.random(in: 0..<UInt64(mappedPages)) << 12) }

print("VT-d model benchmark (one core, release build)")
// Reference: the cheapest software translation, a hash-map lookup of the page number.
var table = [UInt64: UInt64]()
for i in 0..<UInt64(mappedPages) { table[0x1_0000 + i] = 0x4_0000 + i }
let n = 20_000_000
let reference = measure("reference: Dictionary page lookup", operations: n) {
    var acc: UInt64 = 0
    for i in 0..<n { acc &+= table[hot[i & 1023].address >> 12] ?? 0 }
    return acc
}

let unit = RemappingUnit(registers: registers, memory: memory)
for r in hot { _ = unit.translate(r) }
let hits = measure("translate, IOTLB hit", operations: n, reference: reference) {
    var acc: UInt64 = 0
    for i in 0..<n { acc &+= unit.translate(hot[i & 1023]).translation?.address ?? 0 }
    return acc
}

let walker = Walker(memory: memory, registers: registers)
let walks = 3_000_000
let fullWalk = measure("full walk (root, context, 4 levels; no cache)", operations: walks, reference: reference) {
    var acc: UInt64 = 0
    for i in 0..<walks { acc &+= walker.translate(cold[i & 65535]).translation?.address ?? 0 }
    return acc
}

let small = RemappingUnit(registers: registers, memory: memory, iotlbCapacity: 16)
let missWalks = measure("translate, IOTLB miss (context cached)", operations: walks, reference: reference) {
    var acc: UInt64 = 0
    for i in 0..<walks { acc &+= small.translate(cold[i & 65535]).translation?.address ?? 0 }
    return acc
}
print("  (IOTLB miss ratio in that run: \(small.statistics.iotlbMisses * 100 / max(1, small.statistics.iotlbMisses + small.statistics.iotlbHits))%)")

// Map / unmap throughput, 4-KiB pages, one call per page.
let mapCount = 262_144
let mapMemory = PhysicalMemory()
var mapper = PageTableBuilder(levels: 4, memory: mapMemory, allocator: PageAllocator(base: 0x10_0000_0000), largePages: 0)
_ = measure("map 4-KiB pages", operations: mapCount, reference: reference) {
    for i in 0..<UInt64(mapCount) { try! mapper.map(iova: i << 12, to: i << 12, size: 4096, permissions: .readWrite) }
    return UInt64(mapper.leafCount)
}
_ = measure("unmap 4-KiB pages", operations: mapCount, reference: reference) {
    for i in 0..<UInt64(mapCount) { try! mapper.unmap(iova: i << 12, size: 4096) }
    return UInt64(mapper.leafCount)
}

// Table pages for 64 GiB IOVA = GPA.
print("64 GiB IOVA=GPA domain, 4-level:")
for (name, large, shift) in [("4 KiB", UInt64(0), 12), ("2 MiB", 1, 21), ("1 GiB", 3, 30)] {
    let m = PhysicalMemory()
    var b = PageTableBuilder(levels: 4, memory: m, allocator: PageAllocator(base: 0x100_0000_0000), largePages: large)
    let start = now()
    try! b.map(iova: 0, to: 0, size: 64 << 30, permissions: .readWrite)
    let minimum = minimumTablePages(size: 64 << 30, levels: 4, pageShift: shift)
    print("  \(name) pages: \(b.tablePages) table pages (theoretical minimum \(minimum)), \(b.leafCount) leaves, built in \(formatted("%.3f", [now() - start])) s")
}

print("goals: IOTLB hit >= 50 M/s: \(hits >= 50e6 ? "met" : "NOT met"); full walk >= 5 M/s: \(fullWalk >= 5e6 ? "met" : "NOT met") (miss path \(missWalks >= 5e6 ? "met" : "NOT met"))")
