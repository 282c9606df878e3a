/*
 * sealed.h — run from a sealed in-memory copy of our own binary (the fix for
 * CVE-2019-5736, as runc does it), so that no /proc/PID/exe, /proc/PID/fd or
 * /proc/PID/map_files of a host helper leads to a writable host file.
 */
#ifndef BERTH_SEALED_H
#define BERTH_SEALED_H

#include "common.h"

/* The seals a sealed copy carries: nothing can write, grow, shrink or unseal it. */
#define BERTH_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* First thing in main(): if /proc/self/exe is not a memfd with BERTH_SEALS,
 * copies it into memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), seals it
 * and fexecve()s it with the same argv and environment (every other fd stays
 * open and keeps its number).  Returns only when already running sealed, after
 * setting the process name back to basename(argv[0]): 0.  On failure -1 with
 * err ("sealed copy: <syscall> `<path>`: <strerror>"); the caller must then
 * not go near a container. */
int sealed_reexec(const char *name, char **argv, berth_error *err);

/* Is the running binary a sealed memfd (1), or a plain file (0)? */
int sealed_running(void);

#endif
