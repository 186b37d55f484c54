// Umbrella header of the C shims. Each kernel ABI has its own header.
#ifndef CSLUICE_H
#define CSLUICE_H
#include "csluice_sys.h"
#include "csluice_pci.h"
#include "csluice_ioctl.h"
#include "csluice_vfio.h"
#include "csluice_iommufd.h"
#include "csluice_kvm.h"
#endif
