// swiftlet package --docker: the container's entry point, a small static C program the tool compiles
// (cc -static) and puts in the image as /swiftlet/entry. What it does is said at the top of the source
// below. C, not Swift: it must be under a megabyte with no runtime to carry, in an image whose
// goal is 40 MB with QEMU in it.

import Foundation

enum ContainerEntry {
    /// What the entry point and the OCI runtime (OCIRuntime) share: the configuration, the tap, QEMU, the
    /// port relays, the stop on SIGTERM and the exit code.
    static let core = #"""
/* swiftlet package --docker: the container's entry point (PID 1), a static C program written by the tool.
 * It reads /swiftlet/config (written by the tool, one directive a line), creates the tap QEMU will open
 * and gives it the host side's address, starts QEMU on the kernel with the serial console on its own
 * standard output (docker logs), forwards each TCP port from the container's addresses to the kernel's,
 * turns SIGTERM and SIGINT (docker stop, Ctrl-C) into the kernel's shutdown request on COM2 (QEMU is
 * ended after 8 seconds, inside docker stop's default 10, if the kernel does not stop; the status is then
 * 143), reaps every child, and exits with the
 * kernel's exit code: from isa-debug-exit (QEMU's status), or, with QEMU's microvm build, which has no
 * such device, from the console line the kernel prints before its i8042 reset ("kernel: exit N"; QEMU is
 * ended two seconds after it, as microvm may have no i8042 and the kernel then halts).
 * Without a usable /dev/kvm it boots with TCG and says so, or, where this QEMU has no TCG (the microvm
 * build), says what to run instead. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256
#define MAX_PORTS 16

static char *qemu_args[MAX_ARGS + 1];
static int qemu_argc;
static int ports[MAX_PORTS], port_count;
static char tap_name[IFNAMSIZ], host_address[64], guest_address[64], com2_path[108];
static int config_overflow;  /* more "arg" lines than MAX_ARGS */
static const char *qemu_pid_file;  /* the runtime's: QEMU's PID written there (QEMU's -runas clears its PR_SET_PDEATHSIG) */
static int prefix_length = 24, grace_seconds = 8, has_tcg = 1, has_debug_exit = 1, console_exit = -1;
/* The fix a message names: docker run's flags for the image's entry point; the host's for the runtime,
 * which uses the host's /dev/kvm and /dev/net/tun as root. */
static const char *kvm_fix = "docker run --device /dev/kvm", *tun_fix = "docker run --device /dev/net/tun --cap-add NET_ADMIN",
    *admin_fix = "docker run --cap-add NET_ADMIN";
#define MAX_RELAYS 256      /* forwarded connections at once; more are refused until one ends */
#define RELAY_IDLE_MS (10 * 60 * 1000)   /* a forwarded connection silent both ways this long is closed */
static const char exit_line_end[] = " (no isa-debug-exit device at 0xf4 to report it)";
static volatile sig_atomic_t stop_requested, child_exited;

static void say(const char *format, const char *detail) {
    fprintf(stderr, "swiftlet-container: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n");
}

static void on_stop(int sig) { (void)sig; stop_requested = 1; }
static void on_child(int sig) { (void)sig; child_exited = 1; }

/* One directive of the configuration ("arg", "port", "tap", "host", "guest", "com2", "grace", "tcg",
 * "debugexit", each followed by a space and its value); anything else is ignored. */
static void config_line(char *line) {
    line[strcspn(line, "\n")] = 0;
    char *value = strchr(line, ' ');
    if (!value) return;
    *value++ = 0;
    if (!strcmp(line, "arg") && qemu_argc < MAX_ARGS) qemu_args[qemu_argc++] = strdup(value);
    else if (!strcmp(line, "arg")) config_overflow = 1;
    else if (!strcmp(line, "port") && port_count < MAX_PORTS) ports[port_count++] = atoi(value);
    else if (!strcmp(line, "tap")) snprintf(tap_name, sizeof tap_name, "%s", value);
    else if (!strcmp(line, "host")) {
        snprintf(host_address, sizeof host_address, "%s", value);
        char *slash = strchr(host_address, '/');
        if (slash) { *slash = 0; prefix_length = atoi(slash + 1); }
    }
    else if (!strcmp(line, "guest")) snprintf(guest_address, sizeof guest_address, "%s", value);
    else if (!strcmp(line, "com2")) snprintf(com2_path, sizeof com2_path, "%s", value);
    else if (!strcmp(line, "grace")) grace_seconds = atoi(value);
    else if (!strcmp(line, "tcg")) has_tcg = strcmp(value, "no") != 0;
    else if (!strcmp(line, "debugexit")) has_debug_exit = strcmp(value, "no") != 0;
    qemu_args[qemu_argc] = NULL;
}

/* Without /dev/kvm (docker run without --device /dev/kvm): TCG, as swiftlet run does. */
static void choose_accelerator(void) {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd >= 0) { close(fd); return; }
    if (!has_tcg) {
        fprintf(stderr, "swiftlet-container: /dev/kvm is not usable in this container (%s), and this image's QEMU (the microvm "
                "build, for size) has no TCG: %s, or package with swiftlet package --docker --qemu full\n", strerror(errno), kvm_fix);
        exit(125);
    }
    fprintf(stderr, "swiftlet-container: /dev/kvm is not usable here (%s): booting with TCG, software emulation, much slower "
            "(%s for KVM)\n", strerror(errno), kvm_fix);
    for (int i = 0; i + 1 < qemu_argc; i++) {
        if (!strcmp(qemu_args[i], "-accel")) qemu_args[i + 1] = "tcg";
        if (!strcmp(qemu_args[i], "-cpu")) qemu_args[i + 1] = "max";
    }
}

