/*
 * proxy.h — berth-proxy, a userland port proxy (Docker's docker-proxy):
 * host-ip:host-port -> container-ip:container-port over TCP or UDP, one
 * epoll loop, non-blocking sockets, a fixed buffer per direction.
 */
#ifndef BERTH_PROXY_H
#define BERTH_PROXY_H

#include "../monitor/common.h"

#include <stdint.h>
#include <sys/socket.h>

/* An address with its printable form: "127.0.0.1:80" or "[::1]:80". */
struct endpoint {
  struct sockaddr_storage sa;
  socklen_t len;
  char text[64];
};

/* Something registered with epoll (epoll_event.data.ptr points at it). */
struct watcher {
  int fd;
  uint32_t events; /* what is registered now; 0 = not registered */
  void (*on_event)(struct watcher *w, uint32_t events);
};

struct proxy {
  int epfd;
  int listen_fd;
  struct endpoint host, container;
  long udp_idle_ms;
};

/* Registers, changes or (events == 0) removes w's interest.  -1 with errno. */
int watch_set(int epfd, struct watcher *w, uint32_t events);
/* Frees p once the current batch of events is handled (a later event of the
 * batch may still point at it: its watcher's fd is then -1). */
void defer_free(void *p);
long now_ms(void);
/* Fills text from sa ("IP:PORT"). */
void endpoint_format(struct endpoint *e);

/* tcp.c: p->listen_fd is bound; listens and accepts. */
int tcp_start(struct proxy *p, berth_error *err);
void tcp_stop(void);

/* udp.c: p->listen_fd is bound. */
int udp_start(struct proxy *p, berth_error *err);
/* Closes flows idle for too long; returns ms until the next may expire, or -1. */
int udp_expire(void);
void udp_stop(void);

#endif
