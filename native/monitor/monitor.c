/*
 * berth-monitor <container dir> — one per container.  Reads the spec, starts
 * the container process (native: clone + init.c; command: fork + exec on the
 * host), reports "ok <pid>" or "error <message>" on fd 3, then owns the
 * container's stdio: the json log, the attach socket, signal forwarding,
 * health probes (health.c), restarts by the restart policy, and finally the
 * exit file.  See ../README.md and ../include/protocol.h.
 */
#include "monitor.h"
#include "../include/protocol.h"
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STDIN_MAX_BUFFER (1u << 20)
#define DRAIN_MS 2000
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_AFTER_MS 10000
#define STOP_FLAG_POLL_MS 50

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

struct monitor {
  struct spec spec;
  struct stdio_plan io;
  struct attach attach;
  pid_t child;
  int status, reaped;
  int sync_fd, sig_fd, log_fd;
  int go_sent;
  char *in_buf; /* client input not yet written to the container's stdin */
  size_t in_len;
  int close_stdin_when_drained;
  char exec_error[BERTH_ERRMSG];
  struct health health;
  int restarts;          /* how many times the process was started again */
  int between_runs;      /* exited, waiting to start again */
  long run_started_ms;   /* monotonic, for the backoff reset */
  long backoff_ms;
  char started_at[40], finished_at[40];
  int exit_reserve_fd;   /* <exit>.reserve: blocks kept for the exit file on a full disk */
};

/* The most an exit file holds (write_exit_file). */
#define EXIT_TEXT_MAX (7 * BERTH_ERRMSG)

/* fd 3 until the ready line is written; the number is reused after that. */
static int ready_fd_open = 1;

static void ready_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ready_line(const char *fmt, ...) {
  char line[BERTH_ERRMSG + 64];
  va_list ap;
  va_start(ap, fmt);
  int n = format_line(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  write_all(BERTH_READY_FD, line, (size_t)n);
  close(BERTH_READY_FD);
  ready_fd_open = 0;
}

/* Our own stdio is /dev/null, fd 3 stays (CLOEXEC), nothing else is inherited. */
static void detach_self(void) {
  fcntl(BERTH_READY_FD, F_SETFD, FD_CLOEXEC);
  syscall(SYS_close_range, BERTH_READY_FD + 1, ~0u, 0);
  int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3 && null >= 0; fd++)
    if (fd != null) dup2(null, fd);
  if (null > 2) close(null);
  setsid();
  signal(SIGPIPE, SIG_IGN);
}

static int block_signals(struct monitor *m, berth_error *err) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&set, forwarded[i]);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return berth_fail(err, errno, "sigprocmask `monitor`");
  m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (m->sig_fd < 0) return berth_fail(err, errno, "signalfd `monitor`");
  return 0;
}

static int start_child(struct monitor *m, berth_error *err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return berth_fail(err, errno, "socketpair `sync`");
  int native = strcmp(m->spec.mode, "command") != 0;
  if (native && strcmp(m->spec.mode, "native") != 0) return berth_fail(err, EINVAL, "spec `mode`: unknown \"%s\"", m->spec.mode);
  int pid_restore = -1;
  if (native && ns_pid_enter(&m->spec, &pid_restore, err) < 0) {
    close(sv[0]), close(sv[1]);
    return -1;
  }
  long pid = syscall(SYS_clone, (native ? m->spec.clone_flags : 0) | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0 && pid_restore >= 0) close(pid_restore);
  if (pid != 0) ns_pid_leave(pid_restore);
  if (pid < 0) {
    int e = errno;
    close(sv[0]), close(sv[1]);
    return berth_fail(err, e, "clone `%s`", m->spec.rootfs ? m->spec.rootfs : m->spec.mode);
  }
  if (pid == 0) { /* the engine waits for EOF on the ready fd: only the monitor may hold it */
    if (ready_fd_open) close(BERTH_READY_FD);
    close(sv[0]);
    if (native) container_init(&m->spec, &m->io, sv[1]);
    command_child(&m->spec, &m->io, sv[1]);
  }
  close(sv[1]);
  m->child = (pid_t)pid;
  m->sync_fd = sv[0];
  stdio_close_child_ends(&m->io);
  return 0;
}

