import Glibc
import SluiceSystem

/// Finding a captured tree's devices by walking `sys/devices` as the kernel lays it out: host
/// bridges (`pciDDDD:BB`), the functions on their buses, the functions below each bridge, and
/// the domain a VMD endpoint owns (a `pciDDDDD:BB` below it). A capture is listed directory by
/// directory anyway (the listing vouches for each file's type), so each listing also names the
/// level below: no `bus/pci/devices` link to read per device, and each directory is opened by
/// one name from its parent's descriptor instead of by its whole path from the root.
///
/// The walk goes a level at a time, each level shared among threads. It enters only functions
/// listed in `bus/pci/devices` (the kernel's list of PCI devices) and each once; a listed
/// function it does not reach (outside `sys/devices/pci*`, below a function not listed, or
/// found twice) is read through its link, as on the live sysfs.
extension PCIScanner {
    /// A directory the walk enters: a function's, or a host bridge's (`address` nil).
    struct WalkEntry: Sendable {
        /// Index of the directory it is opened from, in the level's `WalkParents`.
        var parent: Int
        var name: String
        var address: PCIAddress?
        /// The function's place in the scan's sorted list (and result); -1 for a host bridge.
        var position: Int
        /// Below `sys/devices`, as `PCIDevice.sysfsPath`.
        var sysfsPath: String
        /// The functions above it, nearest the root first.
        var upstream: [PCIAddress]
    }

    /// What entering one directory gave (the device itself goes straight to its slot).
    struct WalkStep: Sendable {
        var placed = false
        var error: SysfsError?
        var children: [WalkEntry] = []
        /// The directory, kept open for its children (-1 when it has none).
        var descriptor: CInt = -1
    }

    /// The directories one level is opened from, shared by that level's threads and closed
    /// together once it is done.
    final class WalkParents: Sendable {
        let descriptors: [CInt]
        init(_ descriptors: [CInt]) { self.descriptors = descriptors }
        deinit { for fd in descriptors where fd >= 0 { close(fd) } }
    }

    /// The result's storage while a level's threads fill it: each slot is written once, by the
    /// one thread that enters that function (the walk lets each position into a level once).
    final class WalkSlots: @unchecked Sendable {
        let base: UnsafeMutablePointer<PCIDevice>
        init(_ base: UnsafeMutablePointer<PCIDevice>) { self.base = base }
        func put(_ device: consuming PCIDevice, at i: Int) { (base + i).initialize(to: device) }
    }

    static let noNames = SysfsNames([])
    /// Levels below sys/devices the walk goes at most (real trees have under ten).
    static let walkDepthLimit = 64

    /// The listed functions and every one of them read, in list order (placeholders for those
    /// that failed, logged). Throws only when the list itself cannot be read.
    func walk(root: borrowing SysfsDirectory, filter: (PCIAddress) -> Bool,
              failures: FailureLog) throws(SysfsError) -> (FunctionList, [PCIDevice]) {
        let base = root.child("sys/devices"), rules = root.rules

        // The host bridges in sys/devices.
        var hosts: [String] = []
        var top = WalkParents([])
        if let dir = try? root.directory("sys/devices", listing: Self.noNames, subdirectory: { name in
            if Self.isHostBridgeName(name) { hosts.append(String(decoding: name, as: UTF8.self)) }
        }) {
            let fd = fcntl(dir.fd, F_DUPFD_CLOEXEC, 0)
            if fd >= 0 { top = WalkParents([fd]) } else { hosts = [] }
        }
        let bridges = hosts.sorted().map { WalkEntry(parent: 0, name: $0, address: nil, position: -1, sysfsPath: $0, upstream: []) }

        // The first level, the host bridges, is entered while the kernel's list of functions is
        // read beside it (a directory of thousands: the one stretch neither needs the other for).
        let list = FunctionListBox()
        let scanner = self, rootPath = self.rootPath, from = top
        let first = Parallel.mapShares(count: bridges.count + 1, serialBelow: 16) { indices, put in
            for k in indices {
                if k == 0 {
                    do throws(SysfsError) { list.result = .success(try FunctionList(root: rootPath)) } catch { list.result = .failure(error) }
                    put(0, WalkStep())
                } else {
                    put(k, scanner.enter(bridges[k - 1], from: from, base: base, rules: rules, position: nil, into: nil))
                }
            }
        }
        var functions = try list.result!.get()
        functions.keep(filter)
        let listed = functions.listed
        var position = [PCIAddress: Int](minimumCapacity: listed.count)
        for l in listed { position[l.address] = l.position }

        // The second level: the functions on the root buses that are listed.
        var (level, parents) = Self.nextLevel(first.dropFirst()) { child in
            guard let a = child.address else { return true }
            guard let i = position[a] else { return false }
            child.position = i
            return true
        }

        // Devices are read straight into the result's storage (4,096 of them are megabytes:
        // a second copy would be as many fresh pages again).
        let devices = [PCIDevice](unsafeUninitializedCapacity: listed.count) { buffer, initialized in
            let slots = WalkSlots(buffer.baseAddress!)
            var placed = [Bool](repeating: false, count: listed.count)
            var failed: [Int: SysfsError] = [:]
            // Found in two places: left to its link, which names the real one.
            var twice = Set<Int>()
            var depth = 0
            while !level.isEmpty, depth < Self.walkDepthLimit {
                depth += 1
                // A function met again (in this level, or placed before) is not entered:
                // its slot is written by one thread at most, and then by its link.
                var count = [UInt8](repeating: 0, count: listed.count)
                var met = false
                func known(_ i: Int) -> Bool {
                    placed[i] || (!failed.isEmpty && failed[i] != nil) || (!twice.isEmpty && twice.contains(i))
                }
                for e in level where e.position >= 0 {
                    let i = e.position
                    if count[i] < 2 { count[i] += 1 }
                    if count[i] > 1 || known(i) { met = true }
                }
                let entries = !met ? level : level.filter { e in
                    let i = e.position
                    guard i >= 0, count[i] > 1 || known(i) else { return true }
                    if placed[i] { (buffer.baseAddress! + i).deinitialize(count: 1); placed[i] = false }
                    failed[i] = nil
                    twice.insert(i)
                    return false
                }
                let from = parents, scanner = self, index = position
                let out = Parallel.mapShares(count: entries.count, serialBelow: 16) { indices, put in
                    for k in indices { put(k, scanner.enter(entries[k], from: from, base: base, rules: rules, position: index, into: slots)) }
                }
                for k in out.indices where entries[k].position >= 0 {
                    let i = entries[k].position
                    if out[k].placed { placed[i] = true } else if let error = out[k].error { failed[i] = error }
                }
                (level, parents) = Self.nextLevel(out) { _ in true }
            }

            // Listed devices the walk did not place, through their links; those it could not
            // read, as placeholders (dropped by the scan, their errors logged).
            let unplaced = listed.filter { !placed[$0.position] && failed[$0.position] == nil }
            let throughLinks = unplaced.isEmpty ? [] : readThroughLinks(unplaced, failures: failures)
            for (l, device) in zip(unplaced, throughLinks) { (buffer.baseAddress! + l.position).initialize(to: device) }
            for (i, error) in failed { (buffer.baseAddress! + i).initialize(to: Self.placeholder(listed[i], error, failures: failures)) }
            initialized = listed.count
        }
        return (functions, devices)
    }

