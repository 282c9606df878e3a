/*
 * berth_sys.node — the few syscalls Node.js lacks, one small wrapper each.
 * No decisions here: each function does one syscall and, when it fails,
 * throws an Error whose message names the syscall and the path, with
 * `code` set to the errno name (EPERM, ENOENT, ...) as Node's fs does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <node_api.h>

#define MAX_PATH 4096
#define MAX_DATA 65536

/* errno -> its name, for Error.code (the few the engine reacts to by name). */
static const char *errno_name(int e) {
  switch (e) {
  case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case EACCES: return "EACCES";
  case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST"; case ENOTDIR: return "ENOTDIR";
  case EINVAL: return "EINVAL"; case ENOSPC: return "ENOSPC"; case ENODEV: return "ENODEV";
  case ENOTSUP: return "ENOTSUP"; case ENODATA: return "ENODATA"; case EROFS: return "EROFS";
  case EWOULDBLOCK: return "EWOULDBLOCK"; case ELOOP: return "ELOOP"; case E2BIG: return "E2BIG";
  case EBADF: return "EBADF"; case ENAMETOOLONG: return "ENAMETOOLONG"; case EIO: return "EIO";
  default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *syscall, const char *path, int e) {
  char msg[MAX_PATH + 256];
  snprintf(msg, sizeof msg, "%s `%s`: %s", syscall, path ? path : "", strerror(e));
  napi_value code, message, error, errnum;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -e, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_value sc;
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, error, "syscall", sc);
  if (path) {
    napi_value p;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p);
    napi_set_named_property(env, error, "path", p);
  }
  napi_throw(env, error);
  return NULL;
}

/* Reads argument i as a string into buf; an undefined/null argument gives "" and *present = 0. */
static int arg_string(napi_env env, napi_value v, char *buf, size_t len, int *present) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) { buf[0] = 0; if (present) *present = 0; return 0; }
  if (present) *present = 1;
  size_t n;
  if (napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string argument");
    return -1;
  }
  return 0;
}

static int arg_u32(napi_env env, napi_value v, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number argument");
    return -1;
  }
  return 0;
}

#define ARGS(n) size_t argc = n; napi_value argv[n]; napi_get_cb_info(env, info, &argc, argv, NULL, NULL)

/* mount(source, target, fstype, flags, data) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  ARGS(5);
  static char src[MAX_PATH], target[MAX_PATH], fstype[256], data[MAX_DATA];
  int has_src, has_type, has_data;
  uint32_t flags = 0;
  if (arg_string(env, argv[0], src, sizeof src, &has_src) || arg_string(env, argv[1], target, sizeof target, NULL) ||
      arg_string(env, argv[2], fstype, sizeof fstype, &has_type) || arg_u32(env, argv[3], &flags) ||
      arg_string(env, argv[4], data, sizeof data, &has_data))
    return NULL;
  if (mount(has_src ? src : NULL, target, has_type ? fstype : NULL, flags, has_data ? data : NULL) < 0)
    return throw_errno(env, "mount", target, errno);
  return NULL;
}

/* umount(target, flags) */
static napi_value js_umount(napi_env env, napi_callback_info info) {
  ARGS(2);
  static char target[MAX_PATH];
  uint32_t flags = 0;
  if (arg_string(env, argv[0], target, sizeof target, NULL) || arg_u32(env, argv[1], &flags)) return NULL;
  if (umount2(target, flags) < 0) return throw_errno(env, "umount2", target, errno);
  return NULL;
}

/* mknod(path, mode, major, minor): mode includes the file type bits (S_IFCHR...). */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  ARGS(4);
  static char path[MAX_PATH];
  uint32_t mode, major, minor;
  if (arg_string(env, argv[0], path, sizeof path, NULL) || arg_u32(env, argv[1], &mode) ||
      arg_u32(env, argv[2], &major) || arg_u32(env, argv[3], &minor))
    return NULL;
  if (mknod(path, mode, makedev(major, minor)) < 0) return throw_errno(env, "mknod", path, errno);
  return NULL;
}

