// impair-bridge: a user-space Ethernet bridge between two Linux interfaces that impairs what it carries,
// for `Benchmarks/run tcp-loss` (Benchmarks/loss.sh; issue 18). It follows the fault model of
// Sources/SwiftletTesting/SimulatedLink.swift (loss, duplication, reordering as an extra hold-back,
// one flipped bit, fixed delay), here on real interfaces, so Linux and Swiftlet can be put behind the
// same faults with the same seed.
//
//   impair-bridge IF_A IF_B [loss=P] [reorder=P] [duplicate=P] [corrupt=P] [delay=US] [reorder-delay=US]
//                 [seed=N] [queue=FRAMES]
//
// Percentages are given as percent (loss=5 is 5%). Every frame received on one interface is sent out of
// the other, each direction with its own generator seeded from `seed`, deciding in this order:
//   - loss: the frame is dropped;
//   - corruption: one bit is flipped in a byte of the IPv4 payload (after the IP header), so the TCP, UDP
//     or ICMP checksum catches it (non-IPv4 frames, ARP, are never corrupted);
//   - reordering: the frame is held back reorder-delay (default 2000 us, SimulatedLink's reorderDelay)
//     longer than `delay`, so frames that come after it overtake it;
//   - duplication: a second copy follows 10 us after the first (as SimulatedLink does).
// Frames wait in a time-ordered queue per direction (a binary heap on release time, then arrival order)
// of at most `queue` frames (default 8192); a frame that finds it full is dropped and counted.
// Each direction has a thread of its own: writing a frame into a veth runs the receiving namespace's
// whole input path (IP, TCP) inside that write, so one thread for both directions would do the TCP
// receive work of both ends one after the other (measured: Linux's clean 20 MB echo 0.27 s through one
// thread, against 0.10 s over a plain veth).
// Interfaces are read and written with AF_PACKET sockets (root); offloads must be off on both sides
// (the caller's job: ethtool -K DEV tx off tso off gso off gro off), since a frame above 2048 bytes is
// dropped and counted as oversize. On SIGTERM or SIGINT it prints, per direction, one line:
//   IF_A->IF_B received N carried N lost N duplicated N corrupted N reordered N queue-full N oversize N send-errors N
// then exits 0. Everything here is plain C and Linux system calls; build: cc -O2 -pthread -o impair-bridge impair-bridge.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOT 2048   // largest frame carried (a 1514-byte frame with room to spare)
#define BATCH 64    // frames taken per recvmmsg

struct frame { uint64_t at, order; uint16_t len; unsigned char *data; };

struct direction {
    const char *from, *to;
    int in, out;              // socket read, socket written
    uint64_t rng[4];          // xoshiro256**
    struct frame *heap;       // min-heap on (at, order)
    unsigned char *pool;      // queue slots
    uint32_t *free_slots;
    size_t count, free_count;
    int blocked;              // the last send said EAGAIN: wait for POLLOUT
    uint64_t order;           // arrival order, the heap's second key
    unsigned char (*buffers)[SLOT];  // recvmmsg's
    unsigned long long received, carried, lost, duplicated, corrupted, reordered, queue_full, oversize, send_errors;
};

static double loss, reorder, duplicate, corrupt;
static uint64_t delay_ns, reorder_ns = 2000000, seed = 1;
static size_t capacity = 8192;
static _Atomic int stopping;          // set by the main thread on SIGTERM or SIGINT

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t next(uint64_t *s) {
    uint64_t r = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = s[3] << 45 | s[3] >> 19;
    return r;
}

// A number in [0, 1).
static double uniform(struct direction *d) { return (double)(next(d->rng) >> 11) * (1.0 / 9007199254740992.0); }
static int chance(struct direction *d, double p) { return p > 0 && uniform(d) < p; }

static int earlier(const struct frame *a, const struct frame *b) {
    return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void sift_in(struct direction *d, struct frame f) {
    size_t i = d->count++;
    while (i > 0 && earlier(&f, &d->heap[(i - 1) / 2])) { d->heap[i] = d->heap[(i - 1) / 2]; i = (i - 1) / 2; }
    d->heap[i] = f;
}

static void push(struct direction *d, uint64_t at, const unsigned char *bytes, size_t len) {
    if (d->count == capacity || d->free_count == 0) { d->queue_full++; return; }
    unsigned char *slot = d->pool + (size_t)d->free_slots[--d->free_count] * SLOT;
    memcpy(slot, bytes, len);
    sift_in(d, (struct frame){ at, d->order++, (uint16_t)len, slot });
}

// Takes the earliest frame out of the heap; its slot stays taken until `free_slot`.
static struct frame first(struct direction *d) {
    struct frame f = d->heap[0], last = d->heap[--d->count];
    size_t i = 0, n = d->count;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && earlier(&d->heap[c + 1], &d->heap[c])) c++;
        if (!earlier(&d->heap[c], &last)) break;
        d->heap[i] = d->heap[c];
        i = c;
    }
    if (n > 0) d->heap[i] = last;
    return f;
}

