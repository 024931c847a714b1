// CSwiftletUnix: tap device set-up, getrandom, accept4, recvmmsg, sendmmsg and malloc's figures for
// SwiftletUnix (Linux only).
#define _GNU_SOURCE
#include "CSwiftletUnix.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <malloc.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

int swiftlet_tap_open(const char *name, char actual[16]) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    memcpy(actual, request.ifr_name, IFNAMSIZ);
    actual[IFNAMSIZ - 1] = 0;
    return fd;
}

int swiftlet_interface_mac(const char *name, uint8_t mac[6]) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    int result = ioctl(s, SIOCGIFHWADDR, &request) < 0 ? -errno : 0;
    close(s);
    if (result == 0) memcpy(mac, request.ifr_hwaddr.sa_data, 6);
    return result;
}

int swiftlet_getrandom(void *buffer, size_t length) {
    uint8_t *p = buffer;
    while (length > 0) {
        ssize_t n = getrandom(p, length, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int swiftlet_errno(void) { return errno; }

int swiftlet_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

_Static_assert(sizeof(struct swiftlet_mmsghdr) == sizeof(struct mmsghdr), "struct mmsghdr's layout");
_Static_assert(offsetof(struct swiftlet_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "struct mmsghdr's layout");

int swiftlet_recvmmsg(int fd, struct swiftlet_mmsghdr *messages, unsigned int count, int flags) {
    int n = recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
    return n < 0 ? -errno : n;
}

int swiftlet_sendmmsg(int fd, struct swiftlet_mmsghdr *messages, unsigned int count, int flags) {
    int n = sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
    return n < 0 ? -errno : n;
}

void swiftlet_heap(size_t *in_use, size_t *size) {
    struct mallinfo2 m = mallinfo2();
    *in_use = m.uordblks + m.hblkhd;
    *size = m.arena + m.hblkhd;
}