    /// The level below `steps`: their children (those `keep` accepts, after it has had its say
    /// on each), and the directories they are opened from, kept open until that level is done.
    private static func nextLevel(_ steps: some Sequence<WalkStep>,
                                  keep: (inout WalkEntry) -> Bool) -> ([WalkEntry], WalkParents) {
        var level: [WalkEntry] = [], kept: [CInt] = []
        for step in steps where step.descriptor >= 0 {
            kept.append(step.descriptor)
            for var child in step.children where keep(&child) {
                child.parent = kept.count - 1
                level.append(child)
            }
        }
        return (level, WalkParents(kept))
    }

    /// Where the list read beside the first level lands (written by one thread, read after the join).
    final class FunctionListBox: @unchecked Sendable {
        var result: Swift.Result<FunctionList, SysfsError>?
    }

    /// Opens and reads one entry of the walk, and names the directories below it.
    /// `position` nil (the first level, entered before the list is read): every function below
    /// is named, and the caller keeps the listed ones.
    private func enter(_ e: WalkEntry, from parents: WalkParents, base: String, rules: SysfsDirectory.Rules,
                       position: [PCIAddress: Int]?, into slots: WalkSlots?) -> WalkStep {
        var children: [WalkEntry] = []
        func child(_ name: UnsafeBufferPointer<UInt8>) {
            // As a link's components are read (`DeviceLink`): a PCI address in full.
            let a = name.count >= 12 ? PCIAddress(utf8: name) : nil
            var at = -1
            if let a {
                if let position {
                    guard let i = position[a] else { return }  // not a listed function
                    at = i
                }
            } else if !Self.isHostBridgeName(name) {
                return
            }
            let text = String(decoding: name, as: UTF8.self)
            let upstream = e.address.map { e.upstream + [$0] } ?? e.upstream
            children.append(WalkEntry(parent: -1, name: text, address: a, position: at, sysfsPath: e.sysfsPath + "/" + text,
                                      upstream: upstream))
        }
        do throws(SysfsError) {
            let dir = try SysfsDirectory.open(e.name, beneath: parents.descriptors[e.parent], path: base + "/" + e.sysfsPath,
                                              listing: e.address == nil ? Self.noNames : Self.attributeNames, rules: rules,
                                              subdirectory: child)
            if let a = e.address, let slots { slots.put(readDevice(a, in: dir, sysfsPath: e.sysfsPath, upstream: e.upstream), at: e.position) }
            // Kept for the next level; without a descriptor its children go by their links.
            let kept = children.isEmpty ? -1 : fcntl(dir.fd, F_DUPFD_CLOEXEC, 0)
            return WalkStep(placed: e.address != nil, error: nil, children: kept >= 0 ? children : [], descriptor: kept)
        } catch {
            return WalkStep(error: error)
        }
    }

    /// `pci` and a PCI domain and bus (`pci0000:00`, `pci10000:00`): a host bridge's directory.
    static func isHostBridgeName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count >= 10, name.count <= 14, name[0] == UInt8(ascii: "p"), name[1] == UInt8(ascii: "c"),
              name[2] == UInt8(ascii: "i"), name[name.count - 3] == UInt8(ascii: ":") else { return false }
        for i in 3..<name.count where i != name.count - 3 { if hexDigitValue(name[i]) == nil { return false } }
        return true
    }
}