static void free_slot(struct direction *d, const struct frame *f) {
    d->free_slots[d->free_count++] = (uint32_t)((f->data - d->pool) / SLOT);
}

// One frame received: decide its fate and queue its copies.
static void take(struct direction *d, unsigned char *bytes, size_t len, uint64_t now) {
    d->received++;
    if (chance(d, loss)) { d->lost++; return; }
    if (chance(d, corrupt) && len > 14 + 20 && bytes[12] == 0x08 && bytes[13] == 0x00) {
        size_t header = 14 + (size_t)(bytes[14] & 0x0f) * 4;
        size_t total = 14 + ((size_t)bytes[16] << 8 | bytes[17]);  // the IP length: not the Ethernet padding
        if (total > len) total = len;
        if (total > header) {
            uint64_t r = next(d->rng);
            bytes[header + r % (total - header)] ^= (unsigned char)(1u << (r >> 32) % 8);
            d->corrupted++;
        }
    }
    uint64_t at = now + delay_ns;
    if (chance(d, reorder)) { at += reorder_ns; d->reordered++; }
    push(d, at, bytes, len);
    if (chance(d, duplicate)) { d->duplicated++; push(d, at + 10000, bytes, len); }
}

static void receive(struct direction *d) {
    struct mmsghdr messages[BATCH];
    struct iovec vectors[BATCH];
    struct sockaddr_ll sources[BATCH];
    for (int round = 0; round < 8; round++) {  // then let the other direction and the queue have a turn
        for (int i = 0; i < BATCH; i++) {
            vectors[i] = (struct iovec){ d->buffers[i], SLOT };
            messages[i].msg_hdr = (struct msghdr){ .msg_name = &sources[i], .msg_namelen = sizeof sources[i],
                                                   .msg_iov = &vectors[i], .msg_iovlen = 1 };
        }
        int n = recvmmsg(d->in, messages, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
        if (n <= 0) return;
        uint64_t now = now_ns();
        for (int i = 0; i < n; i++) {
            if (sources[i].sll_pkttype == PACKET_OUTGOING) continue;  // what this bridge sent out of it
            size_t len = messages[i].msg_len;
            if (len > SLOT || (messages[i].msg_hdr.msg_flags & MSG_TRUNC)) { d->received++; d->oversize++; continue; }
            take(d, d->buffers[i], len, now);
        }
        if (n < BATCH) return;
    }
}

// Sends every frame that is due, up to BATCH at a time with sendmmsg. If the socket is full (EAGAIN),
// the frames not sent go back into the queue, in their order, and the thread waits for POLLOUT.
static void release(struct direction *d, uint64_t now) {
    struct frame out[BATCH];
    struct mmsghdr messages[BATCH];
    struct iovec vectors[BATCH];
    d->blocked = 0;
    while (d->count > 0 && d->heap[0].at <= now) {
        int k = 0;
        while (k < BATCH && d->count > 0 && d->heap[0].at <= now) {
            out[k] = first(d);
            vectors[k] = (struct iovec){ out[k].data, out[k].len };
            messages[k].msg_hdr = (struct msghdr){ .msg_iov = &vectors[k], .msg_iovlen = 1 };
            k++;
        }
        int done = 0;
        while (done < k) {
            int r = sendmmsg(d->out, messages + done, (unsigned)(k - done), MSG_DONTWAIT);
            if (r > 0) { d->carried += (unsigned)r; done += r; continue; }
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                for (int i = done; i < k; i++) sift_in(d, out[i]);
                for (int i = 0; i < done; i++) free_slot(d, &out[i]);
                d->blocked = 1;
                return;
            }
            d->send_errors++;  // e.g. ENETDOWN while the tap has no reader yet: that frame is gone
            done++;
        }
        for (int i = 0; i < k; i++) free_slot(d, &out[i]);
    }
}

// One direction's thread: receive, queue, release on time, until `stopping` (checked at least every
// 50 ms).
static void *carry(void *argument) {
    struct direction *d = argument;
    while (!stopping) {
        uint64_t now = now_ns();
        release(d, now);
        struct pollfd fds[2] = { { d->in, POLLIN, 0 }, { d->out, (short)(d->blocked ? POLLOUT : 0), 0 } };
        uint64_t wait = 50000000;
        if (d->count && !d->blocked) wait = d->heap[0].at > now ? d->heap[0].at - now : 0;
        if (wait > 50000000) wait = 50000000;
        struct timespec timeout = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
        int n = ppoll(fds, 2, &timeout, NULL);
        if (n < 0 && errno != EINTR) { perror("impair-bridge: ppoll"); exit(1); }
        if (n <= 0) continue;
        if ((fds[0].revents | fds[1].revents) & POLLERR) {
            // A packet socket reports ENETDOWN (a tap whose reader went away) through POLLERR: clear it.
            int e;
            socklen_t l = sizeof e;
            getsockopt(d->in, SOL_SOCKET, SO_ERROR, &e, &l);
            getsockopt(d->out, SOL_SOCKET, SO_ERROR, &e, &l);
        }
        if (fds[0].revents & POLLIN) receive(d);
    }
    return NULL;
}

