#include "csluice_ioctl.h"
#include <sys/ioctl.h>

int csluice_ioctl_ptr(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }
int csluice_ioctl_val(int fd, unsigned long request, unsigned long arg) { return ioctl(fd, request, arg); }
