// System headers Glibc's Swift overlay does not import.
#ifndef CSLUICE_SYS_H
#define CSLUICE_SYS_H
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#endif
