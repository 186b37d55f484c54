// sluice-vmm: the VMM process `sluice run` executes. It holds the guest, so it is kept small:
// no argument-parsing library, no Foundation, the Swift runtime linked in (Package.swift).
#if canImport(Glibc)
import Glibc
#endif
import SluiceSystem
import SluiceVFIO
import SluiceVMM

/// Exit statuses besides the guest's own code (which `sluice run` passes through).
enum Status {
    static let hostFailure: CInt = 1
    static let usage: CInt = 64
    static let timedOut: CInt = 124
    static let guestFailed: CInt = 125
}

func fail(_ message: String, status: CInt = Status.hostFailure) -> Never {
    printError("sluice run: \(message)\n")
    exit(status)
}

let arguments: VMMArguments
do throws(VMMArguments.UsageError) {
    arguments = try VMMArguments(CommandLine.arguments.dropFirst())
} catch {
    fail("\(error)\n\(VMMArguments.usage)", status: Status.usage)
}

let payload: Payload
do throws(SystemError) {
    if let path = arguments.payload {
        payload = .flat(try readPayload(path), mode: arguments.mode)
    } else if let path = arguments.elf {
        payload = .elf(try readPayload(path))
    } else {
        payload = .linux(kernel: try readPayload(arguments.kernel!),
                         initramfs: try arguments.initramfs.map { p throws(SystemError) in try readPayload(p) },
                         commandLine: arguments.commandLine)
    }
} catch {
    fail(error.description)
}

var assigned: [(device: VFIOAssignedDevice, dma: VFIOGuestDMA)] = []
for address in arguments.devices {
    do throws(VFIOError) {
        let session = try VFIO.open(address)
        assigned.append((VFIOAssignedDevice(session: session), try VFIOGuestDMA(session.dma)))
    } catch {
        fail("--device \(address): \(error)")
    }
}

var config = VMMConfiguration(memorySize: arguments.memorySize, payload: payload,
                              irqchip: arguments.irqchip || arguments.kernel != nil || !assigned.isEmpty)
config.reservedRanges = assigned.flatMap(\.dma.reservedIOVARanges)
let vmm: VirtualMachineMonitor
do throws(VMMError) { vmm = try VirtualMachineMonitor(config) } catch { fail(error.description) }
vmm.events.onViolation = { printError("sluice: guest: \($0)\n") }
for (i, d) in assigned.enumerated() {
    do throws(VirtualMachineMonitor.AssignError) {
        try vmm.assign(d.device, dma: d.dma, slot: UInt8(i + 1))
    } catch {
        fail("--device \(d.device.name): \(error)")
    }
}

let stop: GuestStop
do throws(VMMError) {
    try vmm.stopOnSignals([SIGINT, SIGTERM, SIGALRM])
    if let timeout = arguments.timeout, timeout > 0 { alarm(timeout) }
    stop = try vmm.run()
} catch {
    vmm.releaseAssignedDevices()
    fail(error.description)
}
// Teardown before exit(): device reset and DMA unmap must not depend on deinit running.
vmm.releaseAssignedDevices()

if arguments.stats {
    let s = vmm.statistics
    let roundTrip = s.exits > 1 ? (s.lastExitTime - s.firstExitTime) / UInt64(s.exits - 1) : 0
    printError("""
        stats: start_to_first_exit_ns=\(s.startToFirstExit) exits=\(s.exits) \
        mean_exit_round_trip_ns=\(roundTrip) rss_bytes=\(statusBytes("VmRSS")) \
        rss_anon_bytes=\(statusBytes("RssAnon")) guest_resident_bytes=\(vmm.guestResidentBytes)

        """)
}
if vmm.events.total > 0 { printError("sluice: \(vmm.events.summary)\n") }
switch stop {
case .exitCode(let code): exit(CInt(code))
case .halted, .reset:
    printError("sluice: \(stop)\n")
    exit(0)
case .signal(let signal):
    printError("sluice: \(signal == SIGALRM ? "timed out" : stop.description)\n")
    exit(signal == SIGALRM ? Status.timedOut : 128 + signal)
case .shutdown, .exitLimit, .failed:
    printError("sluice: \(stop)\n")
    exit(Status.guestFailed)
}
