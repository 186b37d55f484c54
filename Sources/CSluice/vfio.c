// Request numbers of the VFIO and iommufd ioctls: _IO() macros Swift cannot import.
#include "csluice_vfio.h"
#include "csluice_iommufd.h"
#include <linux/ioctl.h>

const unsigned long CSLUICE_VFIO_GET_API_VERSION = VFIO_GET_API_VERSION;
const unsigned long CSLUICE_VFIO_CHECK_EXTENSION = VFIO_CHECK_EXTENSION;
const unsigned long CSLUICE_VFIO_SET_IOMMU = VFIO_SET_IOMMU;
const unsigned long CSLUICE_VFIO_IOMMU_GET_INFO = VFIO_IOMMU_GET_INFO;
const unsigned long CSLUICE_VFIO_IOMMU_MAP_DMA = VFIO_IOMMU_MAP_DMA;
const unsigned long CSLUICE_VFIO_IOMMU_UNMAP_DMA = VFIO_IOMMU_UNMAP_DMA;
const unsigned long CSLUICE_VFIO_IOMMU_DIRTY_PAGES = VFIO_IOMMU_DIRTY_PAGES;
const unsigned long CSLUICE_VFIO_GROUP_GET_STATUS = VFIO_GROUP_GET_STATUS;
const unsigned long CSLUICE_VFIO_GROUP_SET_CONTAINER = VFIO_GROUP_SET_CONTAINER;
const unsigned long CSLUICE_VFIO_GROUP_UNSET_CONTAINER = VFIO_GROUP_UNSET_CONTAINER;
const unsigned long CSLUICE_VFIO_GROUP_GET_DEVICE_FD = VFIO_GROUP_GET_DEVICE_FD;
const unsigned long CSLUICE_VFIO_DEVICE_GET_INFO = VFIO_DEVICE_GET_INFO;
const unsigned long CSLUICE_VFIO_DEVICE_GET_REGION_INFO = VFIO_DEVICE_GET_REGION_INFO;
const unsigned long CSLUICE_VFIO_DEVICE_GET_IRQ_INFO = VFIO_DEVICE_GET_IRQ_INFO;
const unsigned long CSLUICE_VFIO_DEVICE_SET_IRQS = VFIO_DEVICE_SET_IRQS;
const unsigned long CSLUICE_VFIO_DEVICE_RESET = VFIO_DEVICE_RESET;
const unsigned long CSLUICE_VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = VFIO_DEVICE_GET_PCI_HOT_RESET_INFO;
const unsigned long CSLUICE_VFIO_DEVICE_PCI_HOT_RESET = VFIO_DEVICE_PCI_HOT_RESET;

// iommufd: type ';' (0x3b), commands from 6.12 iommufd.h.
#define CSLUICE_IOMMUFD_TYPE (';')
const unsigned long CSLUICE_IOMMU_DESTROY = _IO(CSLUICE_IOMMUFD_TYPE, 0x80);
const unsigned long CSLUICE_IOMMU_IOAS_ALLOC = _IO(CSLUICE_IOMMUFD_TYPE, 0x81);
const unsigned long CSLUICE_IOMMU_IOAS_IOVA_RANGES = _IO(CSLUICE_IOMMUFD_TYPE, 0x84);
const unsigned long CSLUICE_IOMMU_IOAS_MAP = _IO(CSLUICE_IOMMUFD_TYPE, 0x85);
const unsigned long CSLUICE_IOMMU_IOAS_UNMAP = _IO(CSLUICE_IOMMUFD_TYPE, 0x86);
const unsigned long CSLUICE_IOMMU_GET_HW_INFO = _IO(CSLUICE_IOMMUFD_TYPE, 0x8a);
const unsigned long CSLUICE_VFIO_DEVICE_BIND_IOMMUFD = _IO(VFIO_TYPE, VFIO_BASE + 18);
const unsigned long CSLUICE_VFIO_DEVICE_ATTACH_IOMMUFD_PT = _IO(VFIO_TYPE, VFIO_BASE + 19);
const unsigned long CSLUICE_VFIO_DEVICE_DETACH_IOMMUFD_PT = _IO(VFIO_TYPE, VFIO_BASE + 20);

uint8_t csluice_mmio_read8(const void *a) { return *(const volatile uint8_t *)a; }
uint16_t csluice_mmio_read16(const void *a) { return *(const volatile uint16_t *)a; }
uint32_t csluice_mmio_read32(const void *a) { return *(const volatile uint32_t *)a; }
uint64_t csluice_mmio_read64(const void *a) { return *(const volatile uint64_t *)a; }
void csluice_mmio_write8(void *a, uint8_t v) { *(volatile uint8_t *)a = v; }
void csluice_mmio_write16(void *a, uint16_t v) { *(volatile uint16_t *)a = v; }
void csluice_mmio_write32(void *a, uint32_t v) { *(volatile uint32_t *)a = v; }
void csluice_mmio_write64(void *a, uint64_t v) { *(volatile uint64_t *)a = v; }