/* lsetxattr(path, name, value: Buffer) — never follows a final symlink. */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  ARGS(3);
  static char path[MAX_PATH], name[256];
  void *data; size_t len;
  if (arg_string(env, argv[0], path, sizeof path, NULL) || arg_string(env, argv[1], name, sizeof name, NULL)) return NULL;
  if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a Buffer value");
    return NULL;
  }
  if (lsetxattr(path, name, data, len, 0) < 0) return throw_errno(env, "lsetxattr", path, errno);
  return NULL;
}

/* lgetxattr(path, name) -> Buffer, or null when the attribute is absent. */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  ARGS(2);
  static char path[MAX_PATH], name[256];
  static char value[MAX_DATA];
  if (arg_string(env, argv[0], path, sizeof path, NULL) || arg_string(env, argv[1], name, sizeof name, NULL)) return NULL;
  ssize_t n = lgetxattr(path, name, value, sizeof value);
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP) { napi_value nul; napi_get_null(env, &nul); return nul; }
    return throw_errno(env, "lgetxattr", path, errno);
  }
  napi_value buf;
  void *out;
  napi_create_buffer_copy(env, (size_t)n, value, &out, &buf);
  return buf;
}

/* llistxattr(path) -> string[] */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  ARGS(1);
  static char path[MAX_PATH];
  static char names[MAX_DATA];
  if (arg_string(env, argv[0], path, sizeof path, NULL)) return NULL;
  ssize_t n = llistxattr(path, names, sizeof names);
  napi_value arr;
  napi_create_array(env, &arr);
  if (n < 0) {
    if (errno == ENOTSUP) return arr;
    return throw_errno(env, "llistxattr", path, errno);
  }
  uint32_t i = 0;
  for (ssize_t off = 0; off < n; off += (ssize_t)strlen(names + off) + 1) {
    napi_value s;
    napi_create_string_utf8(env, names + off, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, i++, s);
  }
  return arr;
}

/* flock(fd, operation) -> true when taken, false when LOCK_NB and it is held elsewhere. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  ARGS(2);
  uint32_t fd, op;
  if (arg_u32(env, argv[0], &fd) || arg_u32(env, argv[1], &op)) return NULL;
  napi_value result;
  if (flock((int)fd, (int)op) < 0) {
    if (errno == EWOULDBLOCK) { napi_get_boolean(env, 0, &result); return result; }
    return throw_errno(env, "flock", NULL, errno);
  }
  napi_get_boolean(env, 1, &result);
  return result;
}

/* statfsType(path) -> the filesystem magic number (f_type). */
static napi_value js_statfs_type(napi_env env, napi_callback_info info) {
  ARGS(1);
  static char path[MAX_PATH];
  if (arg_string(env, argv[0], path, sizeof path, NULL)) return NULL;
  struct statfs st;
  if (statfs(path, &st) < 0) return throw_errno(env, "statfs", path, errno);
  napi_value result;
  napi_create_double(env, (double)(unsigned long)st.f_type, &result);
  return result;
}

/* --- devices on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program (instructions
 * generated by src/engine/runtime/device-filter.ts) attached to a cgroup, as
 * runc's devicefilter and crun's ebpf.c do. */
static long bpf_call(int cmd, union bpf_attr *attr) {
  return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

#define MAX_OLD_PROGS 64

/* Ids of the device programs attached to this cgroup itself (not inherited ones). */
static int device_prog_ids(int dirfd, __u32 *ids, __u32 *count) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = (__u32)dirfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (__u64)(unsigned long)ids;
  attr.query.prog_cnt = *count;
  if (bpf_call(BPF_PROG_QUERY, &attr) < 0) return -1;
  *count = attr.query.prog_cnt;
  return 0;
}

/* cgroupDeviceFilter(dir, insns: Buffer) -> how many older programs it replaced.
 * Loads the program, attaches it with BPF_F_ALLOW_MULTI, then detaches every
 * program attached there before (a restarted container's), so there is never a
 * moment without a filter. */