/* Waits for the child's first word: ready (maybe with the pty) or a setup error. */
static int wait_ready(struct monitor *m, berth_error *err) {
  struct sync_msg msg;
  int fd;
  int r = sync_recv(m->sync_fd, &msg, &fd);
  if (r > 0 && msg.type == SYNC_READY) {
    if (fd >= 0) {
      m->io.pty = fd;
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    return 0;
  }
  if (fd >= 0) close(fd);
  waitpid(m->child, NULL, 0);
  m->child = 0;
  if (r > 0 && msg.type == SYNC_SETUP_ERROR) return berth_fail(err, 0, "%s", msg.text);
  return berth_fail(err, r < 0 ? errno : 0, "container init exited before it was ready");
}

static void send_go(struct monitor *m) {
  if (m->go_sent || m->sync_fd < 0) return;
  sync_send(m->sync_fd, SYNC_GO, 0, "", -1);
  m->go_sent = 1;
}

static int write_pidfile(struct monitor *m, berth_error *err) {
  if (!m->spec.pidfile) return 0;
  char text[64];
  int n = snprintf(text, sizeof text, "%d %d\n", (int)getpid(), m->between_runs ? 0 : (int)m->child);
  return atomic_write(m->spec.pidfile, text, (size_t)n, err);
}

static void reserve_name(const struct monitor *m, char *out, size_t len) {
  snprintf(out, len, "%s.reserve", m->spec.exit);
}

/* Takes the exit file's blocks now, while there is room: on a full disk it is written into them. */
static int reserve_exit_file(struct monitor *m, berth_error *err) {
  if (!m->spec.exit) return 0;
  char path[4096];
  reserve_name(m, path, sizeof path);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", path);
  int r = posix_fallocate(fd, 0, EXIT_TEXT_MAX);
  if (r == EOPNOTSUPP || r == EINVAL) { /* no fallocate here: zeros take the blocks */
    static const char zeros[4096];
    r = 0;
    for (off_t off = 0; off < EXIT_TEXT_MAX && !r; off += sizeof zeros)
      if (pwrite(fd, zeros, sizeof zeros, off) != (ssize_t)sizeof zeros) r = errno ? errno : EIO;
    if (!r && fsync(fd) < 0) r = errno;
  }
  if (r) {
    close(fd);
    unlink(path);
    return berth_fail(err, r, "write `%s`", path);
  }
  m->exit_reserve_fd = fd;
  return 0;
}

static int setup(struct monitor *m, const char *dir, berth_error *err) {
  if (spec_read(dir, &m->spec, err) < 0) return -1;
  if (reserve_exit_file(m, err) < 0) return -1;
  /* Once per monitor: every run, health probe and berth-exec uses this program. */
  if (seccomp_prepare(&m->spec, &m->spec.seccomp, err) < 0) return -1;
  m->attach.tty = m->spec.tty;
  m->attach.want_primary = m->spec.wait_attach;
  health_init(&m->health, &m->spec);
  if (m->spec.log && (m->log_fd = log_open(&m->spec, err)) < 0) return -1;
  if (m->spec.socket && attach_listen(&m->attach, m->spec.socket, err) < 0) return -1;
  if (stdio_prepare(&m->spec, &m->io, err) < 0) return -1;
  if (block_signals(m, err) < 0) return -1;
  if (start_child(m, err) < 0) return -1;
  if (wait_ready(m, err) < 0) return -1;
  return write_pidfile(m, err);
}

/* ---- the loop */

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The primary attach client is ATTACH_HIGH_WATER behind: leave the output in the pipe. */
static int backpressured(const struct monitor *m) {
  return attach_primary_pending(&m->attach) >= ATTACH_HIGH_WATER;
}

static void on_output(struct monitor *m, int *fd, int stream) {
  char buf[32768];
  for (;;) {
    if (backpressured(m)) return; /* the primary client is behind: the container waits (poll_once) */
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) { /* EOF, or EIO from a pty whose last slave closed */
      log_flush(&m->log_fd, stream);
      if (*fd == m->io.pty) m->io.pty = -1;
      close(*fd);
      *fd = -1;
      return;
    }
    log_chunk(&m->log_fd, stream, buf, (size_t)n);
    attach_broadcast(&m->attach, stream, buf, (size_t)n);
  }
}

