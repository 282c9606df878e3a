/*
 * udp.c — one flow per client address: a socket connected to the container,
 * so replies come back on it and go out from the host socket to that client.
 * A flow with no datagram either way for udp_idle_ms is closed.  Datagrams
 * that cannot be sent at once are dropped, as a network would.
 */
#include "proxy.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BUCKETS 256
#define DATAGRAMS_PER_EVENT 64

struct flow {
  struct watcher upstream;
  struct sockaddr_storage client;
  socklen_t client_len;
  long last_ms;
  struct flow *next_in_bucket;
};

static struct proxy *proxy;
static struct watcher listener;
static struct flow *buckets[BUCKETS];
static size_t nflows;
static long next_sweep_ms;
static char buf[65536]; /* one datagram at a time */

static unsigned hash(const struct sockaddr_storage *sa) {
  const unsigned char *p;
  size_t n;
  unsigned h = 2166136261u;
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    p = a->sin6_addr.s6_addr, n = sizeof a->sin6_addr, h ^= a->sin6_port;
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    p = (const unsigned char *)&a->sin_addr, n = sizeof a->sin_addr, h ^= a->sin_port;
  }
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h % BUCKETS;
}

static int same_client(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
  }
  const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
  return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static void flow_close(struct flow **link) {
  struct flow *f = *link;
  *link = f->next_in_bucket;
  watch_set(proxy->epfd, &f->upstream, 0);
  close(f->upstream.fd);
  f->upstream.fd = -1;
  nflows--;
  defer_free(f);
}

/* Replies from the container go back to the flow's client. */
static void on_upstream(struct watcher *w, uint32_t events) {
  struct flow *f = (struct flow *)((char *)w - offsetof(struct flow, upstream));
  for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
    ssize_t n = recv(w->fd, buf, sizeof buf, 0);
    if (n < 0) return; /* EAGAIN, or ECONNREFUSED from an earlier datagram: keep the flow */
    f->last_ms = now_ms();
    sendto(proxy->listen_fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&f->client, f->client_len);
  }
}

static struct flow *flow_open(const struct sockaddr_storage *client, socklen_t len, unsigned bucket) {
  struct flow *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->upstream = (struct watcher){ .on_event = on_upstream };
  f->upstream.fd = socket(proxy->container.sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (f->upstream.fd < 0 || connect(f->upstream.fd, (struct sockaddr *)&proxy->container.sa, proxy->container.len) < 0 ||
      watch_set(proxy->epfd, &f->upstream, EPOLLIN) < 0) {
    if (f->upstream.fd >= 0) close(f->upstream.fd);
    free(f);
    return NULL;
  }
  memcpy(&f->client, client, len);
  f->client_len = len;
  f->next_in_bucket = buckets[bucket];
  buckets[bucket] = f;
  if (nflows++ == 0) next_sweep_ms = now_ms() + proxy->udp_idle_ms;
  return f;
}

static struct flow *flow_for(const struct sockaddr_storage *client, socklen_t len) {
  unsigned bucket = hash(client);
  for (struct flow *f = buckets[bucket]; f; f = f->next_in_bucket)
    if (same_client(&f->client, client)) return f;
  return flow_open(client, len, bucket);
}

/* Datagrams from clients go to the container on the client's flow. */
static void on_listener(struct watcher *w, uint32_t events) {
  for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
    struct sockaddr_storage client;
    socklen_t len = sizeof client;
    ssize_t n = recvfrom(w->fd, buf, sizeof buf, 0, (struct sockaddr *)&client, &len);
    if (n < 0) return;
    struct flow *f = flow_for(&client, len);
    if (!f) continue;
    f->last_ms = now_ms();
    send(f->upstream.fd, buf, (size_t)n, MSG_NOSIGNAL);
  }
}

int udp_start(struct proxy *p, berth_error *err) {
  proxy = p;
  listener = (struct watcher){ .fd = p->listen_fd, .on_event = on_listener };
  if (watch_set(p->epfd, &listener, EPOLLIN) < 0) return berth_fail(err, errno, "epoll_ctl `%s`", p->host.text);
  return 0;
}

int udp_expire(void) {
  if (nflows == 0) return -1;
  long now = now_ms();
  if (now < next_sweep_ms) return (int)(next_sweep_ms - now);
  long next = now + proxy->udp_idle_ms;
  for (unsigned b = 0; b < BUCKETS; b++) {
    for (struct flow **link = &buckets[b]; *link;) {
      long expires = (*link)->last_ms + proxy->udp_idle_ms;
      if (expires <= now) {
        flow_close(link);
        continue;
      }
      if (expires < next) next = expires;
      link = &(*link)->next_in_bucket;
    }
  }
  next_sweep_ms = next;
  return nflows ? (int)(next - now) : -1;
}

void udp_stop(void) {
  for (unsigned b = 0; b < BUCKETS; b++)
    while (buckets[b]) flow_close(&buckets[b]);
}