static int open_interface(const char *name) {
    unsigned index = if_nametoindex(name);
    if (index == 0) { fprintf(stderr, "impair-bridge: no interface %s\n", name); exit(1); }
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) { perror("impair-bridge: socket(AF_PACKET) (root?)"); exit(1); }
    int one = 1, size = 8 << 20;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);  // also filtered by sll_pkttype
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_ll address = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)index };
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) { perror("impair-bridge: bind"); exit(1); }
    struct packet_mreq promiscuous = { .mr_ifindex = (int)index, .mr_type = PACKET_MR_PROMISC };
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &promiscuous, sizeof promiscuous) < 0) {
        perror("impair-bridge: promiscuous mode");
        exit(1);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void set_up(struct direction *d, const char *from, const char *to, int in, int out, uint64_t salt) {
    *d = (struct direction){ .from = from, .to = to, .in = in, .out = out };
    uint64_t x = seed ^ salt;
    for (int i = 0; i < 4; i++) d->rng[i] = splitmix(&x);
    d->heap = calloc(capacity, sizeof *d->heap);
    d->pool = malloc(capacity * SLOT);
    d->free_slots = malloc(capacity * sizeof *d->free_slots);
    d->buffers = malloc(BATCH * SLOT);
    if (!d->heap || !d->pool || !d->free_slots || !d->buffers) { fprintf(stderr, "impair-bridge: out of memory\n"); exit(1); }
    for (size_t i = 0; i < capacity; i++) d->free_slots[d->free_count++] = (uint32_t)i;
}

static void report(const struct direction *d) {
    printf("%s->%s received %llu carried %llu lost %llu duplicated %llu corrupted %llu reordered %llu "
           "queue-full %llu oversize %llu send-errors %llu\n", d->from, d->to, d->received, d->carried, d->lost,
           d->duplicated, d->corrupted, d->reordered, d->queue_full, d->oversize, d->send_errors);
}

static double percent(const char *text, const char *key) {
    char *end;
    double p = strtod(text, &end);
    if (*end || p < 0 || p > 100) { fprintf(stderr, "impair-bridge: %s=%s is not a percentage\n", key, text); exit(2); }
    return p / 100;
}

static uint64_t number(const char *text, const char *key) {
    char *end;
    unsigned long long n = strtoull(text, &end, 10);
    if (*end || !*text) { fprintf(stderr, "impair-bridge: %s=%s is not a number\n", key, text); exit(2); }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: impair-bridge IF_A IF_B [loss=P] [reorder=P] [duplicate=P] [corrupt=P] [delay=US] "
                        "[reorder-delay=US] [seed=N] [queue=FRAMES]   (P in percent)\n");
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) { fprintf(stderr, "impair-bridge: '%s' is not KEY=VALUE\n", argv[i]); return 2; }
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "loss")) loss = percent(v, k);
        else if (!strcmp(k, "reorder")) reorder = percent(v, k);
        else if (!strcmp(k, "duplicate")) duplicate = percent(v, k);
        else if (!strcmp(k, "corrupt")) corrupt = percent(v, k);
        else if (!strcmp(k, "delay")) delay_ns = number(v, k) * 1000;
        else if (!strcmp(k, "reorder-delay")) reorder_ns = number(v, k) * 1000;
        else if (!strcmp(k, "seed")) seed = number(v, k);
        else if (!strcmp(k, "queue")) { capacity = number(v, k); if (capacity < 16 || capacity > 1000000) { fprintf(stderr, "impair-bridge: queue=%zu: 16 to 1000000\n", capacity); return 2; } }
        else { fprintf(stderr, "impair-bridge: unknown setting '%s'\n", k); return 2; }
    }
    prctl(PR_SET_TIMERSLACK, 1UL);  // wake for a release within a microsecond, not the default 50
    int a = open_interface(argv[1]), b = open_interface(argv[2]);
    struct direction ab, ba;
    set_up(&ab, argv[1], argv[2], a, b, 0x61);
    set_up(&ba, argv[2], argv[1], b, a, 0x62);
    // SIGTERM and SIGINT wait for the main thread's sigwait; the directions' threads never see them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    printf("impair-bridge: %s <-> %s loss %g%% reorder %g%% (+%llu us) duplicate %g%% corrupt %g%% delay %llu us seed %llu queue %zu\n",
           argv[1], argv[2], loss * 100, reorder * 100, (unsigned long long)(reorder_ns / 1000), duplicate * 100,
           corrupt * 100, (unsigned long long)(delay_ns / 1000), (unsigned long long)seed, capacity);
    fflush(stdout);
    pthread_t threads[2];
    if (pthread_create(&threads[0], NULL, carry, &ab) || pthread_create(&threads[1], NULL, carry, &ba)) {
        fprintf(stderr, "impair-bridge: cannot start its threads\n");
        return 1;
    }
    int received_signal;
    sigwait(&stop_signals, &received_signal);
    stopping = 1;
    pthread_join(threads[0], NULL);
    pthread_join(threads[1], NULL);
    report(&ab);
    report(&ba);
    return 0;
}
