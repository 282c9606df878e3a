/*
 * monitor.h — the pieces of berth-monitor that talk to each other:
 * the sync channel to the child, the stdio plan, the attach clients, the log.
 */
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include "common.h"
#include "spec.h"

/* ---- sync channel: a SOCK_SEQPACKET pair, CLOEXEC in the child so that a
 * successful exec shows up as EOF. */
enum sync_type {
  SYNC_READY = 1,       /* child -> monitor: setup done (carries the pty master with a native tty) */
  SYNC_SETUP_ERROR = 2, /* child -> monitor: text names the syscall and path; child exits 1 */
  SYNC_EXEC_ERROR = 3,  /* child -> monitor: exec failed; code is 126 or 127 */
  SYNC_GO = 4,          /* monitor -> child: exec now */
};

struct sync_msg {
  int type;
  int code;
  char text[BERTH_ERRMSG];
};

/* Sends msg, with pass_fd attached when >= 0. */
int sync_send(int fd, int type, int code, const char *text, int pass_fd);
/* 1 with a message (and *fd_out set to a passed fd or -1), 0 on EOF, -1 on error. */
int sync_recv(int fd, struct sync_msg *msg, int *fd_out);

/* ---- stdio (stdio.c) */
struct stdio_plan {
  int in_w;            /* monitor: write end of the stdin pipe, or -1 */
  int out_r, err_r;    /* monitor: read ends of the stdout/stderr pipes, or -1 */
  int pty;             /* monitor: pty master, or -1 */
  int child_in, child_out, child_err; /* child: dup2'ed onto 0/1/2 (-1 with a tty) */
  int pty_slave;       /* child (command mode tty): the slave made the controlling terminal */
};

/* Makes the pipes (or, in command mode, the pty) before the child starts. */
int stdio_prepare(const struct spec *spec, struct stdio_plan *plan, berth_error *err);
/* In the monitor once the child runs: closes the child's ends. */
void stdio_close_child_ends(struct stdio_plan *plan);
/* In the child: puts the planned fds on 0/1/2 (or the pty slave as controlling tty). */
int stdio_child_apply(const struct stdio_plan *plan, uid_t uid, berth_error *err);
/* In the container init after pivot_root: a pty from the container's own devpts,
 * made the controlling terminal of the calling process; *master is for the monitor. */
int stdio_container_pty(const struct spec *spec, int *master, berth_error *err);

/* ---- joined namespaces (namespaces.c) */
/* In the child, before anything else: setns() into every ns_path but pid. */
int ns_join(const struct spec *spec, berth_error *err);
/* In the monitor around clone(): makes the pid ns_path, if any, the one our
 * next child is born in; *restore_fd (or -1) is for ns_pid_leave. */
int ns_pid_enter(const struct spec *spec, int *restore_fd, berth_error *err);
void ns_pid_leave(int restore_fd);

/* ---- container init (init.c): never returns. */
void container_init(const struct spec *spec, const struct stdio_plan *plan, int sync_fd) __attribute__((noreturn));
/* command mode child: stdio, env, exec on the host. */
void command_child(const struct spec *spec, const struct stdio_plan *plan, int sync_fd) __attribute__((noreturn));

/* ---- attach clients (attach.c) */
struct client {
  int fd;
  char *buf; /* output not yet written */
  size_t len, cap;
  int saw_ctrl_p; /* the last byte read was BERTH_DETACH_1, held back */
  int eof;        /* the client half-closed its side */
  int primary;    /* the client wait_attach waited for (run, start -a): never dropped for falling behind */
};

struct attach {
  int listen_fd;
  int tty;
  struct client *clients;
  size_t n;
  int want_primary; /* wait_attach: the next client accepted is the primary one */
};

enum attach_event { ATTACH_NONE = 0, ATTACH_EOF = 1, ATTACH_GONE = 2 };

int attach_listen(struct attach *a, const char *path, berth_error *err);
/* Accepts every pending connection; returns how many. */
int attach_accept(struct attach *a);
/* Sends output to every client (framed without a tty); never blocks. */
void attach_broadcast(struct attach *a, int stream, const char *data, size_t len);
/* Writes what client i has pending; drops it on error. */
void attach_flush(struct attach *a, size_t i);
/* Reads client i's input with detach keys removed; *event tells EOF/detach/error
 * (the client is then closed and removed, except on EOF). */
ssize_t attach_read(struct attach *a, size_t i, char *out, size_t cap, int *event);
void attach_drop(struct attach *a, size_t i);
void attach_close_all(struct attach *a);
/* Bytes the primary client has not taken yet (0 without one). */
size_t attach_primary_pending(const struct attach *a);
/* Is the primary client still connected? */
int attach_primary_connected(const struct attach *a);
/* The primary client is this far behind: stop reading the container's output. */
#define ATTACH_HIGH_WATER (1u << 20)

/* ---- health probes (health.c): see protocol.h section 6 */
#define HEALTH_OUTPUT_MAX 4096
#define HEALTH_LOG_MAX 5

struct health_entry {
  char start[40], end[40];
  int exit_code;
  char output[HEALTH_OUTPUT_MAX + 1];
  size_t output_len; /* may hold NUL bytes */
};

struct health {
  int enabled;
  pid_t probe;       /* the running probe (leader of its process group), or 0 */
  int out_fd;        /* read end of its stdout+stderr, or -1 */
  struct health_entry current;
  long probe_started_ms, started_ms, next_ms;
  int timed_out;
  int stopped;       /* the container process is gone: start no probe */
  int discard;       /* the running probe was killed because the process is gone: record nothing */
  const char *status;
  int streak;
  struct health_entry log[HEALTH_LOG_MAX];
  size_t nlog;
};

void health_init(struct health *h, const struct spec *spec);
/* The container process (re)started at now_ms: status "starting", first probe one interval on. */
void health_started(struct health *h, const struct spec *spec, long now_ms);
/* The container process is gone: kills a running probe and stops probing. */
void health_stopped(struct health *h);
/* Milliseconds until health_tick has something to do, or -1. */
int health_wait_ms(const struct health *h, const struct spec *spec, long now_ms);
/* Starts a probe that is due, kills one past its timeout. */
void health_tick(struct health *h, const struct spec *spec, pid_t container, long now_ms);
/* Reads the probe's output (poll said it is readable). */
void health_on_output(struct health *h);
/* Called for every reaped child: 1 if it was the probe (its result is then recorded). */
int health_reaped(struct health *h, const struct spec *spec, pid_t pid, int status, long now_ms);

/* ---- log (log.c) */
/* Opens spec->log for appending (and remembers log_max_size/log_max_file for rotation); returns the fd. */
int log_open(const struct spec *s, berth_error *err);
/* Appends json-file lines for a chunk of output (split at newlines; a partial line waits for the rest).
 * *fd changes when the file is rotated. */
int log_chunk(int *fd, int stream, const char *data, size_t len);
/* Writes what is left of a line of `stream` (its end of file). */
int log_flush(int *fd, int stream);
/* JSON string escaping; out must hold 6 * len + 1 bytes.  Returns the length. */
size_t json_escape(const char *in, size_t len, char *out);

#endif
