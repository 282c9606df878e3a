/*
 * tcp.c — accept, connect to the container, copy both ways.  Each connection
 * has one buffer per direction; a side's EOF becomes shutdown(SHUT_WR) on the
 * other once its buffer is written, and the pair is closed when both
 * directions are done, or at the first error.  A failed connect closes the
 * client.
 */
#include "proxy.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define ACCEPTS_PER_EVENT 64
#define ROUNDS_PER_EVENT 16 /* then let other connections have their turn */

/* Bytes read from one side, not yet written to the other. */
struct direction {
  size_t start, end;
  int eof;  /* the source said EOF */
  int shut; /* ... and that reached the destination as shutdown(SHUT_WR) */
  char buf[BUF_SIZE];
};

struct conn {
  struct watcher client, upstream;
  int connected;
  struct direction up, down; /* up: client -> container; down: container -> client */
  struct conn *prev, *next;
};

static struct proxy *proxy;
static struct watcher listener;
static struct conn *conns;
static int paused; /* out of fds: the listener waits until a connection closes */

#define CONN_OF(w, member) ((struct conn *)((char *)(w) - offsetof(struct conn, member)))

static int again(int e) {
  return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

static int has_room(const struct direction *d) {
  return d->start == d->end || d->end < BUF_SIZE;
}

static int pending(const struct direction *d) {
  return d->end > d->start;
}

static void conn_close(struct conn *c) {
  for (struct watcher *w = &c->client; w; w = w == &c->client ? &c->upstream : NULL) {
    if (w->fd < 0) continue;
    watch_set(proxy->epfd, w, 0);
    close(w->fd);
    w->fd = -1;
  }
  if (c->prev) c->prev->next = c->next;
  else conns = c->next;
  if (c->next) c->next->prev = c->prev;
  defer_free(c);
  if (paused && watch_set(proxy->epfd, &listener, EPOLLIN) == 0) paused = 0;
}

/* Moves what `from` has to `to`.  -1 on an error of either side. */
static int copy(struct direction *d, int from, int to) {
  for (int round = 0; round < ROUNDS_PER_EVENT; round++) {
    int progressed = 0;
    if (d->start == d->end) d->start = d->end = 0;
    if (!d->eof && d->end < BUF_SIZE) {
      ssize_t n = recv(from, d->buf + d->end, BUF_SIZE - d->end, 0);
      if (n > 0) d->end += (size_t)n, progressed = 1;
      else if (n == 0) d->eof = 1, progressed = 1;
      else if (!again(errno)) return -1;
    }
    if (pending(d)) {
      ssize_t n = send(to, d->buf + d->start, d->end - d->start, MSG_NOSIGNAL);
      if (n > 0) d->start += (size_t)n, progressed = 1;
      else if (n < 0 && !again(errno)) return -1;
    }
    if (!progressed) break;
  }
  if (d->eof && !pending(d) && !d->shut) {
    if (shutdown(to, SHUT_WR) < 0 && errno != ENOTCONN) return -1;
    d->shut = 1;
  }
  return 0;
}

/* Reads where there is room, writes where there is something to write. */
static int conn_watch(struct conn *c) {
  uint32_t client = (!c->up.eof && has_room(&c->up) ? EPOLLIN : 0) | (pending(&c->down) ? EPOLLOUT : 0);
  uint32_t upstream = (!c->down.eof && has_room(&c->down) ? EPOLLIN : 0) | (pending(&c->up) ? EPOLLOUT : 0);
  if (watch_set(proxy->epfd, &c->client, client) < 0) return -1;
  return watch_set(proxy->epfd, &c->upstream, upstream);
}

static void conn_pump(struct conn *c) {
  if (copy(&c->up, c->client.fd, c->upstream.fd) < 0 || copy(&c->down, c->upstream.fd, c->client.fd) < 0 ||
      (c->up.shut && c->down.shut) || conn_watch(c) < 0)
    conn_close(c);
}

static void on_client(struct watcher *w, uint32_t events) {
  conn_pump(CONN_OF(w, client));
}

static void on_upstream(struct watcher *w, uint32_t events) {
  struct conn *c = CONN_OF(w, upstream);
  if (!c->connected) {
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0) e = errno;
    if (e == 0 && (events & EPOLLERR)) e = ECONNREFUSED;
    if (e != 0) return conn_close(c);
    c->connected = 1;
  }
  conn_pump(c);
}

static void conn_open(int client_fd) {
  struct conn *c = malloc(sizeof *c);
  if (!c) {
    close(client_fd);
    return;
  }
  c->client = (struct watcher){ .fd = client_fd, .on_event = on_client };
  c->upstream = (struct watcher){ .fd = -1, .on_event = on_upstream };
  c->connected = 0;
  c->up.start = c->up.end = c->down.start = c->down.end = 0;
  c->up.eof = c->up.shut = c->down.eof = c->down.shut = 0;
  c->prev = NULL, c->next = conns;
  if (conns) conns->prev = c;
  conns = c;
  c->upstream.fd = socket(proxy->container.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->upstream.fd < 0) return conn_close(c);
  if (connect(c->upstream.fd, (struct sockaddr *)&proxy->container.sa, proxy->container.len) == 0) {
    c->connected = 1;
    return conn_pump(c);
  }
  if (errno != EINPROGRESS || watch_set(proxy->epfd, &c->upstream, EPOLLOUT) < 0) conn_close(c);
}

static void on_listener(struct watcher *w, uint32_t events) {
  for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
    int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      conn_open(fd);
      continue;
    }
    if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) && conns &&
        watch_set(proxy->epfd, w, 0) == 0)
      paused = 1;
    if (errno != ECONNABORTED && errno != EINTR) return;
  }
}

int tcp_start(struct proxy *p, berth_error *err) {
  proxy = p;
  if (listen(p->listen_fd, 1024) < 0) return berth_fail(err, errno, "listen `%s`", p->host.text);
  listener = (struct watcher){ .fd = p->listen_fd, .on_event = on_listener };
  if (watch_set(p->epfd, &listener, EPOLLIN) < 0) return berth_fail(err, errno, "epoll_ctl `%s`", p->host.text);
  return 0;
}

void tcp_stop(void) {
  while (conns) conn_close(conns);
}
