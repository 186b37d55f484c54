// The system-call floor of `sluice audit --sysfs-root TREE`: the same reads the audit makes of a
// captured tree (the walk down sys/devices a level at a time, each directory opened beneath
// its parent's descriptor and listed once; config, class, the driver and group links, each
// group's type and reserved regions, a stat before each group file), on as many threads as
// the audit, with none of its parsing, judging or output. What the audit costs beyond this is
// Sluice's own work.
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
// One directory of the walk: a host bridge's (is_device 0) or a function's.
struct entry { int parent; int is_device; char name[NAME_LEN]; };
static struct entry level[MAX_ITEMS], next_level[MAX_ITEMS];
static int level_count, next_count, parents[MAX_ITEMS], next_parents[MAX_ITEMS], parent_count;
static pthread_mutex_t next_lock = PTHREAD_MUTEX_INITIALIZER;
static char groups[MAX_ITEMS][NAME_LEN];
static int group_count;
static const char *tree;
static atomic_int next_item, next_group;

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

// "pci0000:00" (a host bridge) or "0000:00:1c.0" (a function): the directories the walk enters.
static int is_host_bridge(const char *n) { return strncmp(n, "pci", 3) == 0 && strlen(n) >= 10 && n[strlen(n) - 3] == ':'; }
static int is_function(const char *n) { size_t l = strlen(n); return l >= 12 && n[l - 2] == '.' && n[l - 5] == ':'; }

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

// Opens and lists one directory of the walk, reads a function's attributes, and queues the
// directories below it (keeping its descriptor for them).
static void enter(const struct entry *e) {
    char link[4096], listing[16384], config[4097], small[65];
    int dir = open_beneath(parents[e->parent], e->name, O_RDONLY | O_DIRECTORY);
    if (dir < 0) return;
    long n = syscall(SYS_getdents64, dir, listing, sizeof listing);
    struct entry children[256];
    int child_count = 0;
    for (long off = 0; off + 19 < n && child_count < 256;) {
        unsigned short reclen;
        memcpy(&reclen, listing + off + 16, 2);
        const char *name = listing + off + 19;
        if (listing[off + 18] == DT_DIR && strlen(name) < NAME_LEN && (is_function(name) || is_host_bridge(name))) {
            children[child_count].is_device = is_function(name);
            strcpy(children[child_count++].name, name);
        }
        off += reclen;
    }
    if (e->is_device) {
        read_file(dir, "config", config, sizeof config);
        read_file(dir, "class", small, sizeof small);
        static const char *links[] = {"driver", "iommu_group", "physfn"};
        for (int i = 0; i < 3; i++)
            if (listed(listing, n, links[i])) readlinkat(dir, links[i], link, sizeof link);
        static const char *texts[] = {"reset_method", "driver_override", "removable"};
        for (int i = 0; i < 3; i++)
            if (listed(listing, n, texts[i])) read_file(dir, texts[i], small, sizeof small);
    }
    if (child_count == 0) { close(dir); return; }
    pthread_mutex_lock(&next_lock);
    int parent = parent_count++;
    next_parents[parent] = dir;
    for (int i = 0; i < child_count && next_count < MAX_ITEMS; i++) {
        children[i].parent = parent;
        next_level[next_count++] = children[i];
    }
    pthread_mutex_unlock(&next_lock);
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

static void *walk_worker(void *unused) {
    (void)unused;
    for (int start; (start = atomic_fetch_add(&next_item, CHUNK)) < level_count;)
        for (int i = start; i < start + CHUNK && i < level_count; i++) enter(&level[i]);
    return NULL;
}

static void *group_worker(void *unused) {
    (void)unused;
    int root = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int groups_dir = open_beneath(root, "sys/kernel/iommu_groups", O_PATH | O_DIRECTORY);
    for (int start; (start = atomic_fetch_add(&next_group, CHUNK)) < group_count;)
        for (int i = start; i < start + CHUNK && i < group_count; i++) group(groups_dir, groups[i]);
    close(groups_dir);
    close(root);
    return NULL;
}

static void on_threads(int threads, void *(*work)(void *)) {
    pthread_t t[8];
    for (int i = 1; i < threads; i++) pthread_create(&t[i], NULL, work, NULL);
    work(NULL);
    for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor TREE\n"); return 64; }
    tree = argv[1];
    char path[4096];
    static char names[MAX_ITEMS][NAME_LEN];
    snprintf(path, sizeof path, "%s/sys/bus/pci/devices", tree);
    list(path, names);  // the kernel's list of functions, read once as the audit does
    snprintf(path, sizeof path, "%s/sys/kernel/iommu_groups", tree);
    group_count = list(path, groups);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    // The first level: the host bridges in sys/devices.
    snprintf(path, sizeof path, "%s/sys/devices", tree);
    int top = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int n = list(path, names);
    parents[0] = top;
    int open_parents = 1;
    for (int i = 0; i < n; i++)
        if (is_host_bridge(names[i])) { level[level_count].parent = 0; level[level_count].is_device = 0; strcpy(level[level_count++].name, names[i]); }
    while (level_count > 0) {
        atomic_store(&next_item, 0);
        on_threads(threads, walk_worker);
        // A level's parents are closed once it is done; the directories it kept are the next's.
        for (int i = 0; i < open_parents; i++) close(parents[i]);
        memcpy(level, next_level, sizeof level[0] * (size_t)next_count);
        memcpy(parents, next_parents, sizeof parents[0] * (size_t)parent_count);
        level_count = next_count;
        open_parents = parent_count;
        next_count = 0;
        parent_count = 0;
    }
    on_threads(threads, group_worker);
    return 0;
}
