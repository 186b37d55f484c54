// Stopping a running vCPU from a signal: the handler may only do async-signal-safe work, so it
// records the signal and sets the run structure's immediate_exit byte. KVM_RUN then returns
// EINTR whether the signal arrived inside the guest or just before entering it.
// Call it from the thread that runs the vCPU.
#include "csluice_kvm.h"
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

static volatile __u8 *stop_target;
static volatile sig_atomic_t stop_signal;
static pthread_t vcpu_thread;

static void on_stop_signal(int sig) {
    stop_signal = sig;
    volatile __u8 *t = stop_target;
    if (!t) return;
    *t = 1;
    // A process-directed signal may land on another thread; KVM_RUN only returns when the
    // vCPU's own thread is interrupted, so pass it on (pthread_kill is async-signal-safe).
    if (!pthread_equal(pthread_self(), vcpu_thread)) pthread_kill(vcpu_thread, sig);
}

int csluice_kvm_stop_on_signals(struct kvm_run *run, const int *signals, int count) {
    stop_signal = 0;
    vcpu_thread = pthread_self();
    stop_target = &run->immediate_exit;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;  // no SA_RESTART: KVM_RUN must return
    sigemptyset(&sa.sa_mask);
    sigset_t unblock;
    sigemptyset(&unblock);
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &sa, NULL) != 0) return -1;
        sigaddset(&unblock, signals[i]);
    }
    // Worker threads (libdispatch's, for one) start with signals blocked: the vCPU thread must
    // be able to take its stop signals or KVM_RUN would never return.
    return pthread_sigmask(SIG_UNBLOCK, &unblock, NULL) == 0 ? 0 : -1;
}

void csluice_kvm_stop_release(struct kvm_run *run) {
    if (stop_target == &run->immediate_exit) stop_target = NULL;
}

int csluice_kvm_stop_signal(void) { return stop_signal; }
