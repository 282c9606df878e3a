/*
 * seccomp-build.c — compiles the spec's seccomp records into a BPF program
 * with libseccomp (monitor only; berth-exec just loads the result).  The
 * records already say everything (which rules, their actions and argument
 * comparisons, the architectures: src/engine/security/seccomp.ts); this file
 * only hands them to libseccomp.  Syscall names libseccomp does not know are
 * skipped, as runc does (a newer profile on an older libseccomp).
 */
#include "seccomp.h"
#include "spec.h"
#include "../include/protocol.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS (3 + 4 * 6)

static int action_of(const char *name, const char *errno_text, uint32_t *out, const char *what, berth_error *err) {
  char *end;
  long e = strtol(errno_text, &end, 10);
  if (!*errno_text || *end || e < 0 || e > 4095) return berth_fail(err, EINVAL, "spec `%s`: bad errno \"%s\"", what, errno_text);
  if (!strcmp(name, "allow")) *out = SCMP_ACT_ALLOW;
  else if (!strcmp(name, "errno")) *out = SCMP_ACT_ERRNO((uint16_t)e);
  else if (!strcmp(name, "kill_thread")) *out = SCMP_ACT_KILL_THREAD;
  else if (!strcmp(name, "kill_process")) *out = SCMP_ACT_KILL_PROCESS;
  else if (!strcmp(name, "trap")) *out = SCMP_ACT_TRAP;
  else if (!strcmp(name, "trace")) *out = SCMP_ACT_TRACE((uint16_t)e);
  else if (!strcmp(name, "log")) *out = SCMP_ACT_LOG;
  else return berth_fail(err, EINVAL, "spec `%s`: unknown action \"%s\"", what, name);
  return 0;
}

static int op_of(const char *name, enum scmp_compare *out) {
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
    { "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT }, { "le", SCMP_CMP_LE }, { "eq", SCMP_CMP_EQ },
    { "ge", SCMP_CMP_GE }, { "gt", SCMP_CMP_GT }, { "masked_eq", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(name, ops[i].name)) return *out = ops[i].op, 0;
  return -1;
}

static int u64_of(const char *text, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || !*text || *end || *text == '-') return -1;
  *out = v;
  return 0;
}

/* Splits a copy of value at BERTH_SEP; returns the number of fields. */
static int fields(char *copy, char **f, int max) {
  int n = 0;
  for (char *p = copy;;) {
    if (n == max) return -1;
    f[n++] = p;
    char *sep = strchr(p, BERTH_SEP);
    if (!sep) return n;
    *sep = 0;
    p = sep + 1;
  }
}

static int add_rule(scmp_filter_ctx ctx, const char *value, berth_error *err) {
  cleanup_free char *copy = strdup(value);
  char *f[MAX_FIELDS];
  if (!copy) return berth_fail(err, ENOMEM, "spec `%s`", BERTH_KEY_SECCOMP_RULE);
  int n = fields(copy, f, MAX_FIELDS);
  if (n < 3 || (n - 3) % 4) return berth_fail(err, EINVAL, "spec `%s`: expected name, action, errno and groups of 4 fields: \"%s\"", BERTH_KEY_SECCOMP_RULE, value);
  uint32_t action;
  if (action_of(f[1], f[2], &action, BERTH_KEY_SECCOMP_RULE, err) < 0) return -1;
  int nr = seccomp_syscall_resolve_name(f[0]);
  if (nr == __NR_SCMP_ERROR) return 0; /* not known to this libseccomp: skipped, as runc does */
  struct scmp_arg_cmp args[6];
  unsigned nargs = 0;
  for (int i = 3; i < n; i += 4) {
    uint64_t index, a, b;
    enum scmp_compare op;
    if (nargs == 6 || u64_of(f[i], &index) < 0 || index > 5 || op_of(f[i + 1], &op) < 0 || u64_of(f[i + 2], &a) < 0 || u64_of(f[i + 3], &b) < 0)
      return berth_fail(err, EINVAL, "spec `%s`: bad comparison in \"%s\"", BERTH_KEY_SECCOMP_RULE, f[0]);
    args[nargs++] = (struct scmp_arg_cmp){ .arg = (unsigned)index, .op = op, .datum_a = a, .datum_b = b };
  }
  int r = seccomp_rule_add_array(ctx, action, nr, nargs, args);
  if (r < 0) return berth_fail(err, -r, "seccomp_rule_add `%s`", f[0]);
  return 0;
}

