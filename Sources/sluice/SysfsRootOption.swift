import ArgumentParser

/// `--sysfs-root DIR`: every command reads the system through this root, so it runs the same
/// on a live host (`/`) and on a captured tree (see Examples/capture-sysfs.sh).
struct SysfsRootOption: ParsableArguments {
    @Option(name: .customLong("sysfs-root"), help: ArgumentHelp(
        "Read sys/ and proc/ under DIR instead of the live system (a capture).", valueName: "DIR"))
    var path: String = "/"
}
