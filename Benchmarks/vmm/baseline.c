// C baseline for Sluice's VMM benchmarks: the same KVM work with nothing in between.
// Loads a flat real-mode payload at 0:7C00 into `mem` bytes of guest RAM, runs it to HLT handling
// port I/O exits with a trivial device, and prints the same figures `sluice run --stats` does:
//   start_to_first_exit_ns  from before open("/dev/kvm") to the first exit
//   mean_exit_round_trip_ns (last exit - first exit) / (exits - 1)
//   rss_bytes, rss_anon_bytes (VmRSS, RssAnon), guest_resident_bytes
// With CPUID=1 in the environment it also gives the vCPU the host's supported CPUID
// (KVM_GET_SUPPORTED_CPUID + KVM_SET_CPUID2), as Sluice does for 64-bit payloads.
// SYNC_REGS=1 makes the kernel copy the general registers into kvm_run on every exit (as Sluice does).
// Usage: [CPUID=1] [SYNC_REGS=1] baseline PAYLOAD [MEMORY_BYTES]
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) { perror(what); exit(2); }

// A "Name:  N kB" field of /proc/self/status, in bytes.
static long status_bytes(const char *name) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    size_t n = strlen(name);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') { kb = strtol(line + n + 1, NULL, 10); break; }
    if (f) fclose(f);
    return kb * 1024;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s PAYLOAD [MEMORY_BYTES]\n", argv[0]); return 2; }
    size_t mem = argc > 2 ? strtoull(argv[2], NULL, 0) : 64u << 20;
    unsigned char payload[65536];
    int pf = open(argv[1], O_RDONLY);
    if (pf < 0) die("open payload");
    ssize_t plen = read(pf, payload, sizeof payload);
    close(pf);
    if (plen <= 0) die("read payload");

    uint64_t start = now_ns();
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("open /dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != 12) die("KVM API version");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0) die("KVM_SET_TSS_ADDR");
    unsigned char *ram = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) die("mmap guest RAM");
    memcpy(ram + 0x7c00, payload, (size_t)plen);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = mem, .userspace_addr = (uint64_t)(uintptr_t)ram,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) die("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    if (getenv("CPUID")) {
        static struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[256]; } cpuid = { .h.nent = 256 };
        if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0) die("KVM_GET_SUPPORTED_CPUID");
        if (ioctl(vcpu, KVM_SET_CPUID2, &cpuid) < 0) die("KVM_SET_CPUID2");
    }
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) die("KVM_GET_SREGS");
    sregs.cs.base = 0; sregs.cs.selector = 0;
    sregs.ds.base = 0; sregs.ds.selector = 0;
    sregs.es.base = 0; sregs.es.selector = 0;
    sregs.ss.base = 0; sregs.ss.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) die("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = 0x7c00, .rsp = 0x7000, .rflags = 2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("KVM_SET_REGS");

    // SYNC_REGS=1: the kernel copies the general registers out on every exit, as Sluice asks.
    if (getenv("SYNC_REGS")) run->kvm_valid_regs = KVM_SYNC_X86_REGS;
    unsigned char scratch = 0;
    uint64_t first = 0, last = 0;
    long exits = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) die("KVM_RUN");
        last = now_ns();
        if (exits++ == 0) first = last;
        if (run->exit_reason == KVM_EXIT_HLT) break;
        if (run->exit_reason == KVM_EXIT_IO) {
            unsigned char *data = (unsigned char *)run + run->io.data_offset;
            if (run->io.direction == KVM_EXIT_IO_OUT) scratch = data[0];
            else data[0] = scratch;
            continue;
        }
        fprintf(stderr, "unexpected exit %u\n", run->exit_reason);
        return 1;
    }
    unsigned char vec[(64u << 20) / 4096];
    long resident = 0;
    if (mem <= sizeof vec * 4096 && mincore(ram, mem, vec) == 0)
        for (size_t i = 0; i < mem / 4096; i++) resident += vec[i] & 1;
    fprintf(stderr, "stats: start_to_first_exit_ns=%llu exits=%ld mean_exit_round_trip_ns=%llu rss_bytes=%ld rss_anon_bytes=%ld guest_resident_bytes=%ld\n",
            (unsigned long long)(first - start), exits,
            (unsigned long long)(exits > 1 ? (last - first) / (uint64_t)(exits - 1) : 0), status_bytes("VmRSS"), status_bytes("RssAnon"),
            resident * 4096);
    return 0;
}
