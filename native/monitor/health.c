/*
 * health.c — health probes (protocol.h section 6).  Every interval the
 * monitor forks a probe: it enters the container's cgroups and namespaces
 * (enter.c, as berth-exec does), forks once more so that the pid namespace
 * applies, and runs health_cmd as the container's user with its environment.
 * stdout and stderr go to a pipe the monitor reads (at most 4096 bytes kept).
 * The probe leads its own process group, so a timeout kills all of it.
 */
#include "monitor.h"
#include "../include/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_ENTER 125


/* The health file: status, streak and the last probes, in Docker's shape. */
static void write_file(const struct health *h, const struct spec *s) {
  if (!s->health_file) return;
  size_t cap = 256 + HEALTH_LOG_MAX * (6 * HEALTH_OUTPUT_MAX + 256);
  cleanup_free char *text = malloc(cap);
  cleanup_free char *escaped = malloc(6 * HEALTH_OUTPUT_MAX + 1);
  if (!text || !escaped) return;
  size_t n = (size_t)snprintf(text, cap, BERTH_HEALTH_JSON_HEAD, h->status, h->streak);
  for (size_t i = 0; i < h->nlog; i++) {
    const struct health_entry *e = &h->log[i];
    json_escape(e->output, e->output_len, escaped);
    n += (size_t)snprintf(text + n, cap - n, BERTH_HEALTH_JSON_ENTRY, i ? "," : "", e->start, e->end, e->exit_code, escaped);
  }
  n += (size_t)snprintf(text + n, cap - n, BERTH_HEALTH_JSON_TAIL);
  berth_error err;
  atomic_write(s->health_file, text, n, &err);
}

void health_init(struct health *h, const struct spec *s) {
  memset(h, 0, sizeof *h);
  h->out_fd = -1;
  h->enabled = s->health_cmd.n > 0;
  h->status = "starting";
}

void health_started(struct health *h, const struct spec *s, long now_ms) {
  if (!h->enabled) return;
  h->status = "starting";
  h->streak = 0;
  h->started_ms = now_ms;
  h->stopped = 0;
  h->next_ms = now_ms + s->health_interval_ms;
  write_file(h, s);
}

static void close_output(struct health *h) {
  if (h->out_fd >= 0) close(h->out_fd);
  h->out_fd = -1;
}

void health_stopped(struct health *h) {
  if (h->probe > 0) kill(-h->probe, SIGKILL), h->discard = 1;
  h->next_ms = 0;
  h->stopped = 1;
}

int health_wait_ms(const struct health *h, const struct spec *s, long now_ms) {
  if (!h->enabled) return -1;
  long at = h->probe > 0 ? (h->timed_out ? 0 : h->probe_started_ms + s->health_timeout_ms) : h->next_ms;
  if (at == 0) return -1;
  return at <= now_ms ? 0 : (int)(at - now_ms);
}

/* In the probe: enter, fork into the pid namespace, run health_cmd; exits with its code. */
static void probe_main(const struct spec *s, pid_t container, int out_w) __attribute__((noreturn));
static void probe_main(const struct spec *s, pid_t container, int out_w) {
  berth_error err;
  setpgid(0, 0);
  reset_signals();
  /* Entering the container: non-dumpable until the exec (its /proc/PID entries closed to the
   * container; the exe is the monitor's sealed copy anyway), and no fd but stdio. */
  set_nondumpable();
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0) _exit(EXIT_ENTER);
  if (close_fds_except(NULL, 0, &err) < 0) _exit(EXIT_ENTER);
  if (!s->health_on_host && enter_container(container, BERTH_NS_DIFFERING, s->cgroup.v, s->cgroup.n, &err) < 0) {
    fprintf(stderr, "health check: %s\n", err.msg);
    _exit(EXIT_ENTER);
  }
  pid_t pid = fork();
  if (pid < 0) _exit(EXIT_ENTER);
  if (pid == 0) {
    struct process_cfg cfg;
    spec_process(s, &cfg);
    cfg.argv = s->health_cmd.v;
    if (s->health_on_host) {
      extern char **environ;
      cfg = (struct process_cfg){ .argv = s->health_cmd.v, .env = environ };
    } else if ((!cfg.no_new_privs && seccomp_apply(&s->seccomp, &err) < 0) || apply_process(&cfg, &err) < 0 ||
               (cfg.no_new_privs && seccomp_apply(&s->seccomp, &err) < 0)) {
      /* the container's seccomp filter, loaded where the container init loads it */
      fprintf(stderr, "health check: %s\n", err.msg);
      _exit(EXIT_ENTER);
    }
    int code = exec_process(&cfg, &err);
    fprintf(stderr, "%s\n", err.msg);
    _exit(code);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) _exit(EXIT_ENTER);
  _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

