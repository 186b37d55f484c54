// Guest side of the VT-d fixture capture (Examples/vtd-capture.sh): runs inside the QEMU lab,
// binds the e1000e at 01:00.0 to vfio-pci, maps buffers through VFIO type1 (one above 4 GiB, one
// read-only, one 2 MiB hugetlbfs page at a 2 MiB-aligned IOVA, one descriptor ring), prints their
// guest-physical pages from /proc/self/pagemap, makes the device DMA once through a mapping and
// once to an unmapped IOVA (the kernel logs the DMAR fault), then waits for the host to dump memory.
// Build on the host: gcc -O2 -Wall -o vtd-guest Examples/vtd-guest.c
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define BDF "0000:01:00.0"
static void die(const char *what) { printf("VTD-ERROR %s: %s\n", what, strerror(errno)); fflush(stdout); exit(1); }

static void put(const char *path, const char *value) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return;
    if (write(fd, value, strlen(value)) < 0) { /* unbind of an unbound device fails: fine */ }
    close(fd);
}

static uint64_t gpa(void *va) {
    int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0) die("open pagemap");
    uint64_t e = 0;
    if (pread(fd, &e, 8, ((uintptr_t)va / 4096) * 8) != 8) die("read pagemap");
    close(fd);
    if (!(e >> 63)) return 0;
    return (e & ((1ULL << 55) - 1)) * 4096;
}

static int container;
static void map(void *va, uint64_t iova, uint64_t size, int writable, const char *name) {
    struct vfio_iommu_type1_dma_map m = { .argsz = sizeof m, .flags = VFIO_DMA_MAP_FLAG_READ | (writable ? VFIO_DMA_MAP_FLAG_WRITE : 0),
                                          .vaddr = (uintptr_t)va, .iova = iova, .size = size };
    if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m)) die(name);
    for (uint64_t off = 0; off < size; off += 4096)
        printf("VTD-MAP name=%s iova=0x%llx gpa=0x%llx perm=%s\n", name, (unsigned long long)(iova + off),
               (unsigned long long)gpa((char *)va + off), writable ? "rw" : "r");
}

static void *buffer(uint64_t size, int huge) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0), -1, 0);
    if (p == MAP_FAILED) die(huge ? "mmap hugetlb" : "mmap");
    memset(p, 0, size);
    return p;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    put("/proc/sys/vm/nr_hugepages", "4");
    put("/sys/bus/pci/devices/" BDF "/driver_override", "vfio-pci");
    put("/sys/bus/pci/devices/" BDF "/driver/unbind", BDF);
    put("/sys/bus/pci/drivers_probe", BDF);
    char link[256];
    ssize_t n = readlink("/sys/bus/pci/devices/" BDF "/iommu_group", link, sizeof link - 1);
    if (n < 0) die("iommu_group");
    link[n] = 0;
    char path[64];
    snprintf(path, sizeof path, "/dev/vfio/%s", strrchr(link, '/') + 1);
    container = open("/dev/vfio/vfio", O_RDWR);
    int group = open(path, O_RDWR);
    if (container < 0 || group < 0) die("open vfio");
    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container)) die("set container");
    if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) die("set iommu");
    int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, BDF);
    if (device < 0) die("device fd");

    // Buffers: contents are a pattern naming the IOVA, so a fixture test can check it lands there.
    uint8_t *ring = buffer(4096, 0), *high = buffer(16384, 0), *ro = buffer(4096, 0), *huge = buffer(2 << 20, 1);
    snprintf((char *)high, 64, "SLUICE-VTD iova=0x100000000");
    snprintf((char *)ro, 64, "SLUICE-VTD iova=0x80000000 read-only");
    snprintf((char *)huge, 64, "SLUICE-VTD iova=0x140000000 2M");
    map(ring, 0x100000, 4096, 1, "ring");
    map(high, 0x100000000ULL, 16384, 1, "high");
    map(ro, 0x80000000ULL, 4096, 0, "readonly");
    map(huge, 0x140000000ULL, 2 << 20, 1, "huge2m");

    // BAR0 and bus mastering through VFIO regions.
    struct vfio_region_info bar = { .argsz = sizeof bar, .index = VFIO_PCI_BAR0_REGION_INDEX };
    struct vfio_region_info cfg = { .argsz = sizeof cfg, .index = VFIO_PCI_CONFIG_REGION_INDEX };
    if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar) || ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &cfg)) die("region info");
    uint16_t cmd;
    if (pread(device, &cmd, 2, cfg.offset + 4) != 2) die("read command");
    cmd |= 0x6;   // memory space + bus master
    if (pwrite(device, &cmd, 2, cfg.offset + 4) != 2) die("write command");
    volatile uint32_t *regs = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, device, bar.offset);
    if (regs == MAP_FAILED) die("mmap bar0");
#define R(off) regs[(off) / 4]
    printf("VTD-DEV status=0x%x\n", R(0x8));

    // One legacy transmit descriptor (buffer at IOVA 0x100800, 64 bytes, EOP|IFCS|RS), TDT=1.
    uint64_t desc[2] = { 0x100800, 64 | (uint64_t)0x0b << 24 };
    memcpy(ring, desc, 16);
    R(0x400) = 0;
    R(0x3800) = 0x100000; R(0x3804) = 0; R(0x3808) = 128; R(0x3810) = 0; R(0x3818) = 0;
    R(0x400) = 0xa;
    R(0x3818) = 1;
    int ok = 0;
    for (int i = 0; i < 1000 && !ok; i++) { usleep(1000); ok = ((volatile uint8_t *)ring)[12] & 1; }
    printf("VTD-DMA mapped-ring %s\n", ok ? "ok" : "no-writeback");

    // The same with the ring at an unmapped IOVA: the descriptor fetch faults.
    R(0x400) = 0;
    R(0x3800) = 0; R(0x3804) = 0x2; R(0x3810) = 0; R(0x3818) = 0;
    R(0x400) = 0xa;
    R(0x3818) = 1;
    usleep(200000);
    printf("VTD-DMA unmapped-ring iova=0x200000000 issued\n");
    R(0x400) = 0;

    printf("VTD-READY\n");
    for (int i = 0; i < 600; i++) {   // up to 60 s for the host to dump
        if (access("/run/labout/go", F_OK) == 0) break;
        usleep(100000);
    }
    printf("VTD-DONE\n");
    return 0;
}
