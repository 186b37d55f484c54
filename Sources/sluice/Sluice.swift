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
            LabCommand.self,
            ACPICommand.self,
            RunCommand.self,
            Bind.self,
            Unbind.self,
            Restore.self,
            Status.self,
            Info.self,
        ]
    )
}
