/// Parsers for the files that tell what the host itself depends on (routes, mounts, swap).
/// Pure functions over text: the audit reads the files, these only interpret them.
public enum HostFiles {
    /// Interfaces that carry a route: /proc/net/route (IPv4) and /proc/net/ipv6_route.
    public static func routedInterfaces(ipv4: String?, ipv6: String?) -> Set<String> {
        var result = Set<String>()
        for line in (ipv4 ?? "").split(separator: "\n").dropFirst() {
            if let iface = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).first, iface != "lo" {
                result.insert(String(iface))
            }
        }
        for line in (ipv6 ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 10, fields[9] != "lo" { result.insert(String(fields[9])) }
        }
        return result
    }

    public struct Mount: Sendable, Equatable {
        public var source: String, target: String, type: String
    }

    /// /proc/mounts (octal escapes such as \040 decoded).
    public static func mounts(_ text: String?) -> [Mount] {
        (text ?? "").split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 3 else { return nil }
            return Mount(source: unescape(f[0]), target: unescape(f[1]), type: String(f[2]))
        }
    }

    /// Active swap devices from /proc/swaps.
    public static func swaps(_ text: String?) -> [String] {
        (text ?? "").split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: " ").first.map { unescape($0) }
        }
    }

    /// Network filesystems whose traffic a NIC carries: losing the NIC loses the mount.
    public static let networkFilesystems: Set<String> = ["nfs", "nfs4", "cifs", "smb3", "9p", "virtiofs", "ceph", "glusterfs", "iscsi"]

    static func unescape(_ s: Substring) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
               let v = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
