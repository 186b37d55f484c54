/// The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), 64-bit entry: the setup
/// header read from a bzImage, and the zero page (struct boot_params) the VMM hands the kernel.
/// All parsing is of untrusted bytes and bounds-checked.
public struct BzImage: Equatable, Sendable {
    /// Offsets in the file and in boot_params (the setup header sits at the same offset in both).
    public enum Offset {
        public static let setupSects = 0x1f1, bootFlag = 0x1fe, jump = 0x200, header = 0x202
        public static let version = 0x206, typeOfLoader = 0x210, loadflags = 0x211
        public static let code32Start = 0x214, ramdiskImage = 0x218, ramdiskSize = 0x21c
        public static let heapEndPtr = 0x224, cmdLinePtr = 0x228, initrdAddrMax = 0x22c
        public static let kernelAlignment = 0x230, relocatableKernel = 0x234, xloadflags = 0x236
        public static let cmdlineSize = 0x238, prefAddress = 0x258
        // boot_params outside the setup header.
        public static let extRamdiskImage = 0x0c0, extRamdiskSize = 0x0c4, extCmdLinePtr = 0x0c8
        public static let e820Entries = 0x1e8, e820Table = 0x2d0
    }
    public static let e820MaxEntries = 128
    public static let minimumVersion: UInt16 = 0x020c  // 2.12: xloadflags, 64-bit entry

    public let version: UInt16
    public let setupSectors: Int
    /// The setup header bytes (0x1f1 up to the end the jump at 0x200 declares), copied into boot_params.
    public let setupHeader: [UInt8]
    /// The protected-mode kernel, loaded at 1 MiB.
    public let kernel: ArraySlice<UInt8>
    public let initrdAddressMax: UInt32
    public let commandLineMax: UInt32
    public let loadflags: UInt8

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case truncated, notBzImage, versionTooOld(UInt16), no64BitEntry, notLoadedHigh

        public var description: String {
            switch self {
            case .truncated: return "bzImage truncated"
            case .notBzImage: return "not a bzImage (no 0xAA55 boot flag or HdrS signature)"
            case .versionTooOld(let v): return "boot protocol \(v >> 8).\(v & 0xff) is older than 2.12"
            case .no64BitEntry: return "kernel has no 64-bit entry point (XLF_KERNEL_64)"
            case .notLoadedHigh: return "kernel is not a bzImage loaded high (LOADED_HIGH)"
            }
        }
    }

    public init(_ file: [UInt8]) throws(ParseError) {
        func u16(_ o: Int) -> UInt16 { UInt16(file[o]) | UInt16(file[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) | UInt32(u16(o + 2)) << 16 }
        guard file.count >= 0x270 else { throw .truncated }
        guard u16(Offset.bootFlag) == 0xaa55, u32(Offset.header) == 0x5372_6448 else { throw .notBzImage }
        version = u16(Offset.version)
        guard version >= Self.minimumVersion else { throw .versionTooOld(version) }
        loadflags = file[Offset.loadflags]
        guard loadflags & 0x01 != 0 else { throw .notLoadedHigh }
        guard u16(Offset.xloadflags) & 0x1 != 0 else { throw .no64BitEntry }
        setupSectors = file[Offset.setupSects] == 0 ? 4 : Int(file[Offset.setupSects])
        let kernelStart = (setupSectors + 1) * 512
        guard kernelStart < file.count else { throw .truncated }
        // The header ends where the 2-byte short jump at 0x200 lands.
        let headerEnd = min(0x202 + Int(file[0x201]), file.count, 0x280)
        setupHeader = Array(file[Offset.setupSects..<max(headerEnd, 0x268)])
        kernel = file[kernelStart...]
        initrdAddressMax = u32(Offset.initrdAddrMax)
        commandLineMax = u32(Offset.cmdlineSize)
    }
}

/// One E820 entry (addr u64, size u64, type u32: 20 bytes packed).
public struct E820Entry: Equatable, Sendable {
    public enum Kind: UInt32, Sendable { case ram = 1, reserved = 2 }
    public let address: UInt64
    public let size: UInt64
    public let kind: Kind
}

/// Where everything goes for a Linux boot, and the zero page itself.
public struct LinuxBootPlan: Equatable, Sendable {
    public static let bootParamsAddress: UInt64 = 0x7000
    public static let commandLineAddress: UInt64 = 0x20000
    public static let kernelAddress: UInt64 = 0x10_0000
    /// The 64-bit entry is 0x200 past the protected-mode kernel's start.
    public static var entry: UInt64 { kernelAddress + 0x200 }

    public let bootParams: [UInt8]
    public let commandLine: [UInt8]
    public let initramfsAddress: UInt64?
    public let e820: [E820Entry]

