// VFIO and iommufd ABI: filled by the VFIO layer.
#ifndef CSLUICE_VFIO_H
#define CSLUICE_VFIO_H
#endif
