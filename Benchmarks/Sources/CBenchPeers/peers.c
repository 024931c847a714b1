// Benchmark peers in C (see include/peers.h). Written for this project.
#include "peers.h"

uint16_t peer_checksum_rfc1071(const uint8_t *data, size_t length) {
    uint32_t sum = 0;
    while (length > 1) {
        sum += (uint32_t)data[0] << 8 | data[1];
        data += 2;
        length -= 2;
        if (sum & 0x80000000u) sum = (sum & 0xFFFF) + (sum >> 16);
    }
    if (length) sum += (uint32_t)data[0] << 8;
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

int peer_parse_tcp_frame(const uint8_t *f, size_t n, uint32_t *sequence, uint16_t *mss) {
    if (n < 14 || be16(f + 12) != 0x0800) return -1;
    const uint8_t *ip = f + 14;
    size_t left = n - 14;
    if (left < 20 || ip[0] >> 4 != 4) return -2;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = be16(ip + 2);
    if (ihl < 20 || total < ihl || total > left) return -3;
    if (peer_checksum_rfc1071(ip, ihl) != 0) return -4;
    if (ip[9] != 6) return -5;
    const uint8_t *t = ip + ihl;
    size_t tl = total - ihl;
    if (tl < 20) return -6;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > tl) return -7;
    uint32_t sum = 0;
    sum += be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 6 + (uint32_t)tl;
    sum += (uint16_t)~peer_checksum_rfc1071(t, tl);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    if (sum != 0xFFFF) return -8;
    *mss = 0;
    for (size_t i = 20; i < doff;) {
        uint8_t kind = t[i];
        if (kind == 0) break;
        if (kind == 1) { i++; continue; }
        if (i + 1 >= doff) return -9;
        size_t len = t[i + 1];
        if (len < 2 || i + len > doff) return -9;
        if (kind == 2) { if (len != 4) return -9; *mss = be16(t + i + 2); }
        i += len;
    }
    *sequence = be32(t + 4);
    return 0;
}

uint64_t peer_cycles(void) {
    uint32_t lo, hi;
    __asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) :: "memory");
    return (uint64_t)hi << 32 | lo;
}
