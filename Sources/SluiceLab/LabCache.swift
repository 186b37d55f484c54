// Fetches and caches what a lab guest needs: host tools (apt-get), the Debian kernel image
// (apt-get download + dpkg -x into the cache, never installed on the host), its decompressed
// vmlinux for PVH boot, and the busybox initramfs with the lab's drivers.
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

/// A kernel ready to boot.
public struct PreparedKernel: Equatable, Sendable {
    /// The image QEMU boots: the ELF vmlinux when it could be extracted, else the bzImage.
    public var image: String
    public var version: String?
    /// lib/modules/<version> of the unpacked package; nil for a kernel given by path.
    public var moduleTree: String?
    /// The Debian package it came from.
    public var package: String?
}

public struct LabError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public final class LabCache: @unchecked Sendable {
    public let root: String
    let progress: (String) -> Void

    /// Drivers the guest loads at boot: 9p for the host root, the lab's device models, VFIO, KVM.
    /// kvm_intel is left out: under TCG's `-cpu max` only SVM is offered.
    /// e1000e before virtio_net, so the e1000e is eth0 as in the reference lab.
    static let guestModules = ["virtio_pci", "9pnet_virtio", "9p", "e1000e", "virtio_net", "e1000", "8139too",
                               "nvme", "vfio", "vfio_iommu_type1", "vfio-pci", "kvm_amd"]

    /// The largest kernel, module or tool the lab reads whole.
    static let fileLimit = 1 << 30

    /// $SLUICE_LAB_CACHE, else /var/cache/sluice/lab. The guest sees the cache through the host
    /// root, so it must not live where the guest mounts fresh file systems (/tmp, /run).
    public static func defaultRoot() -> String {
        Files.environment("SLUICE_LAB_CACHE") ?? "/var/cache/sluice/lab"
    }

    public init(root: String, progress: @escaping (String) -> Void) throws(LabError) {
        guard root.hasPrefix("/") else { throw LabError("lab cache \(root) must be an absolute path") }
        guard GuestCommand.isVisibleInGuest(root) else {
            throw LabError("lab cache \(root) is under a directory the guest replaces (/tmp, /run): choose another with SLUICE_LAB_CACHE")
        }
        self.root = root
        self.progress = progress
        do { try Files.makeDirectories(root) } catch { throw LabError("cannot create the lab cache: \(error)") }
    }

    // MARK: host tools

    /// Host programs the lab needs and the Debian packages that provide them.
    static let hostTools: [(program: String, package: String)] = [
        ("qemu-system-x86_64", "qemu-system-x86"), ("depmod", "kmod"), ("modprobe", "kmod"),
        ("xz", "xz-utils"), ("zstd", "zstd"), ("setpriv", "util-linux"),
    ]

    /// Installs whatever is missing with apt-get (as root), saying what it does.
    public func ensureHostTools() throws(LabError) {
        var missing = Set<String>()
        for (program, package) in Self.hostTools where Files.which(program) == nil { missing.insert(package) }
        // The guest's PID 1 is busybox: it must be the static build.
        if !isInstalled("busybox-static") { missing.insert("busybox-static") }
        guard !missing.isEmpty else { return }
        let packages = missing.sorted()
        guard geteuid() == 0 else {
            throw LabError("missing host packages: run `apt-get install \(packages.joined(separator: " "))` as root")
        }
        progress("installing \(packages.joined(separator: ", ")) with apt-get")
        try runChecked(["apt-get", "install", "-y", "--no-install-recommends"] + packages, what: "apt-get install")
    }

    private func isInstalled(_ package: String) -> Bool {
        guard let out = try? Subprocess.run(["dpkg-query", "-W", "-f", "${Status}", package]) else { return false }
        return out.status == .exited(0) && out.text.hasSuffix("installed") && !out.text.contains("not-installed")
    }

    // MARK: kernel

    public func prepareKernel(_ choice: KernelChoice) throws(LabError) -> PreparedKernel {
        guard let meta = choice.metaPackage else {
            guard case .path(let path) = choice, Files.exists(path) else {
                throw LabError("no kernel image at \(choice)")
            }
            return PreparedKernel(image: path, version: nil, moduleTree: nil, package: nil)
        }
        let package = try resolveImagePackage(meta)
        let kroot = "\(root)/kernels/\(package)"
        if !Files.isDirectory("\(kroot)/boot") { try fetch(package, into: kroot) }
        guard let version = ((try? Files.list("\(kroot)/lib/modules")) ?? []).first else {
            throw LabError("\(package) unpacked without lib/modules")
        }
        let tree = "\(kroot)/lib/modules/\(version)"
        if !Files.exists("\(tree)/modules.dep") {
            progress("indexing modules of \(version) (depmod)")
            try runChecked(["depmod", "-b", kroot, version], what: "depmod")
        }
        let bz = "\(kroot)/boot/vmlinuz-\(version)"
        let vmlinux = "\(kroot)/vmlinux-pvh"
        if !Files.exists(vmlinux) {
            do {
                try extractVmlinux(from: bz, to: vmlinux)
            } catch {
                progress("booting the bzImage (no PVH vmlinux: \(error))")
                return PreparedKernel(image: bz, version: version, moduleTree: tree, package: package)
            }
        }
        return PreparedKernel(image: vmlinux, version: version, moduleTree: tree, package: package)
    }

