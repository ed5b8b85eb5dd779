#ifndef RECPIPE_CFILEGUARD_H
#define RECPIPE_CFILEGUARD_H

#include <stddef.h>

/// A guard for read-only file mappings: when the file shrinks while it is mapped, touching a page
/// past its new end raises SIGBUS. For an address inside a registered mapping, the handler maps
/// anonymous zero pages over the rest of that mapping, counts the fault and returns, so the read
/// goes on (reading zeros) and the caller reports "changed while reading" afterwards. A SIGBUS
/// anywhere else restores the previous handler and re-faults into it, so real bugs still crash.

/// Installs the SIGBUS handler (once per process). Returns 0, or -1 when sigaction failed.
int recpipe_file_guard_install(void);

/// Registers `[base, base + length)` (a mapping made with mmap). Returns a slot >= 0, or -1 when
/// all slots are taken (the caller then reads without the guard's protection).
int recpipe_file_guard_add(const void *base, size_t length);

/// How many faults the handler absorbed in a slot so far.
long recpipe_file_guard_faults(int slot);

/// Unregisters a slot (before the mapping is unmapped). Returns its fault count.
long recpipe_file_guard_remove(int slot);

#endif