static int compile(const struct spec *s, scmp_filter_ctx ctx, struct seccomp_program *out, berth_error *err) {
  for (size_t i = 0; i < s->seccomp_arch.n; i++) {
    uint32_t arch = seccomp_arch_resolve_name(s->seccomp_arch.v[i]);
    if (!arch) return berth_fail(err, EINVAL, "spec `%s`: unknown architecture \"%s\"", BERTH_KEY_SECCOMP_ARCH, s->seccomp_arch.v[i]);
    int r = seccomp_arch_add(ctx, arch);
    if (r < 0 && r != -EEXIST) return berth_fail(err, -r, "seccomp_arch_add `%s`", s->seccomp_arch.v[i]);
  }
  /* We load the program ourselves; no_new_privs is the spec's business. */
  if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) return berth_fail(err, EINVAL, "seccomp_attr_set `NNP`");
  /* A binary tree of syscall numbers instead of a linear list (runc does the same past 32 rules). */
  if (s->seccomp_rule.n > 32) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < s->seccomp_rule.n; i++)
    if (add_rule(ctx, s->seccomp_rule.v[i], err) < 0) return -1;
  cleanup_close int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
  if (fd < 0) return berth_fail(err, errno, "memfd_create `seccomp`");
  int r = seccomp_export_bpf(ctx, fd);
  if (r < 0) return berth_fail(err, -r, "seccomp_export_bpf `%zu rules`", s->seccomp_rule.n);
  struct stat st;
  if (fstat(fd, &st) < 0) return berth_fail(err, errno, "fstat `seccomp`");
  out->len = (size_t)st.st_size;
  out->insns = malloc(out->len ? out->len : 1);
  if (!out->insns) return berth_fail(err, ENOMEM, "seccomp");
  if (pread(fd, out->insns, out->len, 0) != (ssize_t)out->len) {
    seccomp_free(out);
    return berth_fail(err, EIO, "read `seccomp`");
  }
  return 0;
}

int seccomp_prepare(const struct spec *s, struct seccomp_program *out, berth_error *err) {
  memset(out, 0, sizeof *out);
  if (!s->seccomp_default) return 0;
  cleanup_free char *copy = strdup(s->seccomp_default);
  char *f[2];
  if (!copy) return berth_fail(err, ENOMEM, "spec `%s`", BERTH_KEY_SECCOMP_DEFAULT);
  if (fields(copy, f, 2) != 2) return berth_fail(err, EINVAL, "spec `%s`: expected action and errno", BERTH_KEY_SECCOMP_DEFAULT);
  uint32_t def;
  if (action_of(f[0], f[1], &def, BERTH_KEY_SECCOMP_DEFAULT, err) < 0) return -1;
  /* Compiled before from the same records (the engine names the file by their hash)? */
  berth_error ignored;
  int cached = s->seccomp_cache && s->seccomp_cache[0] && seccomp_read(s->seccomp_cache, out, &ignored) == 0;
  if (!cached) {
    scmp_filter_ctx ctx = seccomp_init(def);
    if (!ctx) return berth_fail(err, EINVAL, "seccomp_init `%s`", s->seccomp_default);
    int r = compile(s, ctx, out, err);
    seccomp_release(ctx);
    if (r < 0) return -1;
    /* a cache that cannot be written only costs the next start the compile */
    if (s->seccomp_cache && s->seccomp_cache[0]) seccomp_write(s->seccomp_cache, out, &ignored);
  }
  if (s->seccomp_file && s->seccomp_file[0] && seccomp_write(s->seccomp_file, out, err) < 0) {
    seccomp_free(out);
    return -1;
  }
  return 0;
}
