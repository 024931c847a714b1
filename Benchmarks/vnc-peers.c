// Benchmarks/run vnc's C helpers (built by Benchmarks/vnc.sh with cc -O2):
//   vnc-peers frames FILE W H     writes the benchmark's picture into FILE (mapped), frame after frame, for
//                                 x11vnc -rawfb to serve: the same picture the canvas application draws
//                                 with --animate (Tests/Apps/canvas/Canvas.swift, `animationPixel`)
//   vnc-peers client HOST PORT ENCODING SECONDS
//                                 an RFB 3.8 viewer that asks for ENCODING (zrle or hextile) in 32-bit
//                                 true colour, skips over the pixels (parsing Hextile tile by tile), asks
//                                 for the next incremental update as soon as one has arrived, and prints
//                                 updates, full-screen equivalents per second and bytes per full screen.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// The picture of frame k (it repeats every 4 frames, so both sides draw from 4 frames made once): a band
// of gradient moving 64 pixels a frame over flat 64x64 blocks whose colours turn every frame.
static uint32_t pixel(uint32_t k, uint32_t x, uint32_t y) {
    static const uint32_t palette[4] = {0x102030, 0x405060, 0xC0C0C0, 0xF5A623};
    if (y < 256) {
        uint32_t r = (x + 64 * k) & 255, g = y & 255, b = (((x + y) >> 1) + 64 * k) & 255;
        return r << 16 | g << 8 | b;
    }
    return palette[((x >> 6) + (y >> 6) + k) & 3];
}

static int frames(const char *file, int w, int h) {
    int fd = open(file, O_RDWR | O_CREAT, 0600);
    size_t size = (size_t)w * h * 4;
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) { perror(file); return 1; }
    uint32_t *fb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED) { perror("mmap"); return 1; }
    uint32_t *made[4];
    for (uint32_t k = 0; k < 4; k++) {
        made[k] = malloc(size);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) made[k][y * w + x] = pixel(k, x, y);
    }
    for (uint32_t k = 0;; k++) {
        memcpy(fb, made[k & 3], size);
        usleep(2000);
    }
}

static int fd;
static uint8_t buf[1 << 20];
static size_t have, at;
static uint64_t received;

static void fill(void) {
    if (at < have) return;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) { fprintf(stderr, "vnc-peers client: the server closed the connection\n"); exit(1); }
    have = (size_t)n; at = 0; received += (uint64_t)n;
}
static uint8_t u8(void) { fill(); return buf[at++]; }
static uint16_t u16(void) { uint16_t a = u8(); return (uint16_t)(a << 8 | u8()); }
static uint32_t u32(void) { uint32_t a = u16(); return a << 16 | u16(); }
static void skip(uint64_t n) {
    while (n > 0) { fill(); size_t take = have - at < n ? have - at : (size_t)n; at += take; n -= take; }
}
static void put(const void *p, size_t n) { if (write(fd, p, n) != (ssize_t)n) { perror("write"); exit(1); } }

static void request(int incremental, int w, int h) {
    uint8_t m[10] = {3, (uint8_t)incremental, 0, 0, 0, 0, (uint8_t)(w >> 8), (uint8_t)w, (uint8_t)(h >> 8), (uint8_t)h};
    put(m, sizeof m);
}

static double seconds(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int client(const char *host, int port, const char *encoding, double duration) {
    int32_t enc = strcmp(encoding, "zrle") == 0 ? 16 : strcmp(encoding, "hextile") == 0 ? 5 : 0;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    skip(12);
    put("RFB 003.008\n", 12);
    int types = u8(), none = 0;
    for (int i = 0; i < types; i++) if (u8() == 1) none = 1;
    if (!none) { fprintf(stderr, "vnc-peers client: no security type None\n"); return 1; }
    put("\x01", 1);
    if (u32() != 0) { fprintf(stderr, "vnc-peers client: security failed\n"); return 1; }
    put("\x01", 1);
    int w = u16(), h = u16();
    skip(16);
    skip(u32());
    uint8_t spf[20] = {0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0};
    put(spf, sizeof spf);
    uint8_t se[8] = {2, 0, 0, 1, (uint8_t)(enc >> 24), (uint8_t)(enc >> 16), (uint8_t)(enc >> 8), (uint8_t)enc};
    put(se, sizeof se);
    request(0, w, h);
    double start = 0, end = 0;
    uint64_t updates = 0, pixels = 0, bytesAtStart = 0, rects = 0;
    for (;;) {
        uint8_t type = u8();
        if (type == 2) continue;
        if (type == 3) { skip(3); skip(u32()); continue; }
        if (type != 0) { fprintf(stderr, "vnc-peers client: message type %d\n", type); return 1; }
        skip(1);
        int count = u16();
        uint64_t updatePixels = 0;
        for (int r = 0; r < count; r++) {
            int x = u16(), y = u16(), rw = u16(), rh = u16();
            (void)x; (void)y;
            int32_t e = (int32_t)u32();
            if (e == -224) break;  // LastRect
            rects++;
            if (e == 0) { skip((uint64_t)rw * rh * 4); updatePixels += (uint64_t)rw * rh; }
            else if (e == 1) { skip(4); updatePixels += (uint64_t)rw * rh; }
            else if (e == 16) { skip(u32()); updatePixels += (uint64_t)rw * rh; }
            else if (e == 5) {
                for (int ty = 0; ty < rh; ty += 16)
                    for (int tx = 0; tx < rw; tx += 16) {
                        int tw = rw - tx < 16 ? rw - tx : 16, th = rh - ty < 16 ? rh - ty : 16;
                        uint8_t mask = u8();
                        if (mask & 1) { skip((uint64_t)tw * th * 4); continue; }
                        if (mask & 2) skip(4);
                        if (mask & 4) skip(4);
                        if (mask & 8) { int n = u8(); skip((uint64_t)n * ((mask & 16) ? 6 : 2)); }
                    }
                updatePixels += (uint64_t)rw * rh;
            } else if (e == -239) { skip((uint64_t)rw * rh * 4 + (uint64_t)((rw + 7) / 8) * rh); }
            else if (e == -223) { }
            else { fprintf(stderr, "vnc-peers client: encoding %d\n", e); return 1; }
        }
        request(1, w, h);
        double now = seconds();
        if (start == 0) { start = now; bytesAtStart = received - (have - at); continue; }  // the first, full, update is not counted
        updates++;
        pixels += updatePixels;
        if (now - start >= duration) { end = now; break; }
    }
    double screens = (double)pixels / ((double)w * h);
    uint64_t bytes = received - (have - at) - bytesAtStart;
    printf("updates %llu rects %llu screens %.1f seconds %.2f screens/s %.1f bytes/screen %.0f\n",
           (unsigned long long)updates, (unsigned long long)rects, screens, end - start, screens / (end - start), bytes / (screens > 0 ? screens : 1));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "frames") == 0) return frames(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 6 && strcmp(argv[1], "client") == 0) return client(argv[2], atoi(argv[3]), argv[4], atof(argv[5]));
    fprintf(stderr, "usage: vnc-peers frames FILE W H | client HOST PORT zrle|hextile SECONDS\n");
    return 2;
}