/* Where client input goes: the pipe, the pty (only when stdin is open), or nowhere. */
static int stdin_fd(struct monitor *m) {
  if (m->spec.tty) return m->spec.stdin_open ? m->io.pty : -1;
  return m->io.in_w;
}

static void close_stdin(struct monitor *m) {
  if (m->spec.tty || m->io.in_w < 0) return;
  close(m->io.in_w);
  m->io.in_w = -1;
  m->in_len = 0;
}

static void flush_stdin(struct monitor *m) {
  int fd = stdin_fd(m);
  while (fd >= 0 && m->in_len > 0) {
    ssize_t n = write(fd, m->in_buf, m->in_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) { /* the reader is gone */
      m->in_len = 0;
      close_stdin(m);
      return;
    }
    memmove(m->in_buf, m->in_buf + n, m->in_len - (size_t)n);
    m->in_len -= (size_t)n;
  }
  if (m->in_len == 0 && m->close_stdin_when_drained) close_stdin(m);
}

static void queue_stdin(struct monitor *m, const char *data, size_t len) {
  if (stdin_fd(m) < 0 || len == 0) return;
  char *grown = realloc(m->in_buf, m->in_len + len);
  if (!grown) return;
  m->in_buf = grown;
  memcpy(m->in_buf + m->in_len, data, len);
  m->in_len += len;
  flush_stdin(m);
}

static void on_client_input(struct monitor *m, size_t i) {
  char buf[16384];
  int event;
  ssize_t n = attach_read(&m->attach, i, buf, sizeof buf, &event);
  if (n > 0) queue_stdin(m, buf, (size_t)n);
  if (event == ATTACH_EOF && m->spec.stdin_once) {
    m->close_stdin_when_drained = 1;
    flush_stdin(m);
  }
}

static void on_accept(struct monitor *m) {
  if (attach_accept(&m->attach) > 0 && m->spec.wait_attach) send_go(m);
}

static void on_signal(struct monitor *m) {
  struct signalfd_siginfo si;
  while (read(m->sig_fd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo != SIGCHLD) {
      if (!m->reaped && m->child > 0) kill(m->child, (int)si.ssi_signo);
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == m->child) m->status = status, m->reaped = 1;
      else health_reaped(&m->health, &m->spec, pid, status, now_ms());
    }
  }
}

static void on_sync(struct monitor *m) {
  struct sync_msg msg;
  int fd;
  int r = sync_recv(m->sync_fd, &msg, &fd);
  if (fd >= 0) close(fd);
  if (r > 0 && msg.type == SYNC_EXEC_ERROR) {
    snprintf(m->exec_error, sizeof m->exec_error, "%s", msg.text);
    return;
  }
  if (r <= 0) {
    close(m->sync_fd);
    m->sync_fd = -1;
  }
}

enum { P_SIG, P_SYNC, P_LISTEN, P_OUT, P_ERR, P_PTY, P_STDIN, P_HEALTH, P_CLIENTS };

static int output_open(struct monitor *m) {
  return m->io.out_r >= 0 || m->io.err_r >= 0 || m->io.pty >= 0;
}

static void watch(struct pollfd *p, int fd, short events) {
  p->fd = fd;
  p->events = events;
  p->revents = 0;
}