    public enum PlanError: Error, Equatable, CustomStringConvertible {
        case commandLineTooLong(Int, max: Int), initramfsDoesNotFit(Int), kernelDoesNotFit(Int), tooManyE820Entries(Int)
        public var description: String {
            switch self {
            case .commandLineTooLong(let n, let m): return "command line of \(n) bytes exceeds the kernel's \(m)"
            case .initramfsDoesNotFit(let n): return "initramfs of \(n) bytes does not fit below the kernel's initrd_addr_max"
            case .kernelDoesNotFit(let n): return "kernel of \(n) bytes does not fit in guest RAM at 1 MiB"
            case .tooManyE820Entries(let n): return "\(n) E820 entries exceed the zero page's 128"
            }
        }
    }

    /// The E820 map for a layout: low RAM up to the EBDA, the BIOS area reserved, RAM regions,
    /// and the layout's holes reserved (so the kernel never hands MMIO addresses out as RAM).
    public static func e820(for layout: GuestMemoryLayout) -> [E820Entry] {
        var map: [E820Entry] = []
        for r in layout.regions {
            if r.guest.start == 0 {
                map.append(E820Entry(address: 0, size: min(0x9fc00, r.guest.size), kind: .ram))
                if r.guest.end > 0x10_0000 {
                    map.append(E820Entry(address: 0x10_0000, size: r.guest.end - 0x10_0000, kind: .ram))
                }
            } else {
                map.append(E820Entry(address: r.guest.start, size: r.guest.size, kind: .ram))
            }
        }
        map.append(E820Entry(address: 0x9fc00, size: 0x10_0000 - 0x9fc00, kind: .reserved))
        let ramEnd = layout.regions.last?.guest.end ?? 0
        for hole in layout.reserved where hole.start < ramEnd || hole == GuestMemoryLayout.mmioHole {
            map.append(E820Entry(address: hole.start, size: hole.size, kind: .reserved))
        }
        return map.sorted { $0.address < $1.address }
    }

    public init(image: BzImage, layout: GuestMemoryLayout, commandLine: String,
                initramfsSize: Int?) throws(PlanError) {
        var cmdline = Array(commandLine.utf8)
        let maxCmdline = image.commandLineMax == 0 ? 255 : Int(image.commandLineMax)
        guard cmdline.count <= maxCmdline else { throw .commandLineTooLong(cmdline.count, max: maxCmdline) }
        cmdline.append(0)
        let low = layout.regions.first { $0.guest.start == 0 }
        let lowEnd = low?.guest.end ?? 0
        guard UInt64(image.kernel.count) <= lowEnd &- Self.kernelAddress, lowEnd > Self.kernelAddress else {
            throw .kernelDoesNotFit(image.kernel.count)
        }
        let kernelEnd = Self.kernelAddress + UInt64(image.kernel.count)
        if let size = initramfsSize {
            // Highest page-aligned place below both RAM's end (in the low region) and initrd_addr_max.
            let ceiling = min(lowEnd, UInt64(image.initrdAddressMax == 0 ? 0x37ff_ffff : image.initrdAddressMax) + 1)
            let address = ceiling >= UInt64(size) ? (ceiling - UInt64(size)) & ~0xfff : 0
            guard size > 0, address >= (kernelEnd + 0xfff) & ~0xfff else { throw .initramfsDoesNotFit(size) }
            initramfsAddress = address
        } else {
            initramfsAddress = nil
        }
        let map = Self.e820(for: layout)
        guard map.count <= BzImage.e820MaxEntries else { throw .tooManyE820Entries(map.count) }

        var zero = [UInt8](repeating: 0, count: 4096)
        func put(_ v: UInt64, _ o: Int, _ n: Int) { for i in 0..<n { zero[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
        for (i, b) in image.setupHeader.enumerated() where BzImage.Offset.setupSects + i < 0x290 {
            zero[BzImage.Offset.setupSects + i] = b
        }
        zero[BzImage.Offset.typeOfLoader] = 0xff                   // undefined loader
        zero[BzImage.Offset.loadflags] = image.loadflags | 0x80     // CAN_USE_HEAP
        put(0xfe00, BzImage.Offset.heapEndPtr, 2)
        put(Self.commandLineAddress, BzImage.Offset.cmdLinePtr, 4)
        put(Self.commandLineAddress >> 32, BzImage.Offset.extCmdLinePtr, 4)
        put(initramfsAddress ?? 0, BzImage.Offset.ramdiskImage, 4)
        put(UInt64(initramfsSize ?? 0), BzImage.Offset.ramdiskSize, 4)
        put((initramfsAddress ?? 0) >> 32, BzImage.Offset.extRamdiskImage, 4)
        put(UInt64(map.count), BzImage.Offset.e820Entries, 1)
        for (i, e) in map.enumerated() {
            let o = BzImage.Offset.e820Table + i * 20
            put(e.address, o, 8)
            put(e.size, o + 8, 8)
            put(UInt64(e.kind.rawValue), o + 16, 4)
        }
        bootParams = zero
        self.commandLine = cmdline
        e820 = map
    }
}
