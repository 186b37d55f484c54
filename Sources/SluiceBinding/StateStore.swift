#if canImport(Glibc)
import SluiceSystem
import Glibc
#endif
import SluiceVFIO
import FoundationEssentials

/// What Sluice remembers about a device it bound, so restore can put it back.
public struct BindingRecord: Sendable, Equatable, Codable {
    public var address: String
    public var originalDriver: String?
    public var originalOverride: String?
    public var group: Int
    public var owner: String?
    public var persist: Bool
}

/// An in-flight bind: written before the first sysfs write, removed after the last. If it is
/// still there when Sluice starts, the bind was interrupted and every member is rolled back.
public struct BindJournal: Sendable, Equatable, Codable {
    public var members: [BindingRecord]
}

/// The state directory (default /var/lib/sluice): binding records, the journal, the lock, the
/// persistence markers udev tests for, and the log of every sysfs write.
public final class StateStore {
    public let directory: String
    public init(directory: String = "/var/lib/sluice") { self.directory = directory }

    var recordsDir: String { directory + "/bindings" }
    public var persistDir: String { directory + "/persist" }
    /// "USER GROUP" per IOMMU group number: the udev rule for /dev/vfio/N reads its owner here.
    public var groupOwnerDir: String { directory + "/group-owner" }
    var journalPath: String { directory + "/journal.json" }
    public var logPath: String { directory + "/sysfs-writes.log" }

    public func prepare() throws(StateError) {
        for d in [directory, recordsDir, persistDir, groupOwnerDir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
            throw StateError(path: d, errno: errno)
        }
    }

    public func record(_ address: String) -> BindingRecord? { load(recordsDir + "/\(address).json") }
    public func records() -> [BindingRecord] {
        ((try? Files.list(recordsDir)) ?? []).filter { $0.hasSuffix(".json") }.compactMap { load(recordsDir + "/" + $0) }
    }
    public func save(_ r: BindingRecord) throws(StateError) { try store(r, at: recordsDir + "/\(r.address).json") }
    public func remove(_ address: String) {
        if let g = record(address)?.group, !records().contains(where: { $0.group == g && $0.address != address }) {
            clearGroupOwner(g)
        }
        unlink(recordsDir + "/\(address).json")
        unlink(persistDir + "/\(address)")
    }

    public func journal() -> BindJournal? { load(journalPath) }
    public func writeJournal(_ j: BindJournal) throws(StateError) { try store(j, at: journalPath) }
    public func clearJournal() { unlink(journalPath) }

    /// `sluice bind --persist`: the udev rule's TEST looks for this file by device address.
    public func markPersistent(_ address: String, owner: String?) throws(StateError) {
        try writeAtomically(persistDir + "/\(address)", Array((owner ?? "").utf8))
    }

    public func setGroupOwner(_ group: Int, user: String, groupName: String) throws(StateError) {
        try writeAtomically(groupOwnerDir + "/\(group)", Array("\(user) \(groupName)\n".utf8))
    }
    public func clearGroupOwner(_ group: Int) { unlink(groupOwnerDir + "/\(group)") }

    public func appendLog(_ line: String) {
        let fd = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    func load<T: Decodable>(_ path: String) -> T? {
        guard let text = try? Files.readText(path) else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    func store<T: Encodable>(_ value: T, at path: String) throws(StateError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(value) else { throw StateError(path: path, errno: EINVAL) }
        try writeAtomically(path, Array(data))
    }

    /// Write to a temporary file, fsync, rename: a crash leaves the old or the new file, never half.
    func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(StateError) {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateError(path: tmp, errno: errno) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let ok = n == bytes.count && fsync(fd) == 0
        let e = errno
        close(fd)
        guard ok, rename(tmp, path) == 0 else { throw StateError(path: path, errno: ok ? errno : e) }
    }
}

public struct StateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var errno: CInt
    public var description: String { "state \(path): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// An exclusive flock on the state directory's lock file, held for a bind, unbind or restore.
public final class BindLock {
    let fd: CInt
    /// Waits up to `timeoutSeconds` for another Sluice to finish, then refuses.
    public init(store: StateStore, timeoutSeconds: Int = 10) throws(Refusal) {
        fd = open(store.directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Refusal(kind: .locked, message: "cannot open the lock \(store.directory)/lock: \(String(cString: strerror(errno)))",
                          remedy: "run as root, or pass --state-dir to a writable directory")
        }
        for attempt in 0...(timeoutSeconds * 10) {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return }
            if attempt < timeoutSeconds * 10 { usleep(100_000) }
        }
        close(fd)
        throw Refusal(kind: .locked, message: "another sluice bind/unbind/restore holds \(store.directory)/lock",
                      remedy: "wait for it to finish (or find it with `fuser \(store.directory)/lock`)")
    }
    deinit { close(fd) }
}