static void create_tap(void) {
    if (!tap_name[0]) return;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "swiftlet-container: cannot open /dev/net/tun (%s): %s\n", strerror(errno), tun_fix);
        exit(125);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, tap_name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
        fprintf(stderr, "swiftlet-container: cannot create the tap (%s): %s\n", strerror(errno), admin_fix);
        exit(125);
    }
    close(fd);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, tap_name, IFNAMSIZ - 1);
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, host_address, &sin->sin_addr);
    int failed = ioctl(s, SIOCSIFADDR, &ifr) < 0;
    sin->sin_addr.s_addr = htonl(prefix_length == 0 ? 0 : 0xffffffffu << (32 - prefix_length));
    failed = failed || ioctl(s, SIOCSIFNETMASK, &ifr) < 0;
    failed = failed || ioctl(s, SIOCGIFFLAGS, &ifr) < 0;
    ifr.ifr_flags |= IFF_UP;
    failed = failed || ioctl(s, SIOCSIFFLAGS, &ifr) < 0;
    if (failed) { fprintf(stderr, "swiftlet-container: cannot give the tap its address (%s): %s\n", strerror(errno), admin_fix); exit(125); }
    close(s);
}

/* One forwarded connection, in a child of its own: bytes both ways until both sides have closed. */
static void relay(int client, int port) {
    int guest = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    inet_pton(AF_INET, guest_address, &to.sin_addr);
    if (connect(guest, (struct sockaddr *)&to, sizeof to) < 0) _exit(1);
    /* Keepalives find a client that vanished without a word; silence both ways ends the relay, and a
     * peer that stops reading ends it too (a write that cannot go on within the idle time). */
    int on = 1;
    setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(guest, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    struct timeval send_limit = { .tv_sec = RELAY_IDLE_MS / 1000 };
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof send_limit);
    setsockopt(guest, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof send_limit);
    struct pollfd p[2] = { { .fd = client, .events = POLLIN }, { .fd = guest, .events = POLLIN } };
    int open_sides = 2;
    static char buffer[65536];
    while (open_sides > 0) {
        int ready = poll(p, 2, RELAY_IDLE_MS);
        if (ready == 0) break;
        if (ready < 0) { if (errno == EINTR) continue; break; }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(p[i].fd, buffer, sizeof buffer);
            int other = i == 0 ? guest : client;
            if (n <= 0) { shutdown(other, SHUT_WR); p[i].fd = -1; open_sides--; continue; }
            for (ssize_t sent = 0; sent < n;) {
                ssize_t m = write(other, buffer + sent, (size_t)(n - sent));
                if (m <= 0) _exit(0);
                sent += m;
            }
        }
    }
    _exit(0);
}

/* COM2 is connected as soon as QEMU serves it, and stays connected: QEMU hands the kernel's UART what
 * a connection sends only while it lasts, so a request written just before closing could be lost. */
static int com2_fd = -1;

static void connect_com2(void) {
    if (com2_fd >= 0 || !com2_path[0]) return;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un to = { .sun_family = AF_UNIX };
    snprintf(to.sun_path, sizeof to.sun_path, "%s", com2_path);
    if (s >= 0 && connect(s, (struct sockaddr *)&to, sizeof to) == 0) com2_fd = s;
    else if (s >= 0) close(s);
}

