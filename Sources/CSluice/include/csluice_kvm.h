// KVM ABI. The structs come from <linux/kvm.h>; the request numbers are built by _IO* macros,
// which Swift cannot import, so each is re-exported here as a constant.
#ifndef CSLUICE_KVM_H
#define CSLUICE_KVM_H
#include <linux/kvm.h>
#include <stddef.h>

// System (/dev/kvm) ioctls.
static const unsigned long CSLUICE_KVM_GET_API_VERSION = KVM_GET_API_VERSION;
static const unsigned long CSLUICE_KVM_CREATE_VM = KVM_CREATE_VM;
static const unsigned long CSLUICE_KVM_CHECK_EXTENSION = KVM_CHECK_EXTENSION;
static const unsigned long CSLUICE_KVM_GET_VCPU_MMAP_SIZE = KVM_GET_VCPU_MMAP_SIZE;
static const unsigned long CSLUICE_KVM_GET_SUPPORTED_CPUID = KVM_GET_SUPPORTED_CPUID;

// VM ioctls.
static const unsigned long CSLUICE_KVM_CREATE_VCPU = KVM_CREATE_VCPU;
static const unsigned long CSLUICE_KVM_SET_USER_MEMORY_REGION = KVM_SET_USER_MEMORY_REGION;
static const unsigned long CSLUICE_KVM_SET_TSS_ADDR = KVM_SET_TSS_ADDR;
static const unsigned long CSLUICE_KVM_SET_IDENTITY_MAP_ADDR = KVM_SET_IDENTITY_MAP_ADDR;
static const unsigned long CSLUICE_KVM_CREATE_IRQCHIP = KVM_CREATE_IRQCHIP;
static const unsigned long CSLUICE_KVM_CREATE_PIT2 = KVM_CREATE_PIT2;
static const unsigned long CSLUICE_KVM_ENABLE_CAP = KVM_ENABLE_CAP;
static const unsigned long CSLUICE_KVM_SET_GSI_ROUTING = KVM_SET_GSI_ROUTING;
static const unsigned long CSLUICE_KVM_IRQFD = KVM_IRQFD;
static const unsigned long CSLUICE_KVM_IOEVENTFD = KVM_IOEVENTFD;
static const unsigned long CSLUICE_KVM_IRQ_LINE = KVM_IRQ_LINE;
static const unsigned long CSLUICE_KVM_SIGNAL_MSI = KVM_SIGNAL_MSI;
static const unsigned long CSLUICE_KVM_CREATE_DEVICE = KVM_CREATE_DEVICE;
static const unsigned long CSLUICE_KVM_SET_DEVICE_ATTR = KVM_SET_DEVICE_ATTR;
static const unsigned long CSLUICE_KVM_HAS_DEVICE_ATTR = KVM_HAS_DEVICE_ATTR;

// vCPU ioctls.
static const unsigned long CSLUICE_KVM_RUN = KVM_RUN;
static const unsigned long CSLUICE_KVM_GET_REGS = KVM_GET_REGS;
static const unsigned long CSLUICE_KVM_SET_REGS = KVM_SET_REGS;
static const unsigned long CSLUICE_KVM_GET_SREGS = KVM_GET_SREGS;
static const unsigned long CSLUICE_KVM_SET_SREGS = KVM_SET_SREGS;
static const unsigned long CSLUICE_KVM_SET_CPUID2 = KVM_SET_CPUID2;

// Flags and constants defined by macros whose values Swift may not see as typed constants.
static const unsigned int CSLUICE_KVM_SYNC_X86_REGS = KVM_SYNC_X86_REGS;
static const unsigned int CSLUICE_KVM_SYNC_X86_SREGS = KVM_SYNC_X86_SREGS;
static const unsigned int CSLUICE_KVM_SYNC_X86_EVENTS = KVM_SYNC_X86_EVENTS;
static const unsigned int CSLUICE_KVM_IRQFD_FLAG_DEASSIGN = KVM_IRQFD_FLAG_DEASSIGN;
static const unsigned int CSLUICE_KVM_IRQFD_FLAG_RESAMPLE = KVM_IRQFD_FLAG_RESAMPLE;
static const unsigned int CSLUICE_KVM_IOEVENTFD_FLAG_DATAMATCH = (1 << kvm_ioeventfd_flag_nr_datamatch);
static const unsigned int CSLUICE_KVM_IOEVENTFD_FLAG_PIO = (1 << kvm_ioeventfd_flag_nr_pio);
static const unsigned int CSLUICE_KVM_IOEVENTFD_FLAG_DEASSIGN = (1 << kvm_ioeventfd_flag_nr_deassign);
static const unsigned int CSLUICE_KVM_IRQ_ROUTING_IRQCHIP = KVM_IRQ_ROUTING_IRQCHIP;
static const unsigned int CSLUICE_KVM_IRQ_ROUTING_MSI = KVM_IRQ_ROUTING_MSI;
static const unsigned int CSLUICE_KVM_DEV_TYPE_VFIO = KVM_DEV_TYPE_VFIO;
static const unsigned int CSLUICE_KVM_DEV_VFIO_GROUP = KVM_DEV_VFIO_GROUP;
static const unsigned int CSLUICE_KVM_DEV_VFIO_GROUP_ADD = KVM_DEV_VFIO_GROUP_ADD;
static const unsigned int CSLUICE_KVM_DEV_VFIO_GROUP_DEL = KVM_DEV_VFIO_GROUP_DEL;
static const unsigned int CSLUICE_KVM_MEM_READONLY = KVM_MEM_READONLY;

// Offsets into struct kvm_run that Swift's import of its anonymous unions makes awkward.
static const size_t CSLUICE_KVM_RUN_SYNC_REGS_OFFSET = offsetof(struct kvm_run, s);

/// Size of a kvm_irq_routing carrying `n` entries (the struct ends in a flexible array).
static inline size_t csluice_kvm_irq_routing_size(unsigned n) {
    return sizeof(struct kvm_irq_routing) + (size_t)n * sizeof(struct kvm_irq_routing_entry);
}

/// Makes each of `signals` stop `run`'s vCPU: the handler records the signal and sets
/// run->immediate_exit (one vCPU per process at a time). Returns -1 with errno on failure.
int csluice_kvm_stop_on_signals(struct kvm_run *run, const int *signals, int count);
/// Detaches the handler from `run` (before its mapping goes away).
void csluice_kvm_stop_release(struct kvm_run *run);
/// The last stop signal received since csluice_kvm_stop_on_signals, or 0.
int csluice_kvm_stop_signal(void);
#endif
