// VFIO ABI (legacy container/group API and the device API) as Swift can see it.
// The structs come from the installed <linux/vfio.h> (Linux 6.1 here); the request numbers are
// _IO() function-like macros Swift cannot import, so vfio.c exports them as constants.
// The cdev additions that 6.1 lacks (VFIO_DEVICE_BIND_IOMMUFD, ...) live in csluice_iommufd.h.
#ifndef CSLUICE_VFIO_H
#define CSLUICE_VFIO_H
#include <linux/vfio.h>

// Container (/dev/vfio/vfio).
extern const unsigned long CSLUICE_VFIO_GET_API_VERSION;
extern const unsigned long CSLUICE_VFIO_CHECK_EXTENSION;
extern const unsigned long CSLUICE_VFIO_SET_IOMMU;
extern const unsigned long CSLUICE_VFIO_IOMMU_GET_INFO;
extern const unsigned long CSLUICE_VFIO_IOMMU_MAP_DMA;
extern const unsigned long CSLUICE_VFIO_IOMMU_UNMAP_DMA;
extern const unsigned long CSLUICE_VFIO_IOMMU_DIRTY_PAGES;
// Group (/dev/vfio/N).
extern const unsigned long CSLUICE_VFIO_GROUP_GET_STATUS;
extern const unsigned long CSLUICE_VFIO_GROUP_SET_CONTAINER;
extern const unsigned long CSLUICE_VFIO_GROUP_UNSET_CONTAINER;
extern const unsigned long CSLUICE_VFIO_GROUP_GET_DEVICE_FD;
// Device.
extern const unsigned long CSLUICE_VFIO_DEVICE_GET_INFO;
extern const unsigned long CSLUICE_VFIO_DEVICE_GET_REGION_INFO;
extern const unsigned long CSLUICE_VFIO_DEVICE_GET_IRQ_INFO;
extern const unsigned long CSLUICE_VFIO_DEVICE_SET_IRQS;
extern const unsigned long CSLUICE_VFIO_DEVICE_RESET;
extern const unsigned long CSLUICE_VFIO_DEVICE_GET_PCI_HOT_RESET_INFO;
extern const unsigned long CSLUICE_VFIO_DEVICE_PCI_HOT_RESET;

// Device registers behind an mmapped BAR need single, untorn, uncached-order accesses:
// volatile loads and stores of exactly the given width (Swift has no volatile).
#include <stdint.h>
uint8_t csluice_mmio_read8(const void *addr);
uint16_t csluice_mmio_read16(const void *addr);
uint32_t csluice_mmio_read32(const void *addr);
uint64_t csluice_mmio_read64(const void *addr);
void csluice_mmio_write8(void *addr, uint8_t value);
void csluice_mmio_write16(void *addr, uint16_t value);
void csluice_mmio_write32(void *addr, uint32_t value);
void csluice_mmio_write64(void *addr, uint64_t value);
#endif
