/*
 * netns-delay: holds every packet of one NFQUEUE queue for a fixed time, then lets it go.
 *
 * The rig's stand-in for `tc netem delay` on kernels without sch_netem: an iptables rule
 * (`-o eth0 -j NFQUEUE --queue-num N`) hands what a host sends to this program, which issues
 * each packet's ACCEPT verdict `delay` ms after it arrived. One fixed delay keeps the order: the
 * packets wait in a FIFO, due times only grow. Only packet metadata is copied to userspace.
 *
 *   netns-delay --queue N --delay-ms D
 *
 * Prints "ready" on stdout once bound (add the iptables rule after that: without a listener the
 * kernel drops queued packets). SIGTERM/SIGINT: lets every held packet go, then exits.
 */
#define _GNU_SOURCE /* ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

/* Packets held at most (the kernel queue is sized the same): beyond it, a packet is dropped. */
#define CAPACITY 65536

struct held {
  uint32_t id;
  int64_t due_ns;
};

static struct held ring[CAPACITY];
static size_t head = 0, count = 0;
static int64_t delay_ns = 0;
static unsigned long dropped = 0;
static volatile sig_atomic_t stopping = 0;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle* qh, struct nfgenmsg* msg, struct nfq_data* nfa,
                     void* data) {
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr* ph = nfq_get_msg_packet_hdr(nfa);
  if (ph == NULL) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (count == CAPACITY) {
    dropped++;
    return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
  }
  ring[(head + count) % CAPACITY] = (struct held){id, now_ns() + delay_ns};
  count++;
  return 0;
}

/* Accepts every held packet due by `until` (all of them for INT64_MAX). */
static void release(struct nfq_q_handle* qh, int64_t until) {
  while (count > 0 && ring[head].due_ns <= until) {
    nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
    head = (head + 1) % CAPACITY;
    count--;
  }
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static int usage(void) {
  fprintf(stderr, "usage: netns-delay --queue <0-65535> --delay-ms <1-10000>\n");
  return 2;
}

int main(int argc, char** argv) {
  long queue = -1, delay_ms = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    char* end = NULL;
    long v = strtol(argv[i + 1], &end, 10);
    if (end == argv[i + 1] || *end != '\0') return usage();
    if (strcmp(argv[i], "--queue") == 0) {
      queue = v;
    } else if (strcmp(argv[i], "--delay-ms") == 0) {
      delay_ms = v;
    } else {
      return usage();
    }
  }
  if (argc != 5 || queue < 0 || queue > 65535 || delay_ms < 1 || delay_ms > 10000) return usage();
  delay_ns = delay_ms * 1000000LL;

  struct nfq_handle* h = nfq_open();
  if (h == NULL) {
    fprintf(stderr, "netns-delay: nfq_open: %s\n", strerror(errno));
    return 1;
  }
  struct nfq_q_handle* qh = nfq_create_queue(h, (uint16_t)queue, &on_packet, NULL);
  if (qh == NULL) {
    fprintf(stderr, "netns-delay: queue %ld: %s\n", queue, strerror(errno));
    nfq_close(h);
    return 1;
  }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0 || nfq_set_queue_maxlen(qh, CAPACITY) < 0) {
    fprintf(stderr, "netns-delay: configuring queue %ld: %s\n", queue, strerror(errno));
    nfq_destroy_queue(qh);
    nfq_close(h);
    return 1;
  }
  int fd = nfq_fd(h);
  /* A burst must not overflow the netlink socket: that would drop packets silently. */
  int rcvbuf = 8 << 20, on = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  printf("ready\n");
  fflush(stdout);

  static char buf[65536] __attribute__((aligned));
  while (!stopping) {
    struct timespec timeout, *wait_for = NULL;
    if (count > 0) {
      int64_t wait = ring[head].due_ns - now_ns();
      if (wait < 0) wait = 0;
      timeout = (struct timespec){wait / 1000000000LL, wait % 1000000000LL};
      wait_for = &timeout;
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    int n = ppoll(&pfd, 1, wait_for, NULL);
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "netns-delay: poll: %s\n", strerror(errno));
      break;
    }
    if (n > 0 && (pfd.revents & POLLIN)) {
      /* Drain what is there without blocking, so due packets are not held up by a burst. */
      for (;;) {
        ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (len < 0) break;
        nfq_handle_packet(h, buf, (int)len);
      }
    }
    release(qh, now_ns());
  }
  release(qh, INT64_MAX);
  if (dropped) fprintf(stderr, "netns-delay: dropped %lu packets (queue full)\n", dropped);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
