// A writer for the "newc" cpio format the kernel unpacks as an initramfs. Uncompressed on
// purpose: under TCG the guest decompresses slowly, and the archive is read once from page cache.

public struct CpioArchive: Sendable {
    public enum Entry: Sendable {
        case directory(String)
        case file(String, [UInt8], executable: Bool)
        case symlink(String, target: String)
    }

    private(set) public var bytes: [UInt8] = []
    private var inode: UInt32 = 1

    public init() {}

    public mutating func append(_ entry: Entry) {
        switch entry {
        case .directory(let name): record(name, mode: 0o040755, data: [])
        case .file(let name, let data, let executable): record(name, mode: executable ? 0o100755 : 0o100644, data: data)
        case .symlink(let name, let target): record(name, mode: 0o120777, data: Array(target.utf8))
        }
    }

    /// Closes the archive with the TRAILER!!! record.
    public mutating func finish() -> [UInt8] {
        record("TRAILER!!!", mode: 0, data: [], isTrailer: true)
        return bytes
    }

    private mutating func record(_ name: String, mode: UInt32, data: [UInt8], isTrailer: Bool = false) {
        let nameBytes = Array(name.utf8) + [0]
        let ino = isTrailer ? 0 : inode
        if !isTrailer { inode += 1 }
        let fields: [UInt32] = [
            ino, mode, 0, 0, // ino, mode, uid, gid
            mode & 0o040000 != 0 ? 2 : 1, 0, // nlink, mtime (0: reproducible)
            UInt32(data.count), 0, 0, 0, 0, // filesize, devmajor, devminor, rdevmajor, rdevminor
            UInt32(nameBytes.count), 0, // namesize, check
        ]
        bytes += Array("070701".utf8)
        for f in fields { bytes += hex8(f) }
        bytes += nameBytes
        pad()
        bytes += data
        pad()
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private func hex8(_ v: UInt32) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return (0..<8).map { digits[Int((v >> (28 - 4 * UInt32($0))) & 0xf)] }
    }
}
