#define _GNU_SOURCE
#include "CFileGuard.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// Enough for every file a pipeline reads at once; a full table only loses the protection.
#define SLOTS 64

static _Atomic(uintptr_t) slot_base[SLOTS];
static _Atomic(size_t) slot_length[SLOTS];
static atomic_long slot_faults[SLOTS];
static atomic_flag slot_taken[SLOTS];
static struct sigaction previous;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int install_result = -1;
static uintptr_t page_size = 4096;

// Only async-signal-safe work here: atomics, mmap (a plain system call on Linux) and sigaction.
static void on_sigbus(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t base = atomic_load(&slot_base[i]);
        size_t length = atomic_load(&slot_length[i]);
        if (base == 0 || address < base || address >= base + length) continue;
        uintptr_t page = address & ~(page_size - 1);
        uintptr_t end = (base + length + page_size - 1) & ~(page_size - 1);
        void *replaced = mmap((void *)page, end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (replaced == MAP_FAILED) break;
        atomic_fetch_add(&slot_faults[i], 1);
        return;
    }
    sigaction(SIGBUS, &previous, NULL);
}

static void install(void) {
    long size = sysconf(_SC_PAGESIZE);
    if (size > 0) page_size = (uintptr_t)size;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    install_result = sigaction(SIGBUS, &action, &previous);
}

int recpipe_file_guard_install(void) {
    pthread_once(&once, install);
    return install_result;
}

int recpipe_file_guard_add(const void *base, size_t length) {
    if (recpipe_file_guard_install() != 0 || base == NULL || length == 0) return -1;
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_flag_test_and_set(&slot_taken[i])) continue;
        atomic_store(&slot_faults[i], 0);
        atomic_store(&slot_length[i], length);
        atomic_store(&slot_base[i], (uintptr_t)base);
        return i;
    }
    return -1;
}

long recpipe_file_guard_faults(int slot) {
    if (slot < 0 || slot >= SLOTS) return 0;
    return atomic_load(&slot_faults[slot]);
}

long recpipe_file_guard_remove(int slot) {
    if (slot < 0 || slot >= SLOTS) return 0;
    atomic_store(&slot_base[slot], 0);
    atomic_store(&slot_length[slot], 0);
    long faults = atomic_load(&slot_faults[slot]);
    atomic_flag_clear(&slot_taken[slot]);
    return faults;
}
