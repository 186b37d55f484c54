// C baseline for the DMA-map benchmark: the same ioctls Sluice issues (container, group,
// TYPE1v2, then VFIO_IOMMU_MAP_DMA of fresh anonymous memory), timing only MAP_DMA.
// Usage: map1g GROUP ADDRESS SIZE_MIB REPS   -> prints "c-map-ns N" per rep
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s GROUP ADDRESS SIZE_MIB REPS\n", argv[0]); return 2; }
    char path[64];
    snprintf(path, sizeof path, "/dev/vfio/%s", argv[1]);
    size_t size = (size_t)atol(argv[3]) << 20;
    int reps = atoi(argv[4]);
    int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    int group = open(path, O_RDWR | O_CLOEXEC);
    if (container < 0 || group < 0) { perror("open"); return 1; }
    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) || ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
        perror("setup"); return 1;
    }
    int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
    if (device < 0) { perror("device"); return 1; }
    for (int i = 0; i < reps; i++) {
        void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (buf == MAP_FAILED) { perror("mmap"); return 1; }
        struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                                .vaddr = (unsigned long)buf, .iova = 1ULL << 32, .size = size };
        long long t0 = now_ns();
        if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map)) { perror("map"); return 1; }
        long long t1 = now_ns();
        printf("c-map-ns %lld\n", t1 - t0);
        struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof unmap, .iova = 1ULL << 32, .size = size };
        if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap)) { perror("unmap"); return 1; }
        munmap(buf, size);
    }
    close(device); close(group); close(container);
    return 0;
}
