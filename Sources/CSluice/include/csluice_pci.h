// The system calls the rooted sysfs reader needs that Swift cannot call directly (syscall() is
// variadic). libpci's name lookup is in CPCINames, so that linking CSluice never links libpci.
#ifndef CSLUICE_PCI_H
#define CSLUICE_PCI_H
#include <stddef.h>

/// openat2(dirfd, path, flags | O_CLOEXEC) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS:
/// the path (and every symlink on it) must stay beneath `dirfd`; escapes fail with EXDEV.
/// Returns the fd, or -1 with errno set (ENOSYS before Linux 5.6).
int csluice_open_beneath(int dirfd, const char *path, int flags);

/// getdents64(2): raw directory entries (struct linux_dirent64) into `buf`; bytes or -1.
long csluice_getdents64(int fd, void *buf, size_t len);

/// fstatfs(2)'s f_type (the filesystem's magic number), or -1 with errno set. Swift's Glibc
/// module does not export <sys/vfs.h>.
long csluice_filesystem_type(int fd);
#endif