/* Returns whether the request went; if not, QEMU is to be ended at once. */
static int request_shutdown(void) {
    connect_com2();
    if (com2_fd >= 0 && write(com2_fd, "shutdown\n", 9) == 9) {
        say("%s: asked the kernel to shut down (COM2)", "stop");
        return 1;
    }
    say("cannot reach the kernel's COM2 (%s): ending QEMU", strerror(errno));
    return 0;
}

/* QEMU's standard output (the console) copied to ours, watched for the kernel's exit line. */
static char console_line[256];
static size_t console_used;

static ssize_t console(int fd) {
    char buffer[4096];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return n;
    for (ssize_t sent = 0; sent < n;) {
        ssize_t m = write(STDOUT_FILENO, buffer + sent, (size_t)(n - sent));
        if (m <= 0) break;
        sent += m;
    }
    /* The kernel's line is exactly "kernel: exit N (no isa-debug-exit device ...)"; a longer line is
     * no such line (its rest is skipped, not scanned as a line of its own). Only where QEMU has no
     * isa-debug-exit: elsewhere the kernel never prints it, and application output must not end a run. */
    static int overflow;
    for (ssize_t i = 0; i < n && !has_debug_exit; i++) {
        if (buffer[i] == '\n') {
            console_line[console_used] = 0;
            int code, end = 0;
            size_t suffix = sizeof exit_line_end - 1;
            if (!overflow && console_used > suffix && !strcmp(console_line + console_used - suffix, exit_line_end)
                && sscanf(console_line, "kernel: exit %d%n", &code, &end) == 1 && (size_t)end == console_used - suffix)
                console_exit = code;
            console_used = 0;
            overflow = 0;
        } else if (console_used == sizeof console_line - 1) {
            overflow = 1;
        } else if (buffer[i] != '\r') {
            console_line[console_used++] = buffer[i];
        }
    }
    return n;
}

