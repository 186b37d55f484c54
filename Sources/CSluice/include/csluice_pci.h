// libpci name lookup (pci_lookup_name is variadic, so Swift calls these fixed-arity wrappers)
// and the openat2(2) call the rooted sysfs reader needs (syscall() is variadic too).
#ifndef CSLUICE_PCI_H
#define CSLUICE_PCI_H
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

/// openat2(dirfd, path, flags | O_CLOEXEC) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS:
/// the path (and every symlink on it) must stay beneath `dirfd`; escapes fail with EXDEV.
/// Returns the fd, or -1 with errno set (ENOSYS before Linux 5.6).
int csluice_open_beneath(int dirfd, const char *path, int flags);

/// getdents64(2): raw directory entries (struct linux_dirent64) into `buf`; bytes or -1.
long csluice_getdents64(int fd, void *buf, size_t len);
#endif
