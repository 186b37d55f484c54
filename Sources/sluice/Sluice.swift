import ArgumentParser

@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Safe PCI device assignment on Linux: enumerate, audit, bind to VFIO, run guests.",
        version: "0.1.0",
        subcommands: [
            ListCommand.self,
            AuditCommand.self,
            ACPICommand.self,
            DmarCommand.self,
            VTdCommand.self,
            Bind.self,
            Unbind.self,
            Restore.self,
            Status.self,
            Info.self,
            RunCommand.self,
            LabCommand.self,
        ]
    )
}

extension Sluice {
    /// `sluice --sysfs-root DIR list` reads like lspci's global options; ArgumentParser takes
    /// options after the subcommand, so a leading `--sysfs-root` is moved behind it.
    static func main() {
        main(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    }

    static func hoistingGlobalOptions(_ args: [String]) -> [String] {
        var globals: [String] = [], rest = args[...]
        while let first = rest.first, first.hasPrefix("--sysfs-root") {
            globals.append(first); rest = rest.dropFirst()
            if first == "--sysfs-root", let value = rest.first { globals.append(value); rest = rest.dropFirst() }
        }
        guard !globals.isEmpty, !rest.isEmpty else { return args }
        // Subcommands may nest (`sluice vtd walk`): insert before the first option-like word.
        let words = rest.prefix { !$0.hasPrefix("-") }
        return Array(words) + globals + Array(rest.dropFirst(words.count))
    }
}