static void poll_once(struct monitor *m, int timeout) {
  size_t n = P_CLIENTS + m->attach.n;
  struct pollfd *p = calloc(n, sizeof *p);
  if (!p) return;
  int in_fd = stdin_fd(m), in_room = m->in_len < STDIN_MAX_BUFFER;
  watch(&p[P_SIG], m->sig_fd, POLLIN);
  watch(&p[P_SYNC], m->sync_fd, POLLIN);
  watch(&p[P_LISTEN], m->reaped && !m->between_runs ? -1 : m->attach.listen_fd, POLLIN);
  int held = backpressured(m); /* not even POLLHUP: the output stays unread until the client catches up */
  watch(&p[P_OUT], held ? -1 : m->io.out_r, POLLIN);
  watch(&p[P_ERR], held ? -1 : m->io.err_r, POLLIN);
  watch(&p[P_PTY], held && !(m->spec.tty && m->in_len > 0) ? -1 : m->io.pty, held ? 0 : POLLIN);
  watch(&p[P_STDIN], m->in_len > 0 && !m->spec.tty ? in_fd : -1, POLLOUT);
  if (m->spec.tty && m->in_len > 0) p[P_PTY].events |= POLLOUT;
  watch(&p[P_HEALTH], m->health.out_fd, POLLIN);
  for (size_t i = 0; i < m->attach.n; i++) {
    struct client *c = &m->attach.clients[i];
    watch(&p[P_CLIENTS + i], c->fd, (short)((c->eof || !in_room ? 0 : POLLIN) | (c->len ? POLLOUT : 0)));
  }
  if (poll(p, n, timeout) < 0) {
    free(p);
    return;
  }
  if (p[P_SIG].revents) on_signal(m);
  if (p[P_SYNC].revents) on_sync(m);
  if (p[P_LISTEN].revents) on_accept(m);
  if (p[P_OUT].revents) on_output(m, &m->io.out_r, BERTH_STREAM_STDOUT);
  if (p[P_ERR].revents) on_output(m, &m->io.err_r, BERTH_STREAM_STDERR);
  if (p[P_PTY].revents & (POLLIN | POLLHUP | POLLERR)) on_output(m, &m->io.pty, BERTH_STREAM_STDOUT);
  if (p[P_STDIN].revents || (p[P_PTY].revents & POLLOUT)) flush_stdin(m);
  if (p[P_HEALTH].revents && m->health.out_fd >= 0) health_on_output(&m->health);
  /* clients: walk backwards, since dropping one moves the last into its slot */
  for (size_t k = m->attach.n < n - P_CLIENTS ? m->attach.n : n - P_CLIENTS; k-- > 0;) {
    short r = p[P_CLIENTS + k].revents;
    if (k >= m->attach.n || m->attach.clients[k].fd != p[P_CLIENTS + k].fd) continue;
    if (r & POLLOUT) attach_flush(&m->attach, k);
    if (k < m->attach.n && m->attach.clients[k].fd == p[P_CLIENTS + k].fd && (r & (POLLIN | POLLHUP | POLLERR)))
      on_client_input(m, k);
  }
  free(p);
}

/* Until the process has exited and its output is drained; probes run meanwhile. */
static void run(struct monitor *m) {
  long deadline = 0;
  for (;;) {
    long now = now_ms();
    if (m->reaped && !deadline) {
      deadline = now + DRAIN_MS;
      health_stopped(&m->health);
    }
    /* the primary client gets every byte, however slowly it reads (a client that dies is dropped) */
    size_t pending = attach_primary_pending(&m->attach);
    if (deadline && pending > 0) deadline = now + DRAIN_MS;
    if (deadline && ((!output_open(m) && pending == 0) || now >= deadline)) return;
    health_tick(&m->health, &m->spec, m->reaped ? 0 : m->child, now);
    int timeout = deadline ? (int)(deadline - now) : -1;
    int probe = health_wait_ms(&m->health, &m->spec, now);
    if (probe >= 0 && (timeout < 0 || probe < timeout)) timeout = probe;
    poll_once(m, timeout);
  }
}

/* ---- restarts (protocol.h section 7) */

static void exit_status(int status, int *code, int *sig) {
  *code = 0, *sig = 0;
  if (WIFEXITED(status)) *code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) *sig = WTERMSIG(status), *code = 128 + *sig;
}

