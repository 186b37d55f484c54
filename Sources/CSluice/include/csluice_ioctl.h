// ioctl(2) is variadic in glibc; these fixed-arity forms are what Swift calls.
#ifndef CSLUICE_IOCTL_H
#define CSLUICE_IOCTL_H
#include <stdint.h>
int csluice_ioctl_ptr(int fd, unsigned long request, void *arg);
int csluice_ioctl_val(int fd, unsigned long request, unsigned long arg);
#endif
