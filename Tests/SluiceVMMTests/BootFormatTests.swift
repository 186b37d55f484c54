import Testing
@testable import SluiceVMM

@Suite struct ELFImageTests {
    @Test func parsesTheAssembledPayload() throws {
        let image = try ELFImage(try Fixtures.guest("long-hello.elf"))
        #expect(image.entry == 0x10_0000)
        #expect(image.segments.count == 1)
        #expect(image.segments[0].guestAddress == 0x10_0000)
        #expect(image.segments[0].fileSize > 0)
    }

    @Test func rejectsMalformedHeaders() throws {
        let good = try Fixtures.guest("long-hello.elf")
        #expect(throws: ELFImage.ParseError.notELF) { try ELFImage([1, 2, 3]) }
        #expect(throws: ELFImage.ParseError.truncated("ELF header")) { try ELFImage(Array(good[0..<20])) }
        var bad = good; bad[18] = 3  // EM_386
        #expect(throws: ELFImage.ParseError.notX86_64(3)) { try ELFImage(bad) }
        bad = good; bad[4] = 1       // ELFCLASS32
        #expect(throws: ELFImage.ParseError.not64BitLittleEndian) { try ELFImage(bad) }
        bad = good; bad[32] = 0xf0; bad[33] = 0xff  // e_phoff far beyond the file
        #expect(throws: ELFImage.ParseError.truncated("program headers")) { try ELFImage(bad) }
    }

    @Test func segmentBeyondTheFileIsRefused() throws {
        var bad = try Fixtures.guest("long-hello.elf")
        let ph = Int(bad[32]) | Int(bad[33]) << 8
        bad[ph + 32 + 3] = 0x7f  // p_filesz huge
        bad[ph + 40 + 4] = 0x7f  // p_memsz larger still
        #expect(throws: ELFImage.ParseError.self) { try ELFImage(bad) }
    }

