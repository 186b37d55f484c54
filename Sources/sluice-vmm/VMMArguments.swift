import SluiceVMM

/// The VMM process's command line, parsed by hand: this executable carries no argument-parsing
/// library. `sluice run` validates the user's options and executes this with the same ones.
struct VMMArguments {
    var payload: String?
    var elf: String?
    var kernel: String?
    var initramfs: String?
    var commandLine = "console=ttyS0 panic=-1"
    var mode = Payload.Mode.real
    var memorySize = 64 << 20
    var irqchip = false
    var devices: [String] = []
    var timeout: UInt32?
    var stats = false

    struct UsageError: Error, CustomStringConvertible { let description: String }

    static let usage = """
        usage: sluice-vmm (--payload FILE [--mode real|long] | --elf FILE | --kernel FILE [--initramfs FILE] \
        [--cmdline TEXT]) [--memory SIZE] [--irqchip] [--device ADDRESS]... [--timeout SECONDS] [--stats]
        (normally run through `sluice run`; see `sluice run --help`)
        """

    /// Accepts `--name value` and `--name=value`; rejects anything unknown, repeated or missing.
    init(_ arguments: some Sequence<String>) throws(UsageError) {
        var words = Array(arguments)[...]
        while let word = words.popFirst() {
            var name = Substring(word)
            var inline: Substring?
            // Found in the UTF-8 bytes: a Character search pages in grapheme-breaking code.
            if let eq = word.utf8.firstIndex(of: UInt8(ascii: "=")) { name = word[..<eq]; inline = word[word.utf8.index(after: eq)...] }
            func value() throws(UsageError) -> String {
                if let inline { return String(inline) }
                guard let next = words.popFirst() else { throw UsageError(description: "\(name) needs a value") }
                return next
            }
            func once(_ current: String?) throws(UsageError) -> String {
                guard current == nil else { throw UsageError(description: "\(name) given twice") }
                return try value()
            }
            switch name {
            case "--payload": payload = try once(payload)
            case "--elf": elf = try once(elf)
            case "--kernel": kernel = try once(kernel)
            case "--initramfs": initramfs = try once(initramfs)
            case "--cmdline": commandLine = try value()
            case "--mode":
                let text = try value()
                guard let m = Payload.Mode(rawValue: text) else { throw UsageError(description: "--mode '\(text)' is not real or long") }
                mode = m
            case "--memory":
                let text = try value()
                guard let size = MemorySize.parse(text) else { throw UsageError(description: "--memory '\(text)' is not a size like 64M") }
                memorySize = size
            case "--device": devices.append(try value())
            case "--timeout":
                let text = try value()
                guard let t = UInt32(text) else { throw UsageError(description: "--timeout '\(text)' is not a number of seconds") }
                timeout = t
            case "--irqchip" where inline == nil: irqchip = true
            case "--stats" where inline == nil: stats = true
            default: throw UsageError(description: "unknown argument '\(word)'")
            }
        }
        guard [payload, elf, kernel].compactMap({ $0 }).count == 1 else {
            throw UsageError(description: "give exactly one of --payload, --elf, --kernel")
        }
        if initramfs != nil && kernel == nil { throw UsageError(description: "--initramfs needs --kernel") }
    }
}