static int stop_requested(const struct monitor *m) {
  return m->spec.stop_flag && access(m->spec.stop_flag, F_OK) == 0;
}

static int should_restart(const struct monitor *m) {
  const char *policy = m->spec.restart_policy;
  if (!policy || m->exec_error[0] || stop_requested(m)) return 0;
  int code, sig;
  exit_status(m->status, &code, &sig);
  if (!strcmp(policy, "always") || !strcmp(policy, "unless-stopped")) return 1;
  if (!strcmp(policy, "on-failure")) return code != 0 && (m->spec.restart_max <= 0 || m->restarts < m->spec.restart_max);
  return 0;
}

static void write_restart_file(struct monitor *m) {
  if (!m->spec.restart_file) return;
  int code, sig;
  exit_status(m->status, &code, &sig);
  char text[256];
  int n = snprintf(text, sizeof text, BERTH_RESTART_JSON, m->restarts, m->between_runs, code, m->started_at, m->finished_at);
  berth_error err;
  atomic_write(m->spec.restart_file, text, (size_t)n, &err);
}

/* The process runs (first start or restart): files and probes follow. */
static void running(struct monitor *m) {
  m->between_runs = 0;
  m->run_started_ms = now_ms();
  rfc3339_now(m->started_at, sizeof m->started_at);
  write_restart_file(m);
  health_started(&m->health, &m->spec, m->run_started_ms);
}

/* Docker's backoff: 100 ms doubled at each restart, reset after 10 s up.  -1 when the stop flag appears. */
static int backoff(struct monitor *m) {
  berth_error err;
  m->between_runs = 1;
  rfc3339_now(m->finished_at, sizeof m->finished_at);
  write_pidfile(m, &err);
  write_restart_file(m);
  if (now_ms() - m->run_started_ms >= BACKOFF_RESET_AFTER_MS) m->backoff_ms = 0;
  m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : BACKOFF_FIRST_MS;
  if (m->backoff_ms > BACKOFF_MAX_MS) m->backoff_ms = BACKOFF_MAX_MS;
  long until = now_ms() + m->backoff_ms;
  for (;;) {
    if (stop_requested(m)) return -1;
    long left = until - now_ms();
    if (left <= 0) return 0;
    poll_once(m, (int)(left < STOP_FLAG_POLL_MS ? left : STOP_FLAG_POLL_MS));
  }
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* The same spec again: new stdio and sync channel, clone + init as at the start. */
static int restart_child(struct monitor *m, berth_error *err) {
  int *fds[] = { &m->io.in_w, &m->io.out_r, &m->io.err_r, &m->io.pty, &m->sync_fd };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) close_fd(fds[i]);
  m->in_len = 0;
  m->go_sent = 0;
  int previous = m->status;
  m->restarts++;
  if (stop_requested(m)) return berth_fail(err, 0, "stopped");
  if (stdio_prepare(&m->spec, &m->io, err) < 0 || start_child(m, err) < 0 || wait_ready(m, err) < 0) {
    m->status = previous;
    return -1;
  }
  m->reaped = 0;
  m->status = 0;
  m->between_runs = 0;
  if (m->close_stdin_when_drained) close_stdin(m); /* stdin_once: the client's EOF holds for every run */
  write_pidfile(m, err);
  send_go(m);
  running(m);
  return 0;
}

/* ---- the end */

/* Reads whatever the child still has to say (an exec error) now that it is gone. */
static void drain_sync(struct monitor *m) {
  while (m->sync_fd >= 0) {
    struct pollfd p = { .fd = m->sync_fd, .events = POLLIN };
    if (poll(&p, 1, 0) <= 0) break;
    on_sync(m);
  }
}

