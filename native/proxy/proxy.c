/*
 * berth-proxy --proto tcp|udp --host-ip IP --host-port N
 *             --container-ip IP --container-port N [--ready-fd FD] [--udp-idle-timeout SECONDS]
 *
 * Binds host-ip:host-port, writes "ok\n" (or "error <message>\n" and exits 1)
 * to the ready fd and closes it, then forwards to container-ip:container-port
 * until SIGTERM or SIGINT (exit 0).  See ../README.md and protocol.h section 10.
 */
#include "proxy.h"
#include "../include/protocol.h"
#include "../monitor/sealed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 128

/* ---- shared helpers (proxy.h) */

int watch_set(int epfd, struct watcher *w, uint32_t events) {
  if (w->fd < 0 || w->events == events) return 0;
  struct epoll_event ev = { .events = events, .data.ptr = w };
  int op = events == 0 ? EPOLL_CTL_DEL : w->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (epoll_ctl(epfd, op, w->fd, &ev) < 0) return -1;
  w->events = events;
  return 0;
}

static void **graveyard;
static size_t ngrave, capgrave;

void defer_free(void *p) {
  if (ngrave == capgrave) {
    size_t cap = capgrave ? capgrave * 2 : 64;
    void **grown = realloc(graveyard, cap * sizeof *grown);
    if (!grown) abort(); /* out of memory while closing: nothing sensible is left */
    graveyard = grown, capgrave = cap;
  }
  graveyard[ngrave++] = p;
}

static void bury(void) {
  for (size_t i = 0; i < ngrave; i++) free(graveyard[i]);
  ngrave = 0;
}

long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void endpoint_format(struct endpoint *e) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (e->sa.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&e->sa;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    snprintf(e->text, sizeof e->text, "[%s]:%u", ip, ntohs(a->sin6_port));
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&e->sa;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    snprintf(e->text, sizeof e->text, "%s:%u", ip, ntohs(a->sin_port));
  }
}

/* ---- arguments */

struct options {
  const char *proto, *host_ip, *host_port, *container_ip, *container_port;
  int ready_fd;
  long udp_idle_s;
};

static int ready_fd = -1;

/* The one line on the ready fd (and errors on stderr too), then the fd is closed. */
static void ready_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ready_line(const char *fmt, ...) {
  char line[BERTH_ERRMSG + 16];
  va_list ap;
  va_start(ap, fmt);
  int n = format_line(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (strncmp(line, "ok", 2) != 0) write_all(2, "berth-proxy: ", 13), write_all(2, line, (size_t)n);
  if (ready_fd < 0) return;
  write_all(ready_fd, line, (size_t)n);
  close(ready_fd);
  ready_fd = -1;
}

static void fail(int code, const berth_error *err) {
  ready_line("error %s", err->msg);
  exit(code);
}

static int parse_number(const char *text, long min, long max, const char *what, long *out, berth_error *err) {
  char *end;
  errno = 0;
  long v = text ? strtol(text, &end, 10) : 0;
  if (!text || errno || end == text || *end || v < min || v > max)
    return berth_fail(err, 0, "usage: --%s must be a number from %ld to %ld, not \"%s\"", what, min, max, text ? text : "");
  *out = v;
  return 0;
}

static int parse_endpoint(const char *ip, const char *port, const char *what, struct endpoint *e, berth_error *err) {
  long n;
  char option[32];
  snprintf(option, sizeof option, "%s-port", what);
  if (parse_number(port, 1, 65535, option, &n, err) < 0) return -1;
  memset(e, 0, sizeof *e);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&e->sa;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&e->sa;
  if (ip && inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET, a4->sin_port = htons((uint16_t)n), e->len = sizeof *a4;
  } else if (ip && inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6, a6->sin6_port = htons((uint16_t)n), e->len = sizeof *a6;
  } else {
    return berth_fail(err, 0, "usage: --%s-ip must be an IPv4 or IPv6 address, not \"%s\"", what, ip ? ip : "");
  }
  endpoint_format(e);
  return 0;
}

static const char usage[] =
  "usage: berth-proxy --proto tcp|udp --host-ip IP --host-port N --container-ip IP --container-port N "
  "[--ready-fd FD] [--udp-idle-timeout SECONDS]";

/* Reads every option even after a bad one, so that the error can still go to --ready-fd. */
static int parse_args(int argc, char **argv, struct options *o, berth_error *err) {
  static const struct option longs[] = {
    { BERTH_PROXY_OPT_PROTO, required_argument, 0, 'p' }, { BERTH_PROXY_OPT_HOST_IP, required_argument, 0, 'h' },
    { BERTH_PROXY_OPT_HOST_PORT, required_argument, 0, 'P' }, { BERTH_PROXY_OPT_CONTAINER_IP, required_argument, 0, 'c' },
    { BERTH_PROXY_OPT_CONTAINER_PORT, required_argument, 0, 'C' }, { BERTH_PROXY_OPT_READY_FD, required_argument, 0, 'r' },
    { BERTH_PROXY_OPT_UDP_IDLE_TIMEOUT, required_argument, 0, 'u' }, { 0, 0, 0, 0 },
  };
  long v;
  int failed = 0;
  berth_error later;
  *o = (struct options){ .ready_fd = -1, .udp_idle_s = 60 };
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", longs, NULL)) != -1;) {
    berth_error *e = failed ? &later : err;
    switch (c) {
    case 'p': o->proto = optarg; break;
    case 'h': o->host_ip = optarg; break;
    case 'P': o->host_port = optarg; break;
    case 'c': o->container_ip = optarg; break;
    case 'C': o->container_port = optarg; break;
    case 'r':
      if (parse_number(optarg, 0, 1 << 20, "ready-fd", &v, e) < 0) failed = 1;
      else o->ready_fd = (int)v;
      break;
    case 'u':
      if (parse_number(optarg, 1, 86400, "udp-idle-timeout", &o->udp_idle_s, e) < 0) failed = 1;
      break;
    default: failed = 1, berth_fail(e, 0, "%s", usage);
    }
  }
  if (failed) return -1;
  if (optind != argc || !o->proto) return berth_fail(err, 0, "%s", usage);
  if (strcmp(o->proto, "tcp") && strcmp(o->proto, "udp"))
    return berth_fail(err, 0, "usage: --proto must be tcp or udp, not \"%s\"", o->proto);
  return 0;
}