static void start_probe(struct health *h, const struct spec *s, pid_t container, long now_ms) {
  int fds[2];
  memset(&h->current, 0, sizeof h->current);
  rfc3339_now(h->current.start, sizeof h->current.start);
  h->timed_out = 0;
  h->probe_started_ms = now_ms;
  h->next_ms = 0;
  if (pipe2(fds, O_CLOEXEC) < 0) {
    h->next_ms = now_ms + s->health_interval_ms;
    return;
  }
  pid_t pid = fork();
  if (pid == 0) probe_main(s, container, fds[1]);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    h->next_ms = now_ms + s->health_interval_ms;
    return;
  }
  setpgid(pid, pid); /* also here, so that a kill right away reaches the group */
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  h->probe = pid;
  h->out_fd = fds[0];
}

void health_tick(struct health *h, const struct spec *s, pid_t container, long now_ms) {
  if (!h->enabled) return;
  if (h->probe > 0) {
    if (!h->timed_out && now_ms - h->probe_started_ms >= s->health_timeout_ms) {
      h->timed_out = 1;
      kill(-h->probe, SIGKILL);
    }
    return;
  }
  if (h->next_ms && now_ms >= h->next_ms && container > 0) start_probe(h, s, container, now_ms);
}

void health_on_output(struct health *h) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(h->out_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      close_output(h);
      return;
    }
    size_t keep = (size_t)n;
    struct health_entry *e = &h->current;
    if (keep > HEALTH_OUTPUT_MAX - e->output_len) keep = HEALTH_OUTPUT_MAX - e->output_len;
    memcpy(e->output + e->output_len, buf, keep);
    e->output_len += keep;
  }
}

/* Docker's rules: success resets the streak; a failure counts unless still starting within the start period. */
static void record(struct health *h, const struct spec *s, int code) {
  if (code == 0) {
    h->streak = 0;
    h->status = "healthy";
  } else {
    int in_start_period = h->probe_started_ms - h->started_ms < s->health_start_period_ms;
    if (!(strcmp(h->status, "starting") == 0 && in_start_period)) {
      h->streak++;
      if (h->streak >= s->health_retries) h->status = "unhealthy";
    }
  }
  if (h->nlog == HEALTH_LOG_MAX) memmove(h->log, h->log + 1, (HEALTH_LOG_MAX - 1) * sizeof *h->log), h->nlog--;
  h->log[h->nlog++] = h->current;
  write_file(h, s);
}

int health_reaped(struct health *h, const struct spec *s, pid_t pid, int status, long now_ms) {
  if (h->probe <= 0 || pid != h->probe) return 0;
  h->probe = 0;
  if (h->out_fd >= 0) health_on_output(h); /* what is left; a daemon the probe started may hold the pipe */
  close_output(h);
  rfc3339_now(h->current.end, sizeof h->current.end);
  int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  if (h->timed_out) {
    code = -1;
    int n = snprintf(h->current.output, sizeof h->current.output, "Health check exceeded timeout (%dms)", s->health_timeout_ms);
    h->current.output_len = (size_t)n;
  }
  h->current.exit_code = code;
  if (!h->discard) record(h, s, code);
  h->discard = 0;
  long next = h->probe_started_ms + s->health_interval_ms;
  h->next_ms = h->stopped ? 0 : (next > now_ms ? next : now_ms);
  return 1;
}
