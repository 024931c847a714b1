// CSwiftletUnix: the few Linux calls Swift cannot make directly (ioctl is variadic) for SwiftletUnix.
#ifndef CSWIFTLET_UNIX_H
#define CSWIFTLET_UNIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/// Opens /dev/net/tun as a tap device named `name` (IFF_TAP | IFF_NO_PI, non-blocking, close-on-exec).
/// Returns the descriptor, or -errno. The kernel's name for the device is copied to `actual` (16 bytes).
int swiftlet_tap_open(const char *name, char actual[16]);

/// Reads the MAC address of the host interface `name` into `mac` (6 bytes). Returns 0 or -errno.
int swiftlet_interface_mac(const char *name, uint8_t mac[6]);

/// getrandom(2) until `length` bytes are filled. Returns 0 or -errno.
int swiftlet_getrandom(void *buffer, size_t length);

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC (glibc declares it only under _GNU_SOURCE).
int swiftlet_accept(int fd, struct sockaddr *address, socklen_t *length);

/// struct mmsghdr, which glibc declares only under _GNU_SOURCE (same layout; tap.c checks).
struct swiftlet_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// recvmmsg(2) without a timeout: up to `count` datagrams already queued (with MSG_DONTWAIT in `flags`,
/// none waited for). Returns how many, or -errno.
int swiftlet_recvmmsg(int fd, struct swiftlet_mmsghdr *messages, unsigned int count, int flags);

/// sendmmsg(2): sends up to `count` datagrams. Returns how many went (the first `n`), or -errno when
/// the first failed.
int swiftlet_sendmmsg(int fd, struct swiftlet_mmsghdr *messages, unsigned int count, int flags);

/// The calling thread's errno.
int swiftlet_errno(void);

/// malloc's figures (glibc mallinfo2): bytes in use in `in_use`, bytes taken from the system (arena and
/// mmapped blocks) in `size`; for the memory report (`--report memory`).
void swiftlet_heap(size_t *in_use, size_t *size);

#endif
