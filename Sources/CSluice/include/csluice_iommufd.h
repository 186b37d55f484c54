// iommufd (/dev/iommu) and the VFIO device cdev (/dev/vfio/devices/vfioN) ABI.
// Source: Linux 6.12 uapi (Debian linux-source-6.12 6.12.117-1~deb12u1),
// include/uapi/linux/iommufd.h and the cdev part of include/uapi/linux/vfio.h.
// The installed linux-libc-dev (6.1) has neither. Only what Sluice uses is defined, under
// csluice_ names so a newer system header can never clash with these.
#ifndef CSLUICE_IOMMUFD_H
#define CSLUICE_IOMMUFD_H
#include <linux/types.h>

struct csluice_iommu_destroy { __u32 size; __u32 id; };

struct csluice_iommu_ioas_alloc { __u32 size; __u32 flags; __u32 out_ioas_id; };

struct csluice_iommu_iova_range { __aligned_u64 start; __aligned_u64 last; };

struct csluice_iommu_ioas_iova_ranges {
    __u32 size; __u32 ioas_id; __u32 num_iovas; __u32 reserved;
    __aligned_u64 allowed_iovas; __aligned_u64 out_iova_alignment;
};

enum {
    CSLUICE_IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
    CSLUICE_IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
    CSLUICE_IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct csluice_iommu_ioas_map {
    __u32 size; __u32 flags; __u32 ioas_id; __u32 reserved;
    __aligned_u64 user_va; __aligned_u64 length; __aligned_u64 iova;
};

struct csluice_iommu_ioas_unmap {
    __u32 size; __u32 ioas_id; __aligned_u64 iova; __aligned_u64 length;
};

enum { CSLUICE_IOMMU_HW_INFO_TYPE_NONE = 0, CSLUICE_IOMMU_HW_INFO_TYPE_INTEL_VTD = 1 };
enum { CSLUICE_IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0 };

struct csluice_iommu_hw_info_vtd {
    __u32 flags; __u32 reserved; __aligned_u64 cap_reg; __aligned_u64 ecap_reg;
};

struct csluice_iommu_hw_info {
    __u32 size; __u32 flags; __u32 dev_id; __u32 data_len;
    __aligned_u64 data_uptr;
    __u32 out_data_type; __u8 out_max_pasid_log2; __u8 reserved[3];
    __aligned_u64 out_capabilities;
};

// VFIO cdev (6.12 vfio.h, VFIO_BASE + 18..20).
struct csluice_vfio_device_bind_iommufd { __u32 argsz; __u32 flags; __s32 iommufd; __u32 out_devid; };
struct csluice_vfio_device_attach_iommufd_pt { __u32 argsz; __u32 flags; __u32 pt_id; };
struct csluice_vfio_device_detach_iommufd_pt { __u32 argsz; __u32 flags; };
// PCI hot reset with cdev devices: device ids instead of group fds (6.12 vfio.h).
#define CSLUICE_VFIO_PCI_HOT_RESET_FLAG_DEV_ID (1 << 0)
#define CSLUICE_VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED (1 << 1)

extern const unsigned long CSLUICE_IOMMU_DESTROY;
extern const unsigned long CSLUICE_IOMMU_IOAS_ALLOC;
extern const unsigned long CSLUICE_IOMMU_IOAS_IOVA_RANGES;
extern const unsigned long CSLUICE_IOMMU_IOAS_MAP;
extern const unsigned long CSLUICE_IOMMU_IOAS_UNMAP;
extern const unsigned long CSLUICE_IOMMU_GET_HW_INFO;
extern const unsigned long CSLUICE_VFIO_DEVICE_BIND_IOMMUFD;
extern const unsigned long CSLUICE_VFIO_DEVICE_ATTACH_IOMMUFD_PT;
extern const unsigned long CSLUICE_VFIO_DEVICE_DETACH_IOMMUFD_PT;
#endif
