import ArgumentParser
import SluicePCI
#if canImport(Glibc)
import Glibc
#endif

/// `sluice list`: every PCI function, in lspci's spirit plus driver and IOMMU group.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List PCI functions with their driver and IOMMU group.",
        discussion: """
        Filters use lspci's syntax. JSON output follows schema sluice.list/1 (docs/json-schema-list.md).

        Exit codes: 0 listed without problems; 1 listed, but something could not be read or \
        made no sense (a vanished device, a refused file, a broken capability list, config space \
        cut to 64 bytes for a non-root reader with -v): each is reported on stderr (and in JSON); \
        3 the sysfs root or its PCI device directory is unreadable; 64 bad arguments.
        """)

    @OptionGroup var root: SysfsRootOption

    @Flag(name: .shortAndLong, help: "Decode capabilities, BARs and topology for each function.")
    var verbose = false

    @Flag(help: "Show functions as a tree under their root bridges.")
    var tree = false

    @Flag(help: "Machine-readable output (schema sluice.list/1).")
    var json = false

    @Option(name: .customShort("s"), help: ArgumentHelp("Select by address, as lspci -s.", valueName: "[[[[domain]:]bus]:][dev][.[fn]]"))
    var slot: String?

    @Option(name: .customShort("d"), help: ArgumentHelp("Select by ids, as lspci -d.", valueName: "[vendor]:[device][:class[:prog-if]]"))
    var ids: String?

    @Option(name: .customLong("class"), help: ArgumentHelp("Select by class: 2, 4 or 6 hex digits, x for any.", valueName: "CC[SS[PP]]"))
    var classFilter: String?

    @Option(name: .customLong("pci-ids"), help: ArgumentHelp("pci.ids file to take names from.", valueName: "FILE"))
    var pciIDs: String = "/usr/share/misc/pci.ids"

    @Flag(name: .customLong("no-names"), help: "Do not look up names (ids only).")
    var noNames = false

    func run() throws {
        let slotFilter: SlotFilter?
        let idFilter: IDFilter?
        let classSelect: ClassFilter?
        do {
            slotFilter = try slot.map { s throws(FilterError) in try SlotFilter(parsing: s) }
            idFilter = try ids.map { s throws(FilterError) in try IDFilter(parsing: s) }
            classSelect = try classFilter.map { s throws(FilterError) in try ClassFilter(parsing: s) }
        } catch {
            throw ValidationError(error.message)
        }
        let options = PCIScanner.Options(fullConfig: verbose, idsPath: pciIDs, names: !noNames,
                                         details: verbose ? .all : .standard)
        let scanner = PCIScanner(root: root.path, options: options)
        let result: PCIScanner.Result
        do {
            result = try scanner.scan { slotFilter?.matches($0) ?? true }
        } catch {
            printError("sluice list: \(error)")
            throw ExitCode(3)
        }
        let devices = result.devices.filter { d in
            (idFilter?.matches(vendor: d.vendorID, device: d.deviceID, classCode: d.classCode) ?? true)
                && (classSelect?.matches(classCode: d.classCode) ?? true)
        }
        var out = ""
        if json {
            ListJSON.write(result, devices: devices, root: root.path, capabilities: verbose) { writeStdout($0) }
            out = "\n"
        } else if tree {
            for l in ListFormatter.tree(devices) { out += l; out += "\n" }
        } else {
            for d in devices {
                if verbose {
                    for l in ListFormatter.verbose(d) { out += l; out += "\n" }
                    out += "\n"
                } else {
                    out += ListFormatter.line(d); out += "\n"
                }
                if out.utf8.count > 1 << 16 { writeStdout(out); out.removeAll(keepingCapacity: true) }
            }
        }
        writeStdout(out)
        let deviceProblems = devices.reduce(0) { $0 + $1.problems.count }
        if !json {
            for p in result.problems { printError("sluice list: \(p)") }
            if !verbose {
                for d in devices { for p in d.problems { printError("sluice list: \(d.address): \(p)") } }
            }
        }
        endProcess(!result.problems.isEmpty || deviceProblems > 0 ? 1 : 0)
    }
}
