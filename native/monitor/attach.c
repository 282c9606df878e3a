/*
 * attach.c — the attach socket: many clients, each with its own output
 * buffer.  The primary client (the one wait_attach waited for: `run`,
 * `start -a`) gets every byte: when it is ATTACH_HIGH_WATER behind, the
 * monitor stops reading the container's output (monitor.c), so the
 * container blocks on write as under Docker.  Any other client is dropped
 * when its 4 MiB buffer overflows, so a slow `attach` never blocks the
 * container.  Input from clients goes to the container's stdin, minus the
 * detach keys.
 */
#include "monitor.h"
#include "../include/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENT_MAX_BUFFER (4u << 20)

int attach_listen(struct attach *a, const char *path, berth_error *err) {
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof addr.sun_path) return berth_fail(err, ENAMETOOLONG, "bind `%s`", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return berth_fail(err, errno, "socket `%s`", path);
  unlink(path);
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
    int e = errno;
    close(fd);
    return berth_fail(err, e, "bind `%s`", path);
  }
  a->listen_fd = fd;
  return 0;
}

int attach_accept(struct attach *a) {
  int count = 0;
  for (;;) {
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return count;
    struct client *grown = realloc(a->clients, (a->n + 1) * sizeof *grown);
    if (!grown) {
      close(fd);
      return count;
    }
    a->clients = grown;
    a->clients[a->n++] = (struct client){ .fd = fd, .primary = a->want_primary };
    a->want_primary = 0;
    count++;
  }
}

void attach_drop(struct attach *a, size_t i) {
  close(a->clients[i].fd);
  free(a->clients[i].buf);
  a->clients[i] = a->clients[--a->n];
}

void attach_close_all(struct attach *a) {
  while (a->n > 0) {
    attach_flush(a, 0);
    if (a->n > 0) attach_drop(a, 0);
  }
  free(a->clients);
  a->clients = NULL;
}

static int queue(struct client *c, const char *data, size_t len) {
  if (c->len + len > CLIENT_MAX_BUFFER && !c->primary) return -1;
  if (c->len + len > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + len) cap *= 2;
    char *grown = realloc(c->buf, cap);
    if (!grown) return -1;
    c->buf = grown, c->cap = cap;
  }
  memcpy(c->buf + c->len, data, len);
  c->len += len;
  return 0;
}

void attach_flush(struct attach *a, size_t i) {
  struct client *c = &a->clients[i];
  while (c->len > 0) {
    ssize_t n = send(c->fd, c->buf, c->len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      attach_drop(a, i);
      return;
    }
    memmove(c->buf, c->buf + n, c->len - (size_t)n);
    c->len -= (size_t)n;
  }
}

void attach_broadcast(struct attach *a, int stream, const char *data, size_t len) {
  unsigned char header[8] = { (unsigned char)stream, 0, 0, 0,
                              (unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len };
  for (size_t i = a->n; i-- > 0;) {
    struct client *c = &a->clients[i];
    int r = a->tty ? 0 : queue(c, (const char *)header, sizeof header);
    if (r == 0) r = queue(c, data, len);
    if (r < 0) attach_drop(a, i);
    else attach_flush(a, i);
  }
}

size_t attach_primary_pending(const struct attach *a) {
  for (size_t i = 0; i < a->n; i++)
    if (a->clients[i].primary) return a->clients[i].len;
  return 0;
}

int attach_primary_connected(const struct attach *a) {
  for (size_t i = 0; i < a->n; i++) {
    if (!a->clients[i].primary) continue;
    /* a client that half-closed (stdin EOF) is still there; one whose process died hung up both ways */
    struct pollfd p = { .fd = a->clients[i].fd, .events = POLLOUT };
    return !(poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)));
  }
  return 0;
}

/* Copies input to out, holding back ctrl-p until we know whether ctrl-q follows. */
static ssize_t filter_detach(struct client *c, const unsigned char *in, size_t n, char *out, int *detach) {
  size_t o = 0;
  for (size_t k = 0; k < n; k++) {
    if (c->saw_ctrl_p) {
      c->saw_ctrl_p = 0;
      if (in[k] == BERTH_DETACH_2) {
        *detach = 1;
        return (ssize_t)o;
      }
      out[o++] = BERTH_DETACH_1;
    }
    if (in[k] == BERTH_DETACH_1) c->saw_ctrl_p = 1;
    else out[o++] = (char)in[k];
  }
  return (ssize_t)o;
}

ssize_t attach_read(struct attach *a, size_t i, char *out, size_t cap, int *event) {
  struct client *c = &a->clients[i];
  unsigned char in[8192];
  size_t want = cap / 2 < sizeof in ? cap / 2 : sizeof in;
  *event = ATTACH_NONE;
  ssize_t n = recv(c->fd, in, want, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
  if (n < 0) {
    *event = ATTACH_GONE;
    attach_drop(a, i);
    return 0;
  }
  if (n == 0) {
    c->eof = 1;
    *event = ATTACH_EOF;
    return 0;
  }
  int detach = 0;
  ssize_t o = filter_detach(c, in, (size_t)n, out, &detach);
  if (detach) {
    *event = ATTACH_GONE;
    attach_flush(a, i);
    attach_drop(a, i);
  }
  return o;
}
