// KVM ABI: filled by the KVM layer.
#ifndef CSLUICE_KVM_H
#define CSLUICE_KVM_H
#endif
