import ArgumentParser

@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Safe PCI device assignment on Linux: enumerate, audit, bind to VFIO, run guests.",
        version: "0.1.0",
        subcommands: [DmarCommand.self, VTdCommand.self]
    )
}