static int write_exit_file(struct monitor *m, berth_error *err) {
  if (!m->spec.exit) return 0;
  int code, sig;
  exit_status(m->status, &code, &sig);
  char now[40], error[6 * BERTH_ERRMSG + 1], text[EXIT_TEXT_MAX];
  rfc3339_now(now, sizeof now);
  json_escape(m->exec_error, strlen(m->exec_error), error);
  int n = snprintf(text, sizeof text, BERTH_EXIT_JSON, code, sig, now, error);
  if (n < 0 || n >= (int)sizeof text) n = (int)strlen(text);
  char reserve[4096];
  reserve_name(m, reserve, sizeof reserve);
  int r = atomic_write(m->spec.exit, text, (size_t)n, err);
  if (r < 0 && m->exit_reserve_fd >= 0) {
    /* no room for a new file (ENOSPC): the reserved blocks take the text, then the same rename */
    int fd = m->exit_reserve_fd;
    if (pwrite(fd, text, (size_t)n, 0) == n && ftruncate(fd, n) == 0 && fsync(fd) == 0 && rename(reserve, m->spec.exit) == 0) r = 0;
  }
  if (m->exit_reserve_fd >= 0) close(m->exit_reserve_fd);
  m->exit_reserve_fd = -1;
  unlink(reserve);
  return r;
}

/* Runs exit_cmd in its own session, stdio on /dev/null, not our child once started. */
static void run_exit_cmd(const struct spec *s) {
  if (s->exit_cmd.n == 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    if (fork() == 0) {
      reset_signals();
      int null = open("/dev/null", O_RDWR);
      for (int fd = 0; fd < 3; fd++) dup2(null, fd);
      execvp(s->exit_cmd.v[0], s->exit_cmd.v);
      _exit(127);
    }
    _exit(0);
  }
  if (pid > 0) waitpid(pid, NULL, 0);
}

static void finish(struct monitor *m) {
  berth_error err;
  drain_sync(m);
  write_exit_file(m, &err);
  /* a primary client still here (run, start -a) finishes the container itself; one that died or detached does not */
  int orphaned = !attach_primary_connected(&m->attach);
  attach_close_all(&m->attach);
  if (orphaned) run_exit_cmd(&m->spec);
  if (m->spec.socket) unlink(m->spec.socket);
}

static void fail_setup(struct monitor *m, const berth_error *err) {
  if (m->child > 0) {
    kill(m->child, SIGKILL);
    waitpid(m->child, NULL, 0);
  }
  if (m->spec.socket && m->attach.listen_fd >= 0) unlink(m->spec.socket);
  if (m->exit_reserve_fd >= 0) {
    char reserve[4096];
    reserve_name(m, reserve, sizeof reserve);
    unlink(reserve);
  }
  ready_line("error %s", err->msg);
  exit(1);
}

int main(int argc, char **argv) {
  struct monitor m = { .sync_fd = -1, .sig_fd = -1, .log_fd = -1, .attach = { .listen_fd = -1 }, .exit_reserve_fd = -1 };
  berth_error err, seal_err;
  /* before anything else: run from a sealed memfd copy (sealed.c), and stay
   * non-dumpable, as the init child and health probes that enter the container
   * inherit it (exec resets it for the container's own process) */
  int sealed = sealed_reexec("berth-monitor", argv, &seal_err);
  set_nondumpable();
  detach_self();
  if (sealed < 0) fail_setup(&m, &seal_err);
  if (argc != 2) {
    berth_fail(&err, EINVAL, "usage: berth-monitor <container dir>");
    fail_setup(&m, &err);
  }
  if (setup(&m, argv[1], &err) < 0) fail_setup(&m, &err);
  snprintf(m.finished_at, sizeof m.finished_at, "0001-01-01T00:00:00Z");
  running(&m);
  ready_line("ok %d", (int)m.child);
  if (!m.spec.wait_attach) send_go(&m);
  for (;;) {
    run(&m);
    if (!should_restart(&m) || backoff(&m) < 0) break;
    if (restart_child(&m, &err) < 0) {
      if (!stop_requested(&m)) snprintf(m.exec_error, sizeof m.exec_error, "restart: %.4000s", err.msg);
      break;
    }
  }
  finish(&m);
  return 0;
}
