#!/bin/bash
# Checks Sources/CSluice/include/csluice_iommufd.h against the real 6.12 uapi headers (the
# host's linux-libc-dev is 6.1 and has neither iommufd.h nor the cdev ioctls): every struct's
# size and every field's offset, and every ioctl number, must match. Compile-time only.
# Usage: scripts/check-iommufd-uapi.sh [UAPI_DIR]
#   UAPI_DIR holds linux/iommufd.h and linux/vfio.h (default: the ones
#   scripts/lab-build-iommufd-kernel.sh keeps in $SLUICE_LAB_CACHE/kernel-iommufd/uapi).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UAPI=${1:-${SLUICE_LAB_CACHE:-/var/cache/sluice/lab}/kernel-iommufd/uapi}
[ -f "$UAPI/linux/iommufd.h" ] || { echo "no $UAPI/linux/iommufd.h: run scripts/lab-build-iommufd-kernel.sh first" >&2; exit 2; }
SRC=$(mktemp /var/tmp/check-iommufd-uapi.XXXXXX.c)
trap 'rm -f "$SRC" "$SRC.o"' EXIT
cat > "$SRC" <<'C'
#include <stddef.h>
#define __user /* the raw (not headers_install'ed) uapi headers still carry it */
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "csluice_iommufd.h"
#define SAME_SIZE(s) _Static_assert(sizeof(struct csluice_##s) == sizeof(struct s), #s " size")
#define SAME_FIELD(s, f, g) _Static_assert(offsetof(struct csluice_##s, f) == offsetof(struct s, g) && \
    sizeof(((struct csluice_##s *)0)->f) == sizeof(((struct s *)0)->g), #s "." #g)
#define F(s, f) SAME_FIELD(s, f, f)
SAME_SIZE(iommu_destroy); F(iommu_destroy, size); F(iommu_destroy, id);
SAME_SIZE(iommu_ioas_alloc); F(iommu_ioas_alloc, size); F(iommu_ioas_alloc, flags); F(iommu_ioas_alloc, out_ioas_id);
SAME_SIZE(iommu_iova_range); F(iommu_iova_range, start); F(iommu_iova_range, last);
SAME_SIZE(iommu_ioas_iova_ranges); F(iommu_ioas_iova_ranges, size); F(iommu_ioas_iova_ranges, ioas_id);
F(iommu_ioas_iova_ranges, num_iovas); SAME_FIELD(iommu_ioas_iova_ranges, reserved, __reserved);
F(iommu_ioas_iova_ranges, allowed_iovas); F(iommu_ioas_iova_ranges, out_iova_alignment);
SAME_SIZE(iommu_ioas_map); F(iommu_ioas_map, size); F(iommu_ioas_map, flags); F(iommu_ioas_map, ioas_id);
SAME_FIELD(iommu_ioas_map, reserved, __reserved); F(iommu_ioas_map, user_va); F(iommu_ioas_map, length); F(iommu_ioas_map, iova);
SAME_SIZE(iommu_ioas_unmap); F(iommu_ioas_unmap, size); F(iommu_ioas_unmap, ioas_id); F(iommu_ioas_unmap, iova); F(iommu_ioas_unmap, length);
SAME_SIZE(iommu_hw_info_vtd); F(iommu_hw_info_vtd, flags); SAME_FIELD(iommu_hw_info_vtd, reserved, __reserved);
F(iommu_hw_info_vtd, cap_reg); F(iommu_hw_info_vtd, ecap_reg);
SAME_SIZE(iommu_hw_info); F(iommu_hw_info, size); F(iommu_hw_info, flags); F(iommu_hw_info, dev_id); F(iommu_hw_info, data_len);
F(iommu_hw_info, data_uptr); F(iommu_hw_info, out_data_type); F(iommu_hw_info, out_max_pasid_log2);
F(iommu_hw_info, out_capabilities);
SAME_SIZE(vfio_device_bind_iommufd); F(vfio_device_bind_iommufd, argsz); F(vfio_device_bind_iommufd, flags);
F(vfio_device_bind_iommufd, iommufd); F(vfio_device_bind_iommufd, out_devid);
SAME_SIZE(vfio_device_attach_iommufd_pt); F(vfio_device_attach_iommufd_pt, argsz); F(vfio_device_attach_iommufd_pt, flags);
F(vfio_device_attach_iommufd_pt, pt_id);
SAME_SIZE(vfio_device_detach_iommufd_pt); F(vfio_device_detach_iommufd_pt, argsz); F(vfio_device_detach_iommufd_pt, flags);
_Static_assert((long)CSLUICE_IOMMU_IOAS_MAP_FIXED_IOVA == (long)IOMMU_IOAS_MAP_FIXED_IOVA, "FIXED_IOVA");
_Static_assert((long)CSLUICE_IOMMU_IOAS_MAP_WRITEABLE == (long)IOMMU_IOAS_MAP_WRITEABLE, "WRITEABLE");
_Static_assert((long)CSLUICE_IOMMU_IOAS_MAP_READABLE == (long)IOMMU_IOAS_MAP_READABLE, "READABLE");
_Static_assert((long)CSLUICE_IOMMU_HW_INFO_TYPE_INTEL_VTD == (long)IOMMU_HW_INFO_TYPE_INTEL_VTD, "HW_INFO_TYPE_INTEL_VTD");
_Static_assert((long)CSLUICE_IOMMU_HW_CAP_DIRTY_TRACKING == (long)IOMMU_HW_CAP_DIRTY_TRACKING, "HW_CAP_DIRTY_TRACKING");
_Static_assert((long)CSLUICE_VFIO_PCI_HOT_RESET_FLAG_DEV_ID == (long)VFIO_PCI_HOT_RESET_FLAG_DEV_ID, "HOT_RESET_FLAG_DEV_ID");
_Static_assert((long)CSLUICE_VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED == (long)VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, "DEV_ID_OWNED");
/* The request numbers vfio.c defines, recomputed here from the real macros. */
#define CSLUICE_IOMMUFD_TYPE (';')
_Static_assert(_IO(CSLUICE_IOMMUFD_TYPE, 0x80) == IOMMU_DESTROY, "IOMMU_DESTROY");
_Static_assert(_IO(CSLUICE_IOMMUFD_TYPE, 0x81) == IOMMU_IOAS_ALLOC, "IOMMU_IOAS_ALLOC");
_Static_assert(_IO(CSLUICE_IOMMUFD_TYPE, 0x84) == IOMMU_IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES");
_Static_assert(_IO(CSLUICE_IOMMUFD_TYPE, 0x85) == IOMMU_IOAS_MAP, "IOMMU_IOAS_MAP");
_Static_assert(_IO(CSLUICE_IOMMUFD_TYPE, 0x86) == IOMMU_IOAS_UNMAP, "IOMMU_IOAS_UNMAP");
_Static_assert(_IO(CSLUICE_IOMMUFD_TYPE, 0x8a) == IOMMU_GET_HW_INFO, "IOMMU_GET_HW_INFO");
_Static_assert(_IO(VFIO_TYPE, VFIO_BASE + 18) == VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD");
_Static_assert(_IO(VFIO_TYPE, VFIO_BASE + 19) == VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
_Static_assert(_IO(VFIO_TYPE, VFIO_BASE + 20) == VFIO_DEVICE_DETACH_IOMMUFD_PT, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
C
cc -std=gnu11 -Wall -Werror -c -o "$SRC.o" -I "$UAPI" -I "$ROOT/Sources/CSluice/include" "$SRC"
echo "csluice_iommufd.h matches $UAPI (struct sizes, field offsets and sizes, flags, ioctl numbers)"
