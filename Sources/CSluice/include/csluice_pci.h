// libpci name lookup: pci_lookup_name is variadic, so Swift calls these fixed-arity wrappers.
#ifndef CSLUICE_PCI_H
#define CSLUICE_PCI_H
#include <stddef.h>

typedef struct csluice_names csluice_names;

/// Opens libpci's name database (pci.ids; hwdb unless disabled). NULL on failure.
/// `ids_path` may be NULL for libpci's default.
csluice_names *csluice_names_open(const char *ids_path, int use_hwdb);
void csluice_names_close(csluice_names *names);
/// Each returns 1 and fills `buf` when a name was found, 0 otherwise.
int csluice_name_vendor(csluice_names *n, char *buf, size_t len, int vendor);
int csluice_name_device(csluice_names *n, char *buf, size_t len, int vendor, int device);
int csluice_name_subsystem(csluice_names *n, char *buf, size_t len, int vendor, int device, int subvendor, int subdevice);
int csluice_name_class(csluice_names *n, char *buf, size_t len, int class_id);
int csluice_name_progif(csluice_names *n, char *buf, size_t len, int class_id, int progif);
#endif
