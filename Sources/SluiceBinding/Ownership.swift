#if canImport(Glibc)
import SluiceSystem
import Glibc
#endif
import SluiceVFIO

/// `--owner USER[:GROUP]`: hands /dev/vfio/N to an unprivileged user (mode 0660), so a VMM can
/// run without root. That user's RLIMIT_MEMLOCK then bounds how much it can DMA-map.
public struct GroupOwner: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t
    public var spec: String
    public var userName: String
    public var groupName: String

    public static func parse(_ spec: String) throws(Refusal) -> GroupOwner {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        guard let user = parts.first, let pw = getpwnam(user) else {
            throw Refusal(kind: .noDevice, message: "--owner \(spec): no such user", remedy: "give an existing user name, e.g. --owner alice or --owner alice:kvm")
        }
        var gid = pw.pointee.pw_gid
        var groupName = getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? String(gid)
        if parts.count == 2 {
            guard let gr = getgrnam(parts[1]) else {
                throw Refusal(kind: .noDevice, message: "--owner \(spec): no such group \(parts[1])", remedy: "give an existing group, e.g. kvm")
            }
            gid = gr.pointee.gr_gid
            groupName = parts[1]
        }
        return GroupOwner(uid: pw.pointee.pw_uid, gid: gid, spec: spec, userName: user, groupName: groupName)
    }

    /// Waits (up to ~3 s) for udev/devtmpfs to create the node, then chowns and chmods it.
    public func apply(group: Int, devRoot: String = "/dev") throws(StateError) {
        let path = "\(devRoot)/vfio/\(group)"
        for _ in 0..<30 where !Files.exists(path) { usleep(100_000) }
        guard chown(path, uid, gid) == 0, chmod(path, 0o660) == 0 else { throw StateError(path: path, errno: errno) }
    }
}

/// Processes holding /dev/vfio/N open (what `status` reports and what makes a device busy).
public enum GroupHolders {
    public static func holders(group: Int, procRoot: String = "/proc") -> [String] {
        let target = "/dev/vfio/\(group)"
        var out: [String] = []
        for pid in ((try? Files.list(procRoot)) ?? []) where pid.allSatisfy(\.isNumber) {
            let fds = (try? Files.list("\(procRoot)/\(pid)/fd")) ?? []
            if fds.contains(where: { Files.readLink("\(procRoot)/\(pid)/fd/\($0)") == target }) {
                let comm = ((try? Files.readText("\(procRoot)/\(pid)/comm")) ?? "?").trimmingNewlines()
                out.append("\(pid) (\(comm))")
            }
        }
        return out
    }
}
