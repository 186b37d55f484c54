// The system-call floor of `sluice audit --sysfs-root TREE`: the same reads the audit makes of a
// captured tree (openat2 beneath the root, one directory listing per device, config, class,
// the driver and group links, a bridge's subsystem ids, each group's type and reserved
// regions, a stat before each group file), on as many threads as the audit, with none of its
// parsing, judging or output. What the audit costs beyond this is Sluice's own work.
//
// Usage: floor TREE   (prints nothing; time the whole process)
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { MAX_ITEMS = 1 << 16, NAME_LEN = 32, CHUNK = 16 };
static char devices[MAX_ITEMS][NAME_LEN], groups[MAX_ITEMS][NAME_LEN];
static int device_count, group_count;
static const char *tree;
static atomic_int next_device, next_group;

static int open_beneath(int dir, const char *path, int flags) {
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
}

static int list(const char *path, char names[][NAME_LEN]) {
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) && n < MAX_ITEMS;)
        if (e->d_name[0] != '.' && strlen(e->d_name) < NAME_LEN) strcpy(names[n++], e->d_name);
    if (d) closedir(d);
    return n;
}

static ssize_t read_file(int dir, const char *name, char *buf, size_t len) {
    int fd = open_beneath(dir, name, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, len);
    close(fd);
    return n;
}

// Whether the listing in buf (n bytes of linux_dirent64) names `want`.
static int listed(const char *buf, long n, const char *want) {
    for (long off = 0; off + 19 < n;) {
        unsigned short reclen;
        memcpy(&reclen, buf + off + 16, 2);
        if (strcmp(buf + off + 19, want) == 0) return 1;
        off += reclen;
    }
    return 0;
}

static void device(int root, int bus_devices, const char *name) {
    char link[4096], path[4200], listing[16384], config[4097], small[65];
    ssize_t l = readlinkat(bus_devices, name, link, sizeof link - 1);
    if (l < 0) return;
    link[l] = 0;
    // "../../../devices/..." relative to sys/bus/pci/devices
    const char *rest = strstr(link, "devices/");
    snprintf(path, sizeof path, "sys/%s", rest ? rest : link);
    int dir = open_beneath(root, path, O_RDONLY | O_DIRECTORY);
    if (dir < 0) return;
    long n = syscall(SYS_getdents64, dir, listing, sizeof listing);
    ssize_t c = read_file(dir, "config", config, sizeof config);
    read_file(dir, "class", small, sizeof small);
    if (c > 0x0e && (config[0x0e] & 0x7f) == 1) {
        read_file(dir, "subsystem_vendor", small, sizeof small);
        read_file(dir, "subsystem_device", small, sizeof small);
    }
    static const char *links[] = {"driver", "iommu_group", "physfn"};
    for (int i = 0; i < 3; i++)
        if (listed(listing, n, links[i])) readlinkat(dir, links[i], link, sizeof link);
    static const char *texts[] = {"reset_method", "driver_override", "removable"};
    for (int i = 0; i < 3; i++)
        if (listed(listing, n, texts[i])) read_file(dir, texts[i], small, sizeof small);
    close(dir);
}

static void group(int groups_dir, const char *id) {
    char path[64], buf[4097];
    struct stat st;
    static const char *files[] = {"reserved_regions", "type"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", id, files[i]);
        if (fstatat(groups_dir, path, &st, 0) == 0 && S_ISREG(st.st_mode)) read_file(groups_dir, path, buf, sizeof buf);
    }
}

static void *worker(void *unused) {
    (void)unused;
    int root = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int bus_devices = open_beneath(root, "sys/bus/pci/devices", O_PATH | O_DIRECTORY);
    int groups_dir = open_beneath(root, "sys/kernel/iommu_groups", O_PATH | O_DIRECTORY);
    for (int start; (start = atomic_fetch_add(&next_device, CHUNK)) < device_count;)
        for (int i = start; i < start + CHUNK && i < device_count; i++) device(root, bus_devices, devices[i]);
    for (int start; (start = atomic_fetch_add(&next_group, CHUNK)) < group_count;)
        for (int i = start; i < start + CHUNK && i < group_count; i++) group(groups_dir, groups[i]);
    close(groups_dir);
    close(bus_devices);
    close(root);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor TREE\n"); return 64; }
    tree = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/sys/bus/pci/devices", tree);
    device_count = list(path, devices);
    snprintf(path, sizeof path, "%s/sys/kernel/iommu_groups", tree);
    group_count = list(path, groups);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    pthread_t t[8];
    for (int i = 1; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    worker(NULL);
    for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
    return 0;
}