/* Boots the configured kernel and serves it until QEMU ends; returns the kernel's exit code. */
static int run_kernel(void) {
    if (qemu_argc == 0) { say("%s", "no QEMU command line in the configuration"); return 125; }
    choose_accelerator();
    create_tap();
    struct sigaction stop = { .sa_handler = on_stop }, child = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP };
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGCHLD, &child, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (access(qemu_args[0], X_OK) < 0) { say("cannot run QEMU: %s", strerror(errno)); return 125; }
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0) { say("pipe: %s", strerror(errno)); return 125; }
    pid_t parent = getpid(), qemu = fork();
    if (qemu == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        /* A process group of its own: Ctrl-C on a terminal (docker run -it) reaches PID 1 only, which
         * asks the kernel to shut down, instead of QEMU, which would quit at once. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);  /* no QEMU left behind when this process is killed (until -runas) */
        if (getppid() != parent) _exit(125);  /* ... nor when that happened before the line above */
        /* Not the terminal of docker run -t: QEMU, in a background group, would stop (SIGTTOU) setting it
         * raw. The terminal stays ours, so Ctrl-C still reaches this process. */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) dup2(null, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(qemu_args[0], qemu_args);
        say("cannot start QEMU: %s", strerror(errno));
        _exit(125);
    }
    close(out[1]);
    if (qemu_pid_file) {
        FILE *f = fopen(qemu_pid_file, "w");
        if (f) { fprintf(f, "%d\n", qemu); fclose(f); }
    }
    int listeners[MAX_PORTS];
    struct pollfd p[MAX_PORTS + 1];
    for (int i = 0; i < port_count; i++) {
        /* Both families where the container has IPv6, else IPv4 only. */
        int on = 1, off = 0, bound;
        listeners[i] = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listeners[i] >= 0) {
            setsockopt(listeners[i], SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
            setsockopt(listeners[i], IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
            struct sockaddr_in6 at = { .sin6_family = AF_INET6, .sin6_port = htons((unsigned short)ports[i]), .sin6_addr = in6addr_any };
            bound = bind(listeners[i], (struct sockaddr *)&at, sizeof at) == 0;
        } else {
            listeners[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            setsockopt(listeners[i], SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
            struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons((unsigned short)ports[i]), .sin_addr = { htonl(INADDR_ANY) } };
            bound = bind(listeners[i], (struct sockaddr *)&at, sizeof at) == 0;
        }
        if (!bound || listen(listeners[i], 128) < 0) {
            char port[16];
            snprintf(port, sizeof port, "%d", ports[i]);
            say("cannot listen on port %s", port);
            kill(qemu, SIGTERM);
            return 125;
        }
        p[i] = (struct pollfd){ .fd = listeners[i], .events = POLLIN };
    }
    p[port_count] = (struct pollfd){ .fd = out[0], .events = POLLIN };
    int status = 0, shutdown_sent = 0, exit_seen = 0, forced = 0, relays = 0;
    time_t deadline = 0, kill_deadline = 0;
    for (;;) {
        connect_com2();
        /* The kernel said its exit code (no isa-debug-exit): QEMU's microvm machine may have no i8042 to
         * end it either, so the kernel then halts; QEMU is ended two seconds later. */
        if (console_exit >= 0 && !exit_seen) { exit_seen = 1; deadline = time(NULL) + 2; }
        if (stop_requested && !shutdown_sent) {
            shutdown_sent = 1;
            deadline = request_shutdown() ? time(NULL) + grace_seconds : time(NULL) - 1;
        }
        if (deadline && time(NULL) > deadline) {
            if (!exit_seen) { say("%s", "the kernel did not stop in time: ending QEMU"); forced = 1; }
            kill(qemu, SIGTERM);
            deadline = 0;
            kill_deadline = time(NULL) + 3;
        }
        if (kill_deadline && time(NULL) > kill_deadline) { kill(qemu, SIGKILL); kill_deadline = 0; }
        if (child_exited) {
            child_exited = 0;
            pid_t pid;
            int s;
            int done = 0;
            while ((pid = waitpid(-1, &s, WNOHANG)) > 0) {
                if (pid == qemu) { status = s; done = 1; } else if (relays > 0) relays--;
            }
            if (done) {  /* what QEMU wrote last, up to the end of the pipe */
                fcntl(out[0], F_SETFL, O_NONBLOCK);
                while (console(out[0]) > 0) {}
                break;
            }
        }
        int n = poll(p, (nfds_t)port_count + 1, 500);
        if (n <= 0) continue;
        if (p[port_count].revents & POLLIN) console(out[0]);
        if (p[port_count].revents & POLLHUP && !(p[port_count].revents & POLLIN)) p[port_count].fd = -1;
        for (int i = 0; i < port_count; i++) {
            if (!(p[i].revents & POLLIN)) continue;
            int client = accept4(listeners[i], NULL, NULL, SOCK_CLOEXEC);
            if (client < 0) continue;
            if (relays >= MAX_RELAYS) { close(client); continue; }
            pid_t helper = fork();
            if (helper == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent) _exit(0);
                for (int j = 0; j < port_count; j++) close(listeners[j]);
                close(out[0]);
                if (com2_fd >= 0) close(com2_fd);
                relay(client, ports[i]);
            }
            if (helper > 0) relays++;
            close(client);
        }
    }
    /* QEMU's status: isa-debug-exit makes it 2*code+33 (the kernel's exit code); a signal, 128+N. */
    if (console_exit >= 0) return console_exit;
    if (forced) return 128 + SIGTERM;  /* the kernel did not finish its shutdown: QEMU was ended */
    if (WIFEXITED(status)) {
        int s = WEXITSTATUS(status);
        if (has_debug_exit && s >= 33 && s % 2 == 1) return (s - 33) / 2;
        return s == 0 && shutdown_sent ? 0 : (s == 0 ? 1 : s);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}
"""#

    /// The image's PID 1: the configuration from /swiftlet/config (written by the tool).
    static let entryMain = #"""
int main(void) {
    setvbuf(stderr, NULL, _IONBF, 0);
    FILE *f = fopen("/swiftlet/config", "r");
    if (!f) { say("cannot read /swiftlet/config: %s", strerror(errno)); return 125; }
    static char line[4096];
    while (fgets(line, sizeof line, f)) config_line(line);
    fclose(f);
    return run_kernel();
}
"""#

    /// The entry point's whole source.
    static var source: String { core + entryMain }

    /// Compiles the entry point (or, given its source, the OCI runtime) into `output` with the host's C
    /// compiler, statically linked.
    static func compile(_ code: String = ContainerEntry.source, into output: URL) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-entry-\(UUID().uuidString).c")
        defer { try? FileManager.default.removeItem(at: work) }
        try code.write(to: work, atomically: true, encoding: .utf8)
        guard let compiler = ["cc", "gcc", "clang"].lazy.compactMap(executableOnPath).first else {
            throw CLIError("no C compiler (cc, gcc or clang) for \(output.lastPathComponent): apt-get install gcc libc6-dev")
        }
        let status = ChildProcess.run(compiler, arguments: ["-static", "-Os", "-s", "-o", output.path, work.path], quiet: true)
        guard status == 0 else {
            throw CLIError("\(output.lastPathComponent) did not compile (status \(status)); a static C library is needed: apt-get install libc6-dev")
        }
    }
}