    /// The image package behind a metapackage (the ABI number changes with security updates).
    func resolveImagePackage(_ meta: String) throws(LabError) -> String {
        let out = try capture(["apt-cache", "depends", meta], what: "apt-cache depends \(meta)")
        guard let package = Self.imagePackage(fromDepends: out) else {
            throw LabError("apt-cache does not know \(meta) (run apt-get update)")
        }
        return package
    }

    static func imagePackage(fromDepends text: String) -> String? {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, words[0] == "Depends:", words[1].hasPrefix("linux-image-"),
               words[1].dropFirst("linux-image-".count).first?.isNumber == true {
                return String(words[1])
            }
        }
        return nil
    }

    private func fetch(_ package: String, into kroot: String) throws(LabError) {
        let debs = "\(root)/debs"
        do { try Files.makeDirectories(debs); try Files.makeDirectories("\(root)/kernels") } catch { throw LabError("\(error)") }
        progress("downloading \(package) (apt-get download; it is unpacked into the cache, not installed)")
        try runChecked(["sh", "-c", "cd \"$1\" && exec apt-get -o APT::Sandbox::User=root download \"$2\"", "sh", debs, package], what: "apt-get download \(package)")
        guard let deb = ((try? Files.list(debs)) ?? []).first(where: { $0.hasPrefix(package + "_") && $0.hasSuffix(".deb") }) else {
            throw LabError("apt-get download left no \(package) .deb in \(debs)")
        }
        progress("unpacking \(deb)")
        let tmp = "\(kroot).tmp.\(getpid())"
        try runChecked(["rm", "-rf", tmp], what: "rm")
        try runChecked(["dpkg", "-x", "\(debs)/\(deb)", tmp], what: "dpkg -x")
        if rename(tmp, kroot) != 0 { throw LabError("\(SystemError.current("rename \(tmp)"))") }
    }

    func extractVmlinux(from bzImage: String, to out: String) throws(LabError) {
        let image: [UInt8]
        do { image = try Files.read(bzImage, limit: Self.fileLimit) } catch { throw LabError("\(error)") }
        let payload: BzImagePayload
        do { payload = try BzImage.payload(of: image) } catch { throw LabError("\(bzImage): \(error)") }
        progress("decompressing the kernel for PVH boot (\(payload.compression.rawValue))")
        let compressed = "\(out).\(payload.compression.rawValue).tmp"
        let partial = "\(out).tmp"
        defer { unlink(compressed); unlink(partial) }
        do {
            try Files.writeAtomically(compressed, Array(image[payload.offset..<payload.offset + payload.length]))
        } catch { throw LabError("\(error)") }
        // The kernel build appends the decompressed size after the stream, which decompressors
        // call trailing garbage: judge the result by its ELF header, not the exit status.
        let inFD = open(compressed, O_RDONLY | O_CLOEXEC)
        let outFD = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if inFD >= 0 { close(inFD) }; if outFD >= 0 { close(outFD) } }
        guard inFD >= 0, outFD >= 0 else { throw LabError("\(SystemError.current("open \(partial)"))") }
        do {
            let child = try Subprocess.spawn(payload.compression.decompressor, stdin: .fd(inFD), stdout: .fd(outFD), stderr: .null)
            _ = try child.wait()
        } catch { throw LabError("\(error)") }
        guard let head = try? Files.read(partial, limit: 4, prefixOnly: true), BzImage.isELF(head), (Files.size(partial) ?? 0) > 1 << 20 else {
            throw LabError("decompressed payload is not an ELF vmlinux")
        }
        if rename(partial, out) != 0 { throw LabError("\(SystemError.current("rename \(partial)"))") }
    }

    // MARK: initramfs

    /// The busybox initramfs for this kernel, built once per (kernel, init script, module list).
    public func initramfs(for kernel: PreparedKernel) throws(LabError) -> String {
        let modules = try kernel.moduleTree.map { tree throws(LabError) in try moduleFiles(tree: tree, version: kernel.version!) } ?? []
        var key = FNV1a()
        key.add(GuestInit.script)
        for m in modules { key.add(m) }
        key.add(String(Files.size("/bin/busybox") ?? 0))
        let name = "initramfs-\(kernel.package ?? "builtin")-\(key.hex).cpio"
        let path = "\(root)/\(name)"
        if Files.exists(path) { return path }

        progress("building \(name) (busybox + \(modules.count) modules)")
        var cpio = CpioArchive()
        for d in ["bin", "dev", "proc", "sys", "tmp", "host", "etc", "lib", "lib/modules"] { cpio.append(.directory(d)) }
        do {
            cpio.append(.file("bin/busybox", try Files.read("/bin/busybox", limit: Self.fileLimit), executable: true))
        } catch { throw LabError("busybox-static: \(error)") }
        cpio.append(.symlink("bin/sh", target: "busybox"))
        cpio.append(.file("init", Array(GuestInit.script.utf8), executable: true))
        var order: [String] = []
        for ko in modules {
            let base = Self.moduleFileName(ko)
            cpio.append(.file("lib/modules/\(base)", try moduleBytes(ko), executable: false))
            order.append(base)
        }
        cpio.append(.file("etc/sluice-modules", Array((order.joined(separator: "\n") + "\n").utf8), executable: false))
        do { try Files.writeAtomically(path, cpio.finish()) } catch { throw LabError("\(error)") }
        // Older builds for the same kernel (another init script or module list) are dead weight.
        let prefix = "initramfs-\(kernel.package ?? "builtin")-"
        for old in (try? Files.list(root)) ?? [] where old.hasPrefix(prefix) && old.hasSuffix(".cpio") && old != name {
            unlink("\(root)/\(old)")
        }
        return path
    }

    /// .ko paths in load order, dependencies first, as modprobe resolves them.
    func moduleFiles(tree: String, version: String) throws(LabError) -> [String] {
        let kroot = String(tree.dropLast("/lib/modules/\(version)".count))
        var seen = Set<String>()
        var order: [String] = []
        for module in Self.guestModules {
            let out = try capture(["modprobe", "-d", kroot, "-S", version, "--show-depends", module], what: "modprobe --show-depends \(module)")
            for path in Self.insmodPaths(fromShowDepends: out) where seen.insert(path).inserted {
                order.append(path)
            }
        }
        return order
    }

    static func insmodPaths(fromShowDepends text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            return words.count >= 2 && words[0] == "insmod" ? String(words[1]) : nil
        }
    }

    static func moduleFileName(_ path: String) -> String {
        var base = String(path.split(separator: "/").last ?? "")
        for suffix in [".xz", ".zst", ".gz"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        return base
    }

    private func moduleBytes(_ path: String) throws(LabError) -> [UInt8] {
        let tool: [String]? = path.hasSuffix(".xz") ? ["xz", "-dc", path]
            : path.hasSuffix(".zst") ? ["zstd", "-dc", path]
            : path.hasSuffix(".gz") ? ["gzip", "-dc", path] : nil
        if let tool {
            let out: Subprocess.Output
            do { out = try Subprocess.run(tool) } catch { throw LabError("\(error)") }
            guard out.status == .exited(0) else { throw LabError("\(tool[0]) failed on \(path)") }
            return out.stdout
        }
        do { return try Files.read(path, limit: Self.fileLimit) } catch { throw LabError("\(error)") }
    }

    // MARK: helpers

    private func capture(_ argv: [String], what: String) throws(LabError) -> String {
        let out: Subprocess.Output
        do { out = try Subprocess.run(argv) } catch { throw LabError("\(what): \(error)") }
        guard out.status == .exited(0) else { throw LabError("\(what) failed (\(out.status))") }
        return out.text
    }

    private func runChecked(_ argv: [String], what: String) throws(LabError) {
        let status: ExitStatus
        do { status = try Subprocess.spawn(argv, stdin: .null, stdout: .fd(2)).wait() } catch { throw LabError("\(what): \(error)") }
        guard status == .exited(0) else { throw LabError("\(what) failed (\(status))") }
    }
}

/// 64-bit FNV-1a: a stable cache key (not a security boundary).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ s: String) {
        for b in s.utf8 { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        value = (value ^ 0xff) &* 0x0000_0100_0000_01b3
    }
    var hex: String {
        let digits = Array("0123456789abcdef")
        return String((0..<16).map { digits[Int((value >> (60 - 4 * UInt64($0))) & 0xf)] })
    }
}