    @Test func randomMutationsNeverCrash() throws {
        let good = try Fixtures.guest("long-hello.elf")
        var rng = SplitMix(state: 1)
        for _ in 0..<3000 {
            var b = good
            for _ in 0..<(1 + rng.next() % 8) { b[Int(rng.next() % UInt64(min(b.count, 128)))] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 4 == 0 { b.removeLast(Int(rng.next() % UInt64(b.count))) }
            if let image = try? ELFImage(b) {
                for s in image.segments { #expect(s.fileOffset + s.fileSize <= b.count) }
            }
        }
    }
}

/// A synthetic bzImage: just the fields a loader reads, at their boot.rst offsets.
func makeBzImage(version: UInt16 = 0x020f, setupSects: UInt8 = 4, kernelSize: Int = 0x3000,
                 xloadflags: UInt16 = 0x1, initrdMax: UInt32 = 0x37ff_ffff, cmdlineSize: UInt32 = 2048) -> [UInt8] {
    var f = [UInt8](repeating: 0, count: (Int(setupSects) + 1) * 512 + kernelSize)
    func put(_ v: UInt64, _ o: Int, _ n: Int) { for i in 0..<n { f[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
    f[0x1f1] = setupSects
    put(0xaa55, 0x1fe, 2)
    f[0x200] = 0xeb; f[0x201] = 0x66       // jmp to 0x268: the header's end
    put(0x5372_6448, 0x202, 4)              // "HdrS"
    put(UInt64(version), 0x206, 2)
    f[0x211] = 0x01                         // LOADED_HIGH
    put(0x10_0000, 0x214, 4)
    put(UInt64(initrdMax), 0x22c, 4)
    put(0x20_0000, 0x230, 4)
    f[0x234] = 1
    put(UInt64(xloadflags), 0x236, 2)
    put(UInt64(cmdlineSize), 0x238, 4)
    for i in 0..<kernelSize { f[(Int(setupSects) + 1) * 512 + i] = UInt8(truncatingIfNeeded: i) }
    return f
}

@Suite struct LinuxBootTests {
    func le(_ b: [UInt8], _ o: Int, _ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }

    @Test func parsesTheSetupHeader() throws {
        let image = try BzImage(makeBzImage())
        #expect(image.version == 0x020f)
        #expect(image.setupSectors == 4)
        #expect(image.kernel.count == 0x3000)
        #expect(image.kernel.first == 0)
        #expect(image.commandLineMax == 2048)
    }

    @Test func zeroSetupSectsMeansFour() throws {
        var f = makeBzImage(setupSects: 4)
        f[0x1f1] = 0
        #expect(try BzImage(f).setupSectors == 4)
    }

    @Test func zeroPageFieldsAreWhereTheSpecSays() throws {
        let layout = try GuestMemoryLayout(ramSize: 256 << 20)
        let plan = try LinuxBootPlan(image: try BzImage(makeBzImage()), layout: layout,
                                     commandLine: "console=ttyS0", initramfsSize: 0x1_0000)
        let z = plan.bootParams
        #expect(z.count == 4096)
        #expect(le(z, 0x1fe, 2) == 0xaa55)                   // setup header copied
        #expect(le(z, 0x202, 4) == 0x5372_6448)
        #expect(z[0x210] == 0xff)                            // type_of_loader
        #expect(z[0x211] & 0x81 == 0x81)                     // LOADED_HIGH | CAN_USE_HEAP
        #expect(le(z, 0x224, 2) == 0xfe00)                   // heap_end_ptr
        #expect(le(z, 0x228, 4) == LinuxBootPlan.commandLineAddress)
        #expect(le(z, 0x218, 4) == plan.initramfsAddress!)   // ramdisk_image
        #expect(le(z, 0x21c, 4) == 0x1_0000)                 // ramdisk_size
        #expect(plan.initramfsAddress! % 4096 == 0)
        #expect(plan.initramfsAddress! + 0x1_0000 <= 256 << 20)
        #expect(plan.commandLine == Array("console=ttyS0".utf8) + [0])
        // e820: count at 0x1e8, 20-byte entries from 0x2d0.
        #expect(Int(z[0x1e8]) == plan.e820.count)
        for (i, e) in plan.e820.enumerated() {
            let o = 0x2d0 + 20 * i
            #expect(le(z, o, 8) == e.address && le(z, o + 8, 8) == e.size && le(z, o + 16, 4) == UInt64(e.kind.rawValue))
        }
    }

    @Test func e820DescribesRAMAndHoles() throws {
        let layout = try GuestMemoryLayout(ramSize: 4 << 30)
        let map = LinuxBootPlan.e820(for: layout)
        #expect(map.first == E820Entry(address: 0, size: 0x9fc00, kind: .ram))
        #expect(map.contains(E820Entry(address: 0x9fc00, size: 0x10_0000 - 0x9fc00, kind: .reserved)))
        #expect(map.contains(E820Entry(address: 0x10_0000, size: 0xC000_0000 - 0x10_0000, kind: .ram)))
        #expect(map.contains(E820Entry(address: 0xC000_0000, size: 0x4000_0000, kind: .reserved)))
        #expect(map.contains(E820Entry(address: 1 << 32, size: 1 << 30, kind: .ram)))
        // Sorted and non-overlapping.
        for (a, b) in zip(map, map.dropFirst()) { #expect(a.address + a.size <= b.address) }
    }

    @Test func refusesWhatCannotBoot() throws {
        let layout = try GuestMemoryLayout(ramSize: 16 << 20)
        #expect(throws: BzImage.ParseError.versionTooOld(0x0206)) { try BzImage(makeBzImage(version: 0x0206)) }
        #expect(throws: BzImage.ParseError.no64BitEntry) { try BzImage(makeBzImage(xloadflags: 0)) }
        #expect(throws: BzImage.ParseError.notBzImage) { try BzImage([UInt8](repeating: 0, count: 4096)) }
        #expect(throws: BzImage.ParseError.truncated) { try BzImage(Array(makeBzImage()[0..<0x300])) }
        let image = try BzImage(makeBzImage(cmdlineSize: 8))
        #expect(throws: LinuxBootPlan.PlanError.commandLineTooLong(9, max: 8)) {
            try LinuxBootPlan(image: image, layout: layout, commandLine: "123456789", initramfsSize: nil)
        }
        #expect(throws: LinuxBootPlan.PlanError.initramfsDoesNotFit(32 << 20)) {
            try LinuxBootPlan(image: image, layout: layout, commandLine: "", initramfsSize: 32 << 20)
        }
        let small = try GuestMemoryLayout(ramSize: 1 << 20)
        #expect(throws: LinuxBootPlan.PlanError.kernelDoesNotFit(0x3000)) {
            try LinuxBootPlan(image: image, layout: small, commandLine: "", initramfsSize: nil)
        }
    }

    @Test func initramfsStaysBelowInitrdAddrMax() throws {
        let layout = try GuestMemoryLayout(ramSize: 2 << 30)
        let image = try BzImage(makeBzImage(initrdMax: 0x0fff_ffff))
        let plan = try LinuxBootPlan(image: image, layout: layout, commandLine: "", initramfsSize: 0x12345)
        #expect(plan.initramfsAddress! + 0x12345 <= 0x1000_0000)
    }

    @Test func randomHeadersNeverCrash() {
        let good = makeBzImage()
        var rng = SplitMix(state: 2)
        for _ in 0..<3000 {
            var b = good
            for _ in 0..<(1 + rng.next() % 6) { b[0x1f0 + Int(rng.next() % 0x80)] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 3 == 0 { b.removeLast(Int(rng.next() % UInt64(b.count))) }
            if let image = try? BzImage(b), let layout = try? GuestMemoryLayout(ramSize: 64 << 20) {
                _ = try? LinuxBootPlan(image: image, layout: layout, commandLine: "x", initramfsSize: 4096)
            }
        }
    }
}
