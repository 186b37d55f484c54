// swift-tools-version:6.1
// Sluice: safe PCI device assignment on Linux (VT-d / AMD-Vi, VFIO, KVM).
// Dependencies point one way: sluice (CLI) -> VMM -> VFIO/KVM -> System -> CSluice; PCI -> System.
import PackageDescription

let package = Package(
    name: "Sluice",
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .executable(name: "sluice-vmm", targets: ["sluice-vmm"]),
        .library(name: "SluicePCI", targets: ["SluicePCI"]),
        .library(name: "SluiceACPI", targets: ["SluiceACPI"]),
        .library(name: "SluiceVTd", targets: ["SluiceVTd"]),
        .library(name: "SluiceAudit", targets: ["SluiceAudit"]),
        .library(name: "SluiceVFIO", targets: ["SluiceVFIO"]),
        .library(name: "SluiceBinding", targets: ["SluiceBinding"]),
        .library(name: "SluiceKVM", targets: ["SluiceKVM"]),
        .library(name: "SluiceVMM", targets: ["SluiceVMM"]),
        .library(name: "SluiceLab", targets: ["SluiceLab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Kernel ABI Swift cannot import: variadic functions (ioctl, syscall), function-like
        // macros (_IOR/_IOW) and uapi headers newer than linux-libc-dev. Links only libc.
        .target(name: "CSluice"),
        // libpci's name lookup (variadic pci_lookup_name): the one user of libpci, apart so that
        // what never names devices (the VMM process) does not link it.
        .target(name: "CPCINames", linkerSettings: [.linkedLibrary("pci")]),
        // Typed syscall wrappers: errors with errno and what was attempted, owned fds, mmap.
        .target(name: "SluiceSystem", dependencies: [
            "CSluice", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "SluicePCI", dependencies: ["SluiceSystem", "CSluice", "CPCINames"]),
        // ACPI DMAR / IVRS parsers: pure functions over untrusted bytes.
        .target(name: "SluiceACPI"),
        // VT-d DMA-remapping model: standalone, no dependency on the rest.
        .target(name: "SluiceVTd"),
        .target(name: "SluiceAudit", dependencies: ["SluicePCI", "SluiceACPI", "SluiceVTd", "SluiceSystem"]),
        // The VFIO kernel interface (what the VMM process uses); binding devices to vfio-pci,
        // with its JSON journal (FoundationEssentials) and user lookup (NSS), is SluiceBinding.
        .target(name: "SluiceVFIO", dependencies: ["SluiceSystem", "CSluice"], path: "Sources/SluiceVFIO/Kernel"),
        .target(name: "SluiceBinding", dependencies: ["SluiceVFIO", "SluiceSystem"]),
        .target(name: "SluiceKVM", dependencies: ["SluiceSystem", "CSluice"]),
        .target(name: "SluiceVMM", dependencies: ["SluiceKVM", "SluiceVFIO", "SluiceSystem", "CSluice"]),
        .target(name: "SluiceLab", dependencies: ["SluiceSystem"]),
        // VT-d model benchmark (swift run -c release vtd-bench).
        .executableTarget(name: "vtd-bench", dependencies: ["SluiceVTd"], path: "Benchmarks/vtd"),
        // The VMM process `sluice run` executes: no ArgumentParser, no Foundation, no libpci, no
        // NSS. Linked as a static PIE (glibc's rcrt1.o): no ld.so and no shared libraries, so
        // what it holds beyond guest RAM stays small, and its base is still randomized (it parses
        // guest-controlled input). Link/static-pie-ld drops the rpath glibc refuses in a static PIE.
        .executableTarget(name: "sluice-vmm", dependencies: ["SluiceVMM", "SluiceVFIO", "SluiceSystem"],
                          exclude: ["Link"],
                          linkerSettings: [.unsafeFlags([
                              "-static-executable", "-Xclang-linker", "-static-pie", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                              "-ld-path=\(Context.packageDirectory)/Sources/sluice-vmm/Link/static-pie-ld",
                          ])]),
        // The CLI. The Swift runtime is linked in statically: loading its shared libraries was
        // a quarter of a `sluice list` (glibc and libpci stay shared).
        .executableTarget(name: "sluice", dependencies: [
            "SluicePCI", "SluiceACPI", "SluiceVTd", "SluiceAudit", "SluiceVFIO", "SluiceBinding", "SluiceKVM",
            "SluiceVMM", "SluiceLab", "SluiceSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [.unsafeFlags(["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims"])]),

        // Shared by the test targets: the deterministic generator of every fuzz/property test.
        .target(name: "SluiceTestSupport", path: "Tests/SluiceTestSupport"),
        .testTarget(name: "SluiceSystemTests", dependencies: ["SluiceSystem", "SluiceTestSupport"]),
        .testTarget(name: "SluicePCITests", dependencies: ["SluicePCI", "SluiceTestSupport"]),
        .testTarget(name: "SluiceACPITests", dependencies: ["SluiceACPI", "SluiceTestSupport"]),
        .testTarget(name: "SluiceVTdTests", dependencies: [
            "SluiceVTd", "SluiceTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "SluiceAuditTests", dependencies: ["SluiceAudit", "SluicePCI", "SluiceACPI", "SluiceTestSupport"]),
        .testTarget(name: "SluiceVFIOTests", dependencies: ["SluiceVFIO", "SluiceBinding", "SluiceTestSupport"], exclude: ["Lab"]),
        .testTarget(name: "SluiceKVMTests", dependencies: ["SluiceKVM"]),
        .testTarget(name: "SluiceVMMTests", dependencies: ["SluiceVMM", "SluiceKVM", "SluiceTestSupport"]),
        .testTarget(name: "SluiceLabTests", dependencies: ["SluiceLab", "SluiceSystem", "SluiceTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
