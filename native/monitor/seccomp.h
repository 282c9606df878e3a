/*
 * seccomp.h — the container's seccomp filter (protocol.h "Seccomp").
 *
 * berth-monitor compiles the spec's seccomp records once at start-up with
 * libseccomp (seccomp-build.c) into a classic BPF program, keeps it in memory
 * for the container init and the health probes, and writes it to
 * seccomp_file for berth-exec.  Loading it (seccomp.c) needs no libseccomp:
 * seccomp(SECCOMP_SET_MODE_FILTER) with the instructions as they are.
 */
#ifndef BERTH_SECCOMP_H
#define BERTH_SECCOMP_H

#include "common.h"

#include <stddef.h>

/* A compiled filter: len bytes of struct sock_filter; len 0 means no filter. */
struct seccomp_program {
  void *insns;
  size_t len;
};

struct spec;

/* In the monitor: compiles the spec's seccomp records into *out (nothing when
 * there is no seccomp_default record) and, with seccomp_file, writes the
 * program there atomically, mode 0600. */
int seccomp_prepare(const struct spec *spec, struct seccomp_program *out, berth_error *err);

/* Reads a program written by seccomp_prepare (berth-exec --seccomp FILE). */
int seccomp_read(const char *path, struct seccomp_program *out, berth_error *err);

/* Writes the program to path (path.tmp + rename, mode 0600). */
int seccomp_write(const char *path, const struct seccomp_program *p, berth_error *err);

/* Installs the filter on the calling thread (no-op for an empty program).
 * Without no_new_privs this needs CAP_SYS_ADMIN, so callers load it right
 * before exec when no_new_privs is set, else before dropping capabilities
 * (as runc does). */
int seccomp_apply(const struct seccomp_program *p, berth_error *err);

void seccomp_free(struct seccomp_program *p);

#endif