static napi_value js_cgroup_device_filter(napi_env env, napi_callback_info info) {
  ARGS(2);
  static char dir[MAX_PATH];
  static char log[65536];
  void *insns; size_t len;
  if (arg_string(env, argv[0], dir, sizeof dir, NULL)) return NULL;
  if (napi_get_buffer_info(env, argv[1], &insns, &len) != napi_ok || len == 0 || len % sizeof(struct bpf_insn)) {
    napi_throw_type_error(env, NULL, "expected a Buffer of BPF instructions");
    return NULL;
  }
  int dirfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dirfd < 0) return throw_errno(env, "open", dir, errno);
  __u32 old[MAX_OLD_PROGS], nold = MAX_OLD_PROGS;
  if (device_prog_ids(dirfd, old, &nold) < 0) { int e = errno; close(dirfd); return throw_errno(env, "bpf BPF_PROG_QUERY", dir, e); }
  if (nold > MAX_OLD_PROGS) nold = MAX_OLD_PROGS;

  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (__u64)(unsigned long)insns;
  attr.insn_cnt = (__u32)(len / sizeof(struct bpf_insn));
  attr.license = (__u64)(unsigned long)"GPL";
  strncpy(attr.prog_name, "berth_devices", sizeof attr.prog_name - 1);
  int prog = (int)bpf_call(BPF_PROG_LOAD, &attr);
  if (prog < 0) {
    int e = errno;
    /* Again with the verifier's log, to say why. */
    log[0] = 0;
    attr.log_level = 1;
    attr.log_buf = (__u64)(unsigned long)log;
    attr.log_size = sizeof log;
    int again = (int)bpf_call(BPF_PROG_LOAD, &attr);
    if (again >= 0) close(again);
    close(dirfd);
    char what[256];
    size_t n = strlen(log);
    for (size_t i = 0; i < n; i++) if (log[i] == '\n') log[i] = ' ';
    while (n && log[n - 1] == ' ') log[--n] = 0;
    snprintf(what, sizeof what, "bpf BPF_PROG_LOAD%s%.*s", n ? " (" : "", n ? (int)(n > 160 ? 160 : n) : 0, log);
    if (n) strncat(what, ")", sizeof what - strlen(what) - 1);
    return throw_errno(env, what, dir, e);
  }
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (__u32)dirfd;
  attr.attach_bpf_fd = (__u32)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf_call(BPF_PROG_ATTACH, &attr) < 0) {
    int e = errno;
    close(prog); close(dirfd);
    return throw_errno(env, "bpf BPF_PROG_ATTACH", dir, e);
  }
  close(prog);
  uint32_t replaced = 0;
  for (__u32 i = 0; i < nold; i++) {
    memset(&attr, 0, sizeof attr);
    attr.prog_id = old[i];
    int fd = (int)bpf_call(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd < 0) continue; /* gone meanwhile */
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (__u32)dirfd;
    attr.attach_bpf_fd = (__u32)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (bpf_call(BPF_PROG_DETACH, &attr) == 0) replaced++;
    close(fd);
  }
  close(dirfd);
  napi_value result;
  napi_create_uint32(env, replaced, &result);
  return result;
}

/* cgroupDevicePrograms(dir) -> how many device programs are attached to that cgroup itself. */
static napi_value js_cgroup_device_programs(napi_env env, napi_callback_info info) {
  ARGS(1);
  static char dir[MAX_PATH];
  if (arg_string(env, argv[0], dir, sizeof dir, NULL)) return NULL;
  int dirfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dirfd < 0) return throw_errno(env, "open", dir, errno);
  __u32 ids[MAX_OLD_PROGS], n = MAX_OLD_PROGS;
  int r = device_prog_ids(dirfd, ids, &n);
  int e = errno;
  close(dirfd);
  if (r < 0) return throw_errno(env, "bpf BPF_PROG_QUERY", dir, e);
  napi_value result;
  napi_create_uint32(env, n, &result);
  return result;
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static napi_value init(napi_env env, napi_value exports) {
  export_fn(env, exports, "mount", js_mount);
  export_fn(env, exports, "umount", js_umount);
  export_fn(env, exports, "mknod", js_mknod);
  export_fn(env, exports, "lsetxattr", js_lsetxattr);
  export_fn(env, exports, "lgetxattr", js_lgetxattr);
  export_fn(env, exports, "llistxattr", js_llistxattr);
  export_fn(env, exports, "flock", js_flock);
  export_fn(env, exports, "statfsType", js_statfs_type);
  export_fn(env, exports, "cgroupDeviceFilter", js_cgroup_device_filter);
  export_fn(env, exports, "cgroupDevicePrograms", js_cgroup_device_programs);
  return exports;
}

NAPI_MODULE(berth_sys, init)