/* fd for the ready line, once known (even when other arguments are bad). */
static void take_ready_fd(int fd) {
  if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return;
  ready_fd = fd;
}

/* ---- setup */

static int bind_host(struct proxy *p, int tcp, berth_error *err) {
  int family = p->host.sa.ss_family, one = 1;
  p->listen_fd = socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (p->listen_fd < 0) return berth_fail(err, errno, "socket `%s`", p->host.text);
  if (tcp && setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    return berth_fail(err, errno, "setsockopt SO_REUSEADDR `%s`", p->host.text);
  if (family == AF_INET6 && setsockopt(p->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
    return berth_fail(err, errno, "setsockopt IPV6_V6ONLY `%s`", p->host.text);
  if (bind(p->listen_fd, (struct sockaddr *)&p->host.sa, p->host.len) < 0)
    return berth_fail(err, errno, "bind `%s`", p->host.text);
  return 0;
}

/* Many connections need many fds: take the hard limit. */
static void raise_fd_limit(void) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

static int stopping;

static void on_signal(struct watcher *w, uint32_t events) {
  struct signalfd_siginfo si;
  while (read(w->fd, &si, sizeof si) == sizeof si) stopping = 1;
}

static int watch_signals(struct proxy *p, struct watcher *w, berth_error *err) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return berth_fail(err, errno, "sigprocmask `berth-proxy`");
  signal(SIGPIPE, SIG_IGN);
  w->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  w->on_event = on_signal;
  if (w->fd < 0) return berth_fail(err, errno, "signalfd `berth-proxy`");
  if (watch_set(p->epfd, w, EPOLLIN) < 0) return berth_fail(err, errno, "epoll_ctl `signalfd`");
  return 0;
}

static void loop(struct proxy *p, int udp) {
  struct epoll_event evs[MAX_EVENTS];
  while (!stopping) {
    int n = epoll_wait(p->epfd, evs, MAX_EVENTS, udp ? udp_expire() : -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) {
      struct watcher *w = evs[i].data.ptr;
      if (w->fd >= 0) w->on_event(w, evs[i].events); /* fd -1: closed earlier in this batch */
    }
    bury();
  }
}

int main(int argc, char **argv) {
  struct options o;
  struct proxy p = { .epfd = -1, .listen_fd = -1 };
  struct watcher sig = { .fd = -1 };
  berth_error err, seal_err;
  /* from a sealed memfd copy, as berth-exec and the monitor (../monitor/sealed.c) */
  int sealed = sealed_reexec("berth-proxy", argv, &seal_err);
  int parsed = parse_args(argc, argv, &o, &err);
  take_ready_fd(o.ready_fd);
  if (sealed < 0) fail(1, &seal_err);
  if (parsed < 0) fail(2, &err);
  int udp = strcmp(o.proto, "udp") == 0;
  if (parse_endpoint(o.host_ip, o.host_port, "host", &p.host, &err) < 0 ||
      parse_endpoint(o.container_ip, o.container_port, "container", &p.container, &err) < 0)
    fail(2, &err);
  p.udp_idle_ms = o.udp_idle_s * 1000;
  raise_fd_limit();
  p.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p.epfd < 0) berth_fail(&err, errno, "epoll_create1 `berth-proxy`"), fail(1, &err);
  if (watch_signals(&p, &sig, &err) < 0 || bind_host(&p, !udp, &err) < 0) fail(1, &err);
  if ((udp ? udp_start(&p, &err) : tcp_start(&p, &err)) < 0) fail(1, &err);
  ready_line("ok");
  loop(&p, udp);
  if (udp) udp_stop();
  else tcp_stop();
  bury();
  close(p.listen_fd);
  return 0;
}
