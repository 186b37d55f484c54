// SluiceACPI: decoders for the firmware tables that describe IOMMUs.
//
// - `DMARTable(bytes:)`: Intel DMA Remapping Reporting table (VT-d spec ch. 8):
//   DRHD, RMRR, ATSR, RHSA, ANDD, SATC and their device scopes.
// - `IVRSTable(bytes:)`: AMD I/O Virtualization Reporting Structure:
//   IVHD 10h/11h/40h with every device entry type, and IVMD 20h/21h/22h.
//
// The input is untrusted (a captured file, or firmware with bugs): every read is
// bounds-checked (`ByteReader`), no length field can make a loop stall or run
// past the table, and problems become `ACPIDiagnostic`s attached to the decoded
// table instead of aborting it. Only a table without even its fixed header
// throws (`ACPITableError`). Structures and entries that cannot be decoded keep
// their raw bytes.
//
// Device scope paths cross bridges whose secondary bus numbers only the live
// PCI topology knows: `DMARDeviceScope.resolve(secondaryBus:)` takes them from
// the caller (the audit's PCI model) rather than guessing.
//
// Agreement with `iasl -d` on 289 real tables and fuzzing are in Tests/SluiceACPITests.
