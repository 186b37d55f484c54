// libpci name lookup: pci_lookup_name is variadic, so Swift calls these fixed-arity wrappers.
// Its own target because it links libpci (and through it libudev and libz): only the code
// that names devices links it, and the VMM process, which never does, can link statically.
#ifndef CPCINAMES_H
#define CPCINAMES_H
#include <stddef.h>

typedef struct csluice_names csluice_names;

/// Opens libpci's name database (pci.ids; udev hwdb as libpci's fallback unless disabled).
/// `ids_path` may be NULL for libpci's default. NULL on failure.
csluice_names *csluice_names_open(const char *ids_path, int use_hwdb);
void csluice_names_close(csluice_names *names);
/// Each returns 1 and fills `buf` when a name was found, 0 otherwise.
/// Strings are exactly what libpci returns with PCI_LOOKUP_NO_NUMBERS.
int csluice_name_vendor(csluice_names *n, char *buf, size_t len, int vendor);
int csluice_name_device(csluice_names *n, char *buf, size_t len, int vendor, int device);
/// The subsystem device name as lspci's "Subsystem:" line uses it (per-device entry,
/// then libpci's generic entry, then the device's own name when subsystem == device).
int csluice_name_subsystem(csluice_names *n, char *buf, size_t len, int vendor, int device, int subvendor, int subdevice);
int csluice_name_class(csluice_names *n, char *buf, size_t len, int class_id);
int csluice_name_progif(csluice_names *n, char *buf, size_t len, int class_id, int progif);
#endif
