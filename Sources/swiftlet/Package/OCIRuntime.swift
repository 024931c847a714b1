// swiftlet runtime: an OCI runtime for the kernel-only images `swiftlet package --oci` makes. Docker (its
// containerd shim) calls it with runc's command line (`create`, `start`, `state`, `kill`, `delete`, `ps`);
// it boots the image's kernel with the host's QEMU inside the container's network namespace, with the
// same tap, port relays, stop on SIGTERM and exit code as the --docker image's entry point (ContainerEntry,
// whose C core it shares). A static C program the tool compiles, so that dockerd can run it with nothing
// else installed. The OCI runtime command line: the OCI runtime spec's "runtime.md" (operations and
// state) and runc's flags, as containerd's runc shim passes them.
//
// The image is not trusted: its QEMU arguments (SWIFTLET_CONFIG) must each be one the runtime knows, the
// kernel a regular file inside the container's root file system, and QEMU drops root (-runas) once the
// machine is built. The application's own arguments go only to the kernel's command line.

import Foundation

enum OCIRuntime {
    static let source = ContainerEntry.core + runtime

    /// Where `swiftlet runtime` installs it by default.
    static let defaultPath = "/usr/local/bin/swiftlet-runtime"

    static let runtime = #"""
/* ---- swiftlet-runtime: the OCI runtime command line ---- */
#include <ctype.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <termios.h>

#define RUNTIME_VERSION "1.0"
#define OCI_VERSION "1.0.2"
#define MAX_CONFIG_BYTES (4 << 20)   /* config.json: Docker's are a few kilobytes */
#define MAX_JSON_DEPTH 64
#define MAX_CMDLINE 2048             /* the x86 kernel command line's size */

static const char *state_root = "/run/swiftlet-runtime";
static const char *log_path, *qemu_path = "/usr/bin/qemu-system-x86_64";
static int log_json;
static char container_dir[PATH_MAX];
static int remove_dir_on_failure;
static pid_t container_child;   /* killed when create fails after making it */
struct state;
static struct state *created_state;   /* what create has made, for fail() to undo */
static void remove_cgroups(struct state *s);
static long machine_megabytes = 256;   /* QEMU's -m */
#define MAX_KERNEL_BYTES (256 << 20)
#define NOBODY "65534:65534"     /* QEMU's user once the machine is built, whatever the image says */

static void remove_container_dir(void) {
    static const char *const files[] = { "start", "com2", "state", "state.tmp", "kernel", "qemu.pid" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s", container_dir, files[i]);
        unlink(path);
    }
    rmdir(container_dir);
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void rfc3339_now(char *out, size_t size) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char seconds[32];
    strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%09ldZ", seconds, now.tv_nsec);
}

/* The error on standard error and, as runc does, in the --log file, where containerd reads it for the
 * message Docker shows ("OCI runtime create failed: ..."). */
static void fail(const char *format, ...) {
    char message[1024];
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof message, format, ap);
    va_end(ap);
    fprintf(stderr, "swiftlet-runtime: %s\n", message);
    if (log_path) {
        FILE *f = fopen(log_path, "a");
        if (f) {
            char now[64];
            rfc3339_now(now, sizeof now);
            if (log_json) {
                fprintf(f, "{\"level\":\"error\",\"msg\":");
                json_string(f, message);
                fprintf(f, ",\"time\":\"%s\"}\n", now);
            } else {
                fprintf(f, "time=\"%s\" level=error msg=", now);
                json_string(f, message);
                fputc('\n', f);
            }
            fclose(f);
        }
    }
    if (container_child > 0) { kill(container_child, SIGKILL); waitpid(container_child, NULL, 0); if (created_state) remove_cgroups(created_state); }
    if (remove_dir_on_failure) remove_container_dir();
    exit(1);
}

/* ---- JSON (RFC 8259), just what config.json needs: a tree of values; bounded depth and size ---- */
enum { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };
struct json { int type, boolean; char *text, *key; struct json *child, *next; };
static const char *jp, *jend;
static int jdepth;

static struct json *jnew(int type) {
    struct json *j = calloc(1, sizeof *j);
    if (!j) fail("out of memory");
    j->type = type;
    return j;
}

static void jspace(void) { while (jp < jend && (*jp == ' ' || *jp == '\t' || *jp == '\n' || *jp == '\r')) jp++; }

static int jhex(unsigned *out) {
    if (jend - jp < 4) return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *jp++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* A string at jp (its opening quote), unescaped to UTF-8; NUL (\u0000) is refused, as C strings end there.
 * Unescaping never lengthens, so the raw length up to the closing quote bounds the result. */
static char *jstring(void) {
    const char *end = jp + 1;
    while (end < jend && *end != '"') end += *end == '\\' ? 2 : 1;
    if (end >= jend) return NULL;
    size_t capacity = (size_t)(end - jp), n = 0;
    char *s = malloc(capacity + 1);
    if (!s) fail("out of memory");
    jp++;
    for (;;) {
        if (jp >= jend) return NULL;
        unsigned char c = (unsigned char)*jp++;
        if (c == '"') break;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            if (jp >= jend) return NULL;
            c = (unsigned char)*jp++;
            unsigned code;
            switch (c) {
            case '"': case '\\': case '/': break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                if (!jhex(&code) || code == 0) return NULL;
                if (code >= 0xd800 && code < 0xdc00) {
                    unsigned low;
                    if (jend - jp < 6 || jp[0] != '\\' || jp[1] != 'u') return NULL;
                    jp += 2;
                    if (!jhex(&low) || low < 0xdc00 || low >= 0xe000) return NULL;
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                } else if (code >= 0xdc00 && code < 0xe000) return NULL;
                if (n + 4 > capacity) return NULL;
                if (code < 0x80) s[n++] = (char)code;
                else if (code < 0x800) { s[n++] = (char)(0xc0 | code >> 6); s[n++] = (char)(0x80 | (code & 0x3f)); }
                else if (code < 0x10000) { s[n++] = (char)(0xe0 | code >> 12); s[n++] = (char)(0x80 | (code >> 6 & 0x3f)); s[n++] = (char)(0x80 | (code & 0x3f)); }
                else { s[n++] = (char)(0xf0 | code >> 18); s[n++] = (char)(0x80 | (code >> 12 & 0x3f)); s[n++] = (char)(0x80 | (code >> 6 & 0x3f)); s[n++] = (char)(0x80 | (code & 0x3f)); }
                continue;
            default: return NULL;
            }
        }
        if (n + 1 > capacity) return NULL;
        s[n++] = (char)c;
    }
    s[n] = 0;
    return s;
}

static struct json *jvalue(void) {
    jspace();
    if (jp >= jend || ++jdepth > MAX_JSON_DEPTH) return NULL;
    struct json *j = NULL, **tail;
    switch (*jp) {
    case '{':
    case '[': {
        int object = *jp++ == '{';
        j = jnew(object ? J_OBJECT : J_ARRAY);
        tail = &j->child;
        jspace();
        if (jp < jend && *jp == (object ? '}' : ']')) { jp++; break; }
        for (;;) {
            char *key = NULL;
            if (object) {
                jspace();
                if (jp >= jend || *jp != '"' || !(key = jstring())) return NULL;
                jspace();
                if (jp >= jend || *jp++ != ':') return NULL;
            }
            struct json *member = jvalue();
            if (!member) return NULL;
            member->key = key;
            *tail = member;
            tail = &member->next;
            jspace();
            if (jp < jend && *jp == ',') { jp++; continue; }
            if (jp < jend && *jp == (object ? '}' : ']')) { jp++; break; }
            return NULL;
        }
        break;
    }
    case '"':
        j = jnew(J_STRING);
        if (!(j->text = jstring())) return NULL;
        break;
    case 't': case 'f': case 'n': {
        static const char *const words[] = { "true", "false", "null" };
        for (int i = 0; i < 3; i++) {
            size_t length = strlen(words[i]);
            if ((size_t)(jend - jp) >= length && !memcmp(jp, words[i], length)) {
                jp += length;
                j = jnew(i == 2 ? J_NULL : J_BOOL);
                j->boolean = i == 0;
                break;
            }
        }
        if (!j) return NULL;
        break;
    }
    default: {
        const char *start = jp;
        while (jp < jend && *jp && strchr("+-0123456789.eE", *jp)) jp++;
        if (jp == start) return NULL;
        j = jnew(J_NUMBER);
        j->text = strndup(start, (size_t)(jp - start));
        break;
    }
    }
    jdepth--;
    return j;
}

static struct json *json_parse(const char *text, size_t length) {
    jp = text;
    jend = text + length;
    jdepth = 0;
    struct json *j = jvalue();
    jspace();
    return j && jp == jend ? j : NULL;
}

static struct json *jget(struct json *object, const char *key) {
    if (!object || object->type != J_OBJECT) return NULL;
    for (struct json *m = object->child; m; m = m->next) if (!strcmp(m->key, key)) return m;
    return NULL;
}

static const char *jtext(struct json *j) { return j && j->type == J_STRING ? j->text : NULL; }

static long jnumber(struct json *j, long otherwise) {
    if (!j || j->type != J_NUMBER) return otherwise;
    char *end;
    long v = strtol(j->text, &end, 10);
    return *end ? otherwise : v;
}

/* A NULL-terminated array of an array of strings; NULL when it is not one. */
static char **jstrings(struct json *array, int *count) {
    if (!array || array->type != J_ARRAY) return NULL;
    int n = 0;
    for (struct json *m = array->child; m; m = m->next) { if (m->type != J_STRING) return NULL; n++; }
    char **out = calloc((size_t)n + 1, sizeof *out);
    if (!out) fail("out of memory");
    n = 0;
    for (struct json *m = array->child; m; m = m->next) out[n++] = m->text;
    if (count) *count = n;
    return out;
}

/* A regular file's bytes, NUL-terminated, read to its end (those of /proc say size 0, so the size is
 * not trusted); NULL with EFBIG when there are more than `limit`. */
static char *read_file(const char *path, size_t limit, size_t *length) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) { close(fd); errno = EISDIR; return NULL; }
    char *data = malloc(limit + 2);
    size_t n = 0;
    ssize_t m = 0;
    while (data && n <= limit && (m = read(fd, data + n, limit + 1 - n)) > 0) n += (size_t)m;
    close(fd);
    if (!data) return NULL;
    if (m < 0 || n > limit) { free(data); errno = m < 0 ? EIO : EFBIG; return NULL; }
    data[n] = 0;
    *length = n;
    return data;
}

/* ---- the container's state, in STATE_ROOT/ID/state: "pid N", "start T" (its start time in /proc, so
 * that a reused PID is not taken for it), "bundle B", "created TIME" ---- */
#define MAX_CGROUPS 8
struct state { int pid, cgroup_count; unsigned long long start; char bundle[PATH_MAX], created[64], cgroups[MAX_CGROUPS][PATH_MAX]; };

static void check_id(const char *id) {
    size_t n = strlen(id);
    int ok = n > 0 && n <= 128 && strcmp(id, ".") && strcmp(id, "..");
    for (size_t i = 0; ok && i < n; i++) ok = isalnum((unsigned char)id[i]) || strchr("_.-", id[i]);
    if (!ok) fail("invalid container ID '%s': 1-128 letters, digits and _ . -", id);
    snprintf(container_dir, sizeof container_dir, "%s/%s", state_root, id);
}

/* From /proc/PID/stat: the start time (field 22), so that a reused PID is not taken for the process,
 * and the parent (field 4); 0 when the process is gone or a zombie. */
static unsigned long long process_stat(const char *pid, int *parent) {
    char path[300], buffer[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return 0;
    buffer[n] = 0;
    char *p = strrchr(buffer, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X') return 0;
    p += 2;   /* field 3 */
    if (parent && sscanf(p, "%*c %d", parent) != 1) return 0;
    for (int field = 3; field < 22; field++) { p = strchr(p, ' '); if (!p) return 0; p++; }
    return strtoull(p, NULL, 10);
}

static unsigned long long process_start(int pid) {
    char text[16];
    snprintf(text, sizeof text, "%d", pid);
    return process_stat(text, NULL);
}

static int load_state(const char *id, struct state *s, int must_exist) {
    check_id(id);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/state", container_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (must_exist) fail("container %s does not exist", id);
        return 0;
    }
    memset(s, 0, sizeof *s);
    char line[PATH_MAX + 32];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "pid ", 4)) s->pid = atoi(line + 4);
        else if (!strncmp(line, "start ", 6)) s->start = strtoull(line + 6, NULL, 10);
        else if (!strncmp(line, "bundle ", 7)) snprintf(s->bundle, sizeof s->bundle, "%s", line + 7);
        else if (!strncmp(line, "created ", 8)) snprintf(s->created, sizeof s->created, "%s", line + 8);
        else if (!strncmp(line, "cgroup ", 7) && s->cgroup_count < MAX_CGROUPS) snprintf(s->cgroups[s->cgroup_count++], PATH_MAX, "%s", line + 7);
    }
    fclose(f);
    return 1;
}

static const char *status_of(struct state *s) {
    if (s->pid <= 0 || process_start(s->pid) != s->start) return "stopped";
    char fifo[PATH_MAX + 16];
    snprintf(fifo, sizeof fifo, "%s/start", container_dir);
    return access(fifo, F_OK) == 0 ? "created" : "running";
}

/* ---- create ---- */
/* What the runtime gives QEMU whatever the image says: the microvm machine with no default devices, no
 * configuration files, no monitor; seccomp (no obsolete calls, no spawning, no resource control); a
 * chroot into the container's state folder and nobody's user once the machine is built. */
static const char *const forced[] = {
    "-M", "microvm,auto-kernel-cmdline=off", "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
    "-monitor", "none", "-sandbox", "on,obsolete=deny,spawn=deny,resourcecontrol=deny", "-runas", NOBODY,
};
/* The image's own copies of those are accepted and dropped. */
static const char *const image_flags[] = { "-nodefaults", "-no-user-config", "-no-reboot" };
static const char *const image_pairs[][2] = {
    { "-M", "microvm,auto-kernel-cmdline=off" }, { "-display", "none" }, { "-monitor", "none" },
};
/* What else the image may ask for. */
static const char *const allowed_pairs[][2] = {
    { "-serial", "stdio" }, { "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04" }, { "-device", "virtio-net-device,netdev=net0" },
    { "-device", "isa-serial,chardev=control,iobase=0x2f8,irq=3" }, { "-accel", "kvm" }, { "-accel", "tcg" },
    { "-cpu", "host,-arch-capabilities" }, { "-cpu", "max" }, { "-global", "virtio-mmio.force-legacy=false" },
};
static int kernel_fd = -1;   /* the image's kernel, opened inside the root file system */

static void push(char **out, int *n, const char *value) {
    if (*n >= MAX_ARGS - 2) fail("the image's QEMU command line is too long (at most %d arguments)", MAX_ARGS - 2);
    out[(*n)++] = (char *)value;
}

/* The image's kernel: a regular file, its path resolved as if the root file system were "/" (symbolic
 * links and ".." cannot leave it: openat2's RESOLVE_IN_ROOT), opened now and copied into the state
 * folder at create, so what QEMU loads is what was checked. */
static void open_kernel(const char *rootfs, const char *path) {
    if (path[0] != '/') fail("the image's kernel path %s is not absolute", path);
    int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) fail("cannot open the root file system %s: %s", rootfs, strerror(errno));
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
    long fd = syscall(SYS_openat2, root, path + 1, &how, sizeof how);
    close(root);
    if (fd < 0 && errno == ENOSYS) fail("this Linux has no openat2 (5.6 or later is needed to open the image's kernel safely)");
    if (fd < 0) fail("cannot open the image's kernel %s in its root file system: %s", path, strerror(errno));
    struct stat st;
    if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)) fail("the image's kernel %s is not a regular file", path);
    if (st.st_size > MAX_KERNEL_BYTES) fail("the image's kernel %s is over %d MB", path, MAX_KERNEL_BYTES >> 20);
    kernel_fd = (int)fd;
}

static void copy_kernel(char *destination, size_t size) {
    snprintf(destination, size, "%s/kernel", container_dir);
    int out = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) fail("cannot write %s: %s", destination, strerror(errno));
    static char buffer[65536];
    ssize_t n;
    size_t total = 0;
    while ((n = read(kernel_fd, buffer, sizeof buffer)) > 0) {
        total += (size_t)n;
        if (total > MAX_KERNEL_BYTES || write(out, buffer, (size_t)n) != n) fail("cannot copy the image's kernel to %s", destination);
    }
    if (n < 0 || close(out) < 0) fail("cannot copy the image's kernel: %s", strerror(errno));
    close(kernel_fd);
}

/* The image's QEMU command line, checked and made the runtime's own: QEMU is the host's, the kernel the
 * copy in the state folder, COM2 a socket there, and the forced arguments above. Anything the runtime
 * does not know is refused: the image is not trusted with the host's QEMU. */
static char *qemu_out[MAX_ARGS + 1];
static int qemu_out_count, kernel_at = -1;

static void make_qemu_command_line(const char *rootfs, char **application, int application_count) {
    char **out = qemu_out;
    int n = 0, append_at = -1;
    if (qemu_argc < 1) fail("the image's SWIFTLET_CONFIG has no QEMU command line: not an image of swiftlet package --oci");
    if (config_overflow) fail("the image's QEMU command line is too long (at most %d arguments)", MAX_ARGS - 2);
    push(out, &n, qemu_path);
    for (size_t k = 0; k < sizeof forced / sizeof forced[0]; k++) push(out, &n, forced[k]);
    static char expected_netdev[128];
    snprintf(expected_netdev, sizeof expected_netdev, "tap,id=net0,ifname=%s,script=no,downscript=no", tap_name);
    for (int i = 1; i < qemu_argc; i++) {
        const char *a = qemu_args[i], *v = i + 1 < qemu_argc ? qemu_args[i + 1] : NULL;
        int known = 0;
        for (size_t k = 0; k < sizeof image_flags / sizeof image_flags[0]; k++) known |= !strcmp(a, image_flags[k]);
        if (known) continue;
        if (!v) fail("the image's QEMU argument %s has no value", a);
        i++;
        for (size_t k = 0; k < sizeof image_pairs / sizeof image_pairs[0]; k++) known |= !strcmp(a, image_pairs[k][0]) && !strcmp(v, image_pairs[k][1]);
        if (known) continue;
        for (size_t k = 0; k < sizeof allowed_pairs / sizeof allowed_pairs[0]; k++) known |= !strcmp(a, allowed_pairs[k][0]) && !strcmp(v, allowed_pairs[k][1]);
        char *end;
        long megabytes = strtol(v, &end, 10);
        if (!strcmp(a, "-m") && megabytes > 0 && megabytes <= 65536 && !strcmp(end, "M")) { known = 1; machine_megabytes = megabytes; }
        if (!strcmp(a, "-netdev") && tap_name[0] && !strcmp(v, expected_netdev)) known = 1;
        if (!strcmp(a, "-chardev") && !strncmp(v, "socket,id=control,path=", 23)) {
            v = "socket,id=control,path=com2,server=on,wait=off";
            known = 1;
        }
        if (!strcmp(a, "-append")) { append_at = n + 1; known = 1; }
        if (!strcmp(a, "-kernel")) {
            if (kernel_at >= 0) fail("the image's QEMU command line names two kernels");
            open_kernel(rootfs, v);
            kernel_at = n + 1;
            known = 1;
        }
        if (!known) fail("the image's QEMU argument %s %s is not one the swiftlet runtime allows", a, v);
        push(out, &n, a);
        push(out, &n, v);
    }
    if (kernel_at < 0) fail("the image's QEMU command line names no kernel");
    /* The application's arguments (docker run IMAGE ARGS) go to the kernel's command line, after "--". */
    if (application_count > 0) {
        static char cmdline[MAX_CMDLINE + 1];
        const char *given = append_at >= 0 ? out[append_at] : "";
        int has_separator = !strcmp(given, "--") || !strncmp(given, "-- ", 3) || strstr(given, " -- ") || (strlen(given) >= 3 && !strcmp(given + strlen(given) - 3, " --"));
        int used = snprintf(cmdline, sizeof cmdline, "%s%s%s", given, given[0] ? " " : "", has_separator ? "" : "--");
        for (int i = 0; i < application_count && used < (int)sizeof cmdline; i++) {
            const char *word = application[i];
            int plain = word[0] != 0;
            for (const char *c = word; *c; c++) plain &= (unsigned char)*c > ' ' && *c != '"' && *c != 0x7f;
            if (!plain) fail("the application's argument '%s' is empty or has a space, a control character or a quote: the kernel's command line splits at spaces", word);
            used += snprintf(cmdline + used, sizeof cmdline - (size_t)used, " %s", word);
        }
        if (used >= (int)sizeof cmdline) fail("the kernel's command line would be over %d bytes", MAX_CMDLINE);
        if (append_at >= 0) out[append_at] = cmdline;
        else { push(out, &n, "-append"); push(out, &n, cmdline); }
    }
    qemu_out_count = n;
    snprintf(com2_path, sizeof com2_path, "com2");
    has_tcg = 1;
    has_debug_exit = 1;
    kvm_fix = "the host's /dev/kvm";
    tun_fix = admin_fix = "the runtime needs root on the host";
    if (!tap_name[0]) return;
    for (const char *c = tap_name; *c; c++)
        if (!isalnum((unsigned char)*c)) fail("the image's tap name %s is not letters and digits", tap_name);
    struct in_addr address;
    if (inet_pton(AF_INET, host_address, &address) != 1 || inet_pton(AF_INET, guest_address, &address) != 1 || prefix_length < 1 || prefix_length > 30)
        fail("the image's addresses (host %s/%d, guest %s) are not IPv4 addresses", host_address, prefix_length, guest_address);
    for (int i = 0; i < port_count; i++) if (ports[i] < 1 || ports[i] > 65535) fail("the image's port %d is not 1-65535", ports[i]);
}

/* Once the state folder is there: the kernel copied into it, QEMU chrooted into it. */
static void finish_qemu_command_line(void) {
    static char kernel[PATH_MAX + 16];
    copy_kernel(kernel, sizeof kernel);
    qemu_out[kernel_at] = kernel;
    int n = qemu_out_count;
    push(qemu_out, &n, "-chroot");
    push(qemu_out, &n, container_dir);
    for (int i = 0; i < n; i++) qemu_args[i] = qemu_out[i];
    qemu_argc = n;
    qemu_args[n] = NULL;
}

static void bring_loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) { ifr.ifr_flags |= IFF_UP; ioctl(s, SIOCSIFFLAGS, &ifr); }
    if (s >= 0) close(s);
}

/* The container's process: its own session, the container's network namespace, then it waits for
 * `start` (a byte through the FIFO "start") and boots the kernel. Set-up errors go back to `create`
 * through `sync` as text; a NUL byte says it is ready. */
static void container_process(int sync, const char *netns, int console) {
    char message[512];
    setsid();
    if (console >= 0) {
        dup2(console, 0); dup2(console, 1); dup2(console, 2);
        if (console > 2) close(console);
        ioctl(0, TIOCSCTTY, 0);
    }
    if (netns) {
        int fd = open(netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
            snprintf(message, sizeof message, "cannot join the network namespace %s: %s", netns, strerror(errno));
            write(sync, message, strlen(message));
            _exit(1);
        }
        close(fd);
    } else if (unshare(CLONE_NEWNET) < 0) {
        snprintf(message, sizeof message, "cannot make a network namespace: %s", strerror(errno));
        write(sync, message, strlen(message));
        _exit(1);
    }
    bring_loopback_up();
    if (chdir(container_dir) < 0) {
        snprintf(message, sizeof message, "cannot enter %s: %s", container_dir, strerror(errno));
        write(sync, message, strlen(message));
        _exit(1);
    }
    /* Open before saying ready (read and write, so the open does not wait): `start` finds a reader. */
    int fifo = open("start", O_RDWR | O_CLOEXEC);
    if (fifo < 0) {
        snprintf(message, sizeof message, "cannot open the start FIFO: %s", strerror(errno));
        write(sync, message, strlen(message));
        _exit(1);
    }
    write(sync, "", 1);
    close(sync);
    char byte;
    if (read(fifo, &byte, 1) != 1) _exit(1);
    close(fifo);
    unlink("start");   /* `start` does too; whichever is first, the state then says running */
    qemu_pid_file = "qemu.pid";
    exit(run_kernel());
}

/* A terminal (docker run -t): a pseudo-terminal whose other side goes to containerd through the console
 * socket (SCM_RIGHTS, with the terminal's name, as runc sends it). */
static int make_console(const char *socket_path) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) fail("cannot make a terminal: %s", strerror(errno));
    char *name = ptsname(master);
    int slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (slave < 0) fail("cannot open the terminal: %s", strerror(errno));
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un to = { .sun_family = AF_UNIX };
    if (strlen(socket_path) >= sizeof to.sun_path) fail("the console socket's path is too long");
    strcpy(to.sun_path, socket_path);
    if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to) < 0) fail("cannot reach the console socket %s: %s", socket_path, strerror(errno));
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov = { .iov_base = name, .iov_len = strlen(name) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof(int));
    if (sendmsg(s, &msg, 0) < 0) fail("cannot send the terminal to the console socket: %s", strerror(errno));
    close(s);
    close(master);
    return slave;
}

/* One hook (prestart, createRuntime): the state on its standard input, as the spec says; Docker's
 * libnetwork-setkey is one, and gives the container's namespace its interface. */
static void run_hook(struct json *hook, const char *state_json) {
    const char *path = jtext(jget(hook, "path"));
    if (!path) fail("a hook has no path");
    char **args = jstrings(jget(hook, "args"), NULL), **env = jstrings(jget(hook, "env"), NULL);
    static char *default_args[2];
    if (!args) { default_args[0] = (char *)path; args = default_args; }
    static char *no_env[1];
    long timeout = jnumber(jget(hook, "timeout"), 120);
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        execve(path, args, env ? env : no_env);
        fprintf(stderr, "swiftlet-runtime: cannot run the hook %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    signal(SIGPIPE, SIG_IGN);
    write(in[1], state_json, strlen(state_json));
    close(in[1]);
    int status = 0;
    for (long waited = 0;; waited += 10) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (waited >= timeout * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail("the hook %s did not end within %ld s", path, timeout);
        }
        struct timespec ten = { 0, 10 * 1000 * 1000 };
        nanosleep(&ten, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail("the hook %s failed (status %d)", path, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
}

/* ---- cgroups: the container's, as Docker names them (linux.cgroupsPath, "/docker/ID" with its default
 * cgroupfs driver), joined by the container's process before the hooks run, so QEMU is in them too:
 * docker stats counts it, and Docker's memory, pids and CPU limits apply to it. cgroup v1, in the
 * hierarchies that limit or count (memory, pids, cpu, cpuacct, blkio; not devices, whose rules would
 * hide /dev/kvm from QEMU, nor cpuset, which a new group must first be given CPUs in). ---- */
static const char *const cgroup_controllers[] = { "memory", "pids", "cpu", "cpuacct", "blkio" };

static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void make_directories(char *path, mode_t mode) {
    for (char *p = path + 1; *p; p++) if (*p == '/') { *p = 0; mkdir(path, mode); *p = '/'; }
    mkdir(path, mode);
}

static void set_limit(const char *group, const char *file, long long value, const char *what) {
    if (value <= 0) return;
    char path[PATH_MAX + 64], text[32];
    snprintf(path, sizeof path, "%s/%s", group, file);
    snprintf(text, sizeof text, "%lld", value);
    if (write_text(path, text) < 0) fail("cannot set the container's %s (%s): %s", what, path, strerror(errno));
}

/* Returns the groups joined, written into `s`. */
static void join_cgroups(struct json *linux_, pid_t pid, struct state *s) {
    const char *path = jtext(jget(linux_, "cgroupsPath"));
    if (!path || path[0] != '/' || strstr(path, "..")) {
        if (path) fprintf(stderr, "swiftlet-runtime: cgroups: %s is not a cgroupfs path (the systemd driver's?): QEMU stays out of the container's cgroups\n", path);
        return;
    }
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
        fprintf(stderr, "swiftlet-runtime: cgroups: this host has cgroup v2, which the runtime does not join yet: QEMU stays out of the container's cgroups\n");
        return;
    }
    struct json *resources = jget(linux_, "resources"), *memory = jget(resources, "memory"), *cpu = jget(resources, "cpu");
    long long memory_limit = jnumber(jget(memory, "limit"), 0);
    /* QEMU holds the machine's memory and its own (about 64 MB more here): less would see it killed. */
    if (memory_limit > 0 && memory_limit < (machine_megabytes + 64) << 20)
        fail("docker run --memory %lld MB is less than the machine's %ld MB and QEMU's own 64: give at least %ldm", memory_limit >> 20, machine_megabytes, machine_megabytes + 64);
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "%d", pid);
    for (size_t i = 0; i < sizeof cgroup_controllers / sizeof cgroup_controllers[0] && s->cgroup_count < MAX_CGROUPS; i++) {
        char mount[PATH_MAX], group[PATH_MAX];
        snprintf(mount, sizeof mount, "/sys/fs/cgroup/%s", cgroup_controllers[i]);
        struct stat st;
        if (stat(mount, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
        if (snprintf(group, sizeof group, "%s%s", mount, path) >= (int)sizeof group) fail("the cgroup path %s is too long", path);
        int seen = 0;   /* cpu and cpuacct may be one hierarchy under two names */
        char real[PATH_MAX];
        if (realpath(mount, real)) for (int k = 0; k < s->cgroup_count; k++) seen |= !strncmp(s->cgroups[k], real, strlen(real)) && s->cgroups[k][strlen(real)] == '/';
        if (seen) continue;
        make_directories(group, 0755);
        char procs[PATH_MAX + 16];
        snprintf(procs, sizeof procs, "%s/cgroup.procs", group);
        if (write_text(procs, pid_text) < 0) fail("cannot join the container's cgroup %s: %s", group, strerror(errno));
        snprintf(s->cgroups[s->cgroup_count++], PATH_MAX, "%s", realpath(group, real) ? real : group);
        if (!strcmp(cgroup_controllers[i], "memory")) set_limit(group, "memory.limit_in_bytes", memory_limit, "memory limit");
        if (!strcmp(cgroup_controllers[i], "pids")) set_limit(group, "pids.max", jnumber(jget(jget(resources, "pids"), "limit"), 0), "pids limit");
        if (!strcmp(cgroup_controllers[i], "cpu")) {
            set_limit(group, "cpu.shares", jnumber(jget(cpu, "shares"), 0), "CPU shares");
            set_limit(group, "cpu.cfs_period_us", jnumber(jget(cpu, "period"), 0), "CPU period");
            set_limit(group, "cpu.cfs_quota_us", jnumber(jget(cpu, "quota"), 0), "CPU quota");
        }
    }
}

/* After the container's process has ended: its groups are empty and can go. */
static void remove_cgroups(struct state *s) {
    for (int i = 0; i < s->cgroup_count; i++) {
        if (strncmp(s->cgroups[i], "/sys/fs/cgroup/", 15)) continue;
        /* QEMU, killed with its parent, may still be leaving: a second at most. */
        for (int tries = 0; tries < 100 && rmdir(s->cgroups[i]) < 0 && errno == EBUSY; tries++) {
            struct timespec ten = { 0, 10 * 1000 * 1000 };
            nanosleep(&ten, NULL);
        }
    }
}

static void write_atomically(const char *path, const char *text) {
    char temporary[PATH_MAX + 16];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *f = fopen(temporary, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(temporary, path) < 0) fail("cannot write %s: %s", path, strerror(errno));
}

static int create(const char *id, const char *bundle, const char *pid_file, const char *console_socket) {
    check_id(id);
    char bundle_path[PATH_MAX], config_path[PATH_MAX + 16], rootfs[PATH_MAX];
    if (!realpath(bundle, bundle_path)) fail("the bundle %s: %s", bundle, strerror(errno));
    snprintf(config_path, sizeof config_path, "%s/config.json", bundle_path);
    size_t length;
    char *text = read_file(config_path, MAX_CONFIG_BYTES, &length);
    if (!text) fail("cannot read %s: %s", config_path, strerror(errno));
    struct json *config = json_parse(text, length);
    if (!config || config->type != J_OBJECT) fail("%s is not a JSON object", config_path);
    struct json *process = jget(config, "process"), *linux_ = jget(config, "linux"), *hooks = jget(config, "hooks");
    const char *root = jtext(jget(jget(config, "root"), "path"));
    if (!root) fail("%s has no root.path", config_path);
    char joined[PATH_MAX * 2];
    snprintf(joined, sizeof joined, "%s%s%s", root[0] == '/' ? "" : bundle_path, root[0] == '/' ? "" : "/", root);
    if (!realpath(joined, rootfs)) fail("the root file system %s: %s", joined, strerror(errno));
    int argc_ = 0;
    char **args = jstrings(jget(process, "args"), &argc_);
    if (!args || argc_ < 1) fail("%s has no process.args", config_path);
    char **env = jstrings(jget(process, "env"), NULL);
    const char *image_config = NULL;
    for (int i = 0; env && env[i]; i++) if (!strncmp(env[i], "SWIFTLET_CONFIG=", 16)) image_config = env[i] + 16;
    if (!image_config) image_config = jtext(jget(jget(config, "annotations"), "org.swiftlet.config"));
    if (!image_config) fail("this image is not a kernel of swiftlet package --oci (no SWIFTLET_CONFIG in its environment): the swiftlet runtime runs only those");
    char *lines = strdup(image_config), *saved = NULL;
    for (char *line = strtok_r(lines, "\n", &saved); line; line = strtok_r(NULL, "\n", &saved)) config_line(line);
    make_qemu_command_line(rootfs, args + 1, argc_ - 1);
    /* The network namespace: the one named, or a new one (Docker's hook then gives it eth0). */
    int has_network = 0;
    const char *netns = NULL;
    for (struct json *ns = jget(linux_, "namespaces") ? jget(linux_, "namespaces")->child : NULL; ns; ns = ns->next) {
        const char *type = jtext(jget(ns, "type"));
        if (type && !strcmp(type, "network")) { has_network = 1; netns = jtext(jget(ns, "path")); }
    }
    /* Docker names the host's own namespace for --network host: the tap would be made, and left, there. */
    struct stat own, given;
    if (!has_network || (netns && stat(netns, &given) == 0 && stat("/proc/self/ns/net", &own) == 0 && own.st_ino == given.st_ino && own.st_dev == given.st_dev))
        fail("the swiftlet runtime needs the container's own network namespace (not --network host): the kernel's tap is made there");
    int terminal = jget(process, "terminal") && jget(process, "terminal")->boolean;
    if (terminal && !console_socket) fail("process.terminal is set but no --console-socket was given");

    char root_path[PATH_MAX];
    snprintf(root_path, sizeof root_path, "%s", state_root);
    make_directories(root_path, 0700);   /* as runc: the whole path (a new daemon has none of it) */
    if (mkdir(container_dir, 0700) < 0) {
        if (errno == EEXIST) fail("container %s already exists", id);
        fail("cannot make %s: %s", container_dir, strerror(errno));
    }
    remove_dir_on_failure = 1;
    finish_qemu_command_line();
    char fifo[PATH_MAX + 16];
    snprintf(fifo, sizeof fifo, "%s/start", container_dir);
    if (mkfifo(fifo, 0600) < 0) fail("mkfifo %s: %s", fifo, strerror(errno));
    int console = terminal ? make_console(console_socket) : -1;
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    pid_t child = fork();
    if (child < 0) fail("fork: %s", strerror(errno));
    if (child == 0) { close(sync[0]); container_process(sync[1], netns, console); }
    container_child = child;
    close(sync[1]);
    if (console >= 0) close(console);
    char reply[512];
    ssize_t got = 0, m;
    while (got < (ssize_t)sizeof reply - 1 && (m = read(sync[0], reply + got, sizeof reply - 1 - (size_t)got)) > 0) {
        got += m;
        if (reply[0] == 0) break;
    }
    close(sync[0]);
    if (got <= 0) fail("the container's process ended before it was set up");
    if (reply[0] != 0) { reply[got] = 0; fail("%s", reply); }
    struct state s = { .pid = child, .start = process_start(child) };
    if (s.start == 0) fail("the container's process ended before it was set up");
    rfc3339_now(s.created, sizeof s.created);
    created_state = &s;
    join_cgroups(linux_, child, &s);
    /* The state before the hooks: a delete while one runs finds the process. */
    char state_path[PATH_MAX + 16];
    static char state_text[(MAX_CGROUPS + 2) * (PATH_MAX + 16)];
    int used = snprintf(state_text, sizeof state_text, "pid %d\nstart %llu\nbundle %s\ncreated %s\n", s.pid, s.start, bundle_path, s.created);
    for (int i = 0; i < s.cgroup_count; i++) used += snprintf(state_text + used, sizeof state_text - (size_t)used, "cgroup %s\n", s.cgroups[i]);
    snprintf(state_path, sizeof state_path, "%s/state", container_dir);
    write_atomically(state_path, state_text);
    char *state_json = NULL;
    size_t state_length;
    FILE *j = open_memstream(&state_json, &state_length);
    fprintf(j, "{\"ociVersion\":\"%s\",\"id\":", OCI_VERSION);
    json_string(j, id);
    fprintf(j, ",\"status\":\"created\",\"pid\":%d,\"bundle\":", child);
    json_string(j, bundle_path);
    fprintf(j, ",\"annotations\":{}}");
    fclose(j);
    static const char *const hook_kinds[] = { "prestart", "createRuntime" };
    for (int k = 0; k < 2; k++) {
        struct json *list = jget(hooks, hook_kinds[k]);
        for (struct json *hook = list && list->type == J_ARRAY ? list->child : NULL; hook; hook = hook->next)
            run_hook(hook, state_json);
    }
    if (pid_file) {
        char pid_text[32];
        snprintf(pid_text, sizeof pid_text, "%d", child);
        write_atomically(pid_file, pid_text);
    }
    container_child = 0;   /* from here on the container is the shim's */
    return 0;
}

static int start(const char *id) {
    struct state s;
    load_state(id, &s, 1);
    char fifo[PATH_MAX + 16];
    snprintf(fifo, sizeof fifo, "%s/start", container_dir);
    int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) fail("container %s is not in the created state: it has been started", id);
    if (fd < 0) fail("container %s is not waiting to start: its process has ended", id);
    if (write(fd, "s", 1) != 1) fail("cannot start container %s: %s", id, strerror(errno));
    close(fd);
    unlink(fifo);
    return 0;
}

static int state(const char *id) {
    struct state s;
    load_state(id, &s, 1);
    const char *status = status_of(&s);
    printf("{\"ociVersion\":\"%s\",\"id\":", OCI_VERSION);
    json_string(stdout, id);
    printf(",\"pid\":%d,\"status\":\"%s\",\"bundle\":", strcmp(status, "stopped") ? s.pid : 0, status);
    json_string(stdout, s.bundle);
    printf(",\"created\":\"%s\",\"owner\":\"\",\"annotations\":{}}\n", s.created);
    return 0;
}

static int signal_number(const char *name) {
    static const struct { const char *name; int number; } signals[] = {
        { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
        { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "WINCH", SIGWINCH },
    };
    char *end;
    long n = strtol(name, &end, 10);
    if (!*end && n > 0 && n < 65) return (int)n;
    if (!strncmp(name, "SIG", 3)) name += 3;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) if (!strcmp(name, signals[i].name)) return signals[i].number;
    fail("unknown signal %s", name);
    return 0;
}

/* QEMU, found by the PID the container's process wrote and checked by its command line (which names
 * this container's folder after -chroot): it loses PR_SET_PDEATHSIG when -runas changes its user, so
 * SIGKILL and delete end it here. Returns whether it was signalled. */
static int kill_qemu(int sig) {
    char path[PATH_MAX + 16], line[32];
    snprintf(path, sizeof path, "%s/qemu.pid", container_dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int pid = fgets(line, sizeof line, f) ? atoi(line) : 0;
    fclose(f);
    if (pid <= 0) return 0;
    char cmdline_path[64];
    snprintf(cmdline_path, sizeof cmdline_path, "/proc/%d/cmdline", pid);
    size_t length;
    char *cmdline = read_file(cmdline_path, 1 << 20, &length);
    if (!cmdline) return 0;
    int ours = 0;
    for (size_t at = 0; at < length; at += strlen(cmdline + at) + 1)
        if (!strcmp(cmdline + at, "-chroot") && at + 8 < length && !strcmp(cmdline + at + 8, container_dir)) ours = 1;
    free(cmdline);
    return ours && kill(pid, sig) == 0;
}

static int kill_container(const char *id, const char *signal_name, int all) {
    struct state s;
    load_state(id, &s, 1);
    int sig = signal_number(signal_name ? signal_name : "TERM");
    if (!strcmp(status_of(&s), "stopped")) fail("container not running");
    /* --all: the container's process group (its relays too); QEMU, in a group of its own, ends with it. */
    if (kill(all ? -s.pid : s.pid, sig) < 0) fail("kill %d: %s", s.pid, strerror(errno));
    if (sig == SIGKILL) kill_qemu(SIGKILL);
    return 0;
}

static int delete_container(const char *id, int force) {
    struct state s;
    if (!load_state(id, &s, 0)) {
        if (access(container_dir, F_OK) == 0) remove_container_dir();   /* a create that never finished */
        if (force) return 0;
        fail("container %s does not exist", id);
    }
    const char *status = status_of(&s);
    if (strcmp(status, "stopped")) {
        /* As runc: a created container (never started) is killed and deleted without --force. */
        if (!force && strcmp(status, "created")) fail("cannot delete container %s that is not stopped: %s", id, status);
        kill(s.pid, SIGKILL);
        for (int i = 0; i < 200 && process_start(s.pid) == s.start; i++) {
            struct timespec ten = { 0, 10 * 1000 * 1000 };
            nanosleep(&ten, NULL);
        }
    }
    for (int i = 0; i < 100 && kill_qemu(SIGKILL); i++) {   /* until it is gone: its cgroups can then go */
        struct timespec ten = { 0, 10 * 1000 * 1000 };
        nanosleep(&ten, NULL);
    }
    remove_cgroups(&s);
    remove_container_dir();
    return 0;
}

/* The container's processes: its own and its children (QEMU, the relays), as JSON for `docker top`. */
static int ps(const char *id) {
    struct state s;
    load_state(id, &s, 1);
    printf("[");
    if (strcmp(status_of(&s), "stopped")) {
        printf("%d", s.pid);
        DIR *proc = opendir("/proc");
        struct dirent *e;
        while (proc && (e = readdir(proc))) {
            int parent;
            if (isdigit((unsigned char)e->d_name[0]) && process_stat(e->d_name, &parent) && parent == s.pid) printf(",%s", e->d_name);
        }
        if (proc) closedir(proc);
    }
    printf("]\n");
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "swiftlet-runtime: an OCI runtime for kernels packaged by swiftlet package --oci\n"
               "usage: swiftlet-runtime [--root DIR] [--log FILE] [--log-format json|text] [--qemu PATH] COMMAND\n"
               "  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID\n"
               "  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID | ps [--format json] ID\n"
               "register with Docker: dockerd --add-runtime swiftlet=PATH, or \"runtimes\" in /etc/docker/daemon.json\n");
}

/* "--name VALUE" or "--name=VALUE" (Go's flags take one or two dashes). */
static int option(char **argv, int argc, int *i, const char *name, const char **value) {
    const char *a = argv[*i];
    if (a[0] == '-' && a[1] == '-') a++;
    size_t n = strlen(name);
    if (strncmp(a, name, n)) return 0;
    if (a[n] == '=') { *value = a + n + 1; return 1; }
    if (a[n] != 0) return 0;
    if (*i + 1 >= argc) fail("%s needs a value", argv[*i]);
    *value = argv[++*i];
    return 1;
}

static int is_flag(const char *a, const char *name) {
    if (a[0] == '-' && a[1] == '-') a++;
    return !strcmp(a, name);
}

int main(int argc, char **argv) {
    setvbuf(stderr, NULL, _IONBF, 0);
    int i = 1;
    const char *format = NULL, *ignored;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (is_flag(argv[i], "-version") || is_flag(argv[i], "-v")) {
            printf("swiftlet-runtime version %s\nspec: %s\n", RUNTIME_VERSION, OCI_VERSION);
            return 0;
        }
        if (is_flag(argv[i], "-help") || is_flag(argv[i], "-h")) { usage(stdout); return 0; }
        if (option(argv, argc, &i, "-root", &state_root) || option(argv, argc, &i, "-log", &log_path)
            || option(argv, argc, &i, "-log-format", &format) || option(argv, argc, &i, "-qemu", &qemu_path)
            || option(argv, argc, &i, "-criu", &ignored) || option(argv, argc, &i, "-rootless", &ignored)) continue;
        if (is_flag(argv[i], "-debug") || is_flag(argv[i], "-systemd-cgroup")) continue;   /* no effect here */
        fail("unknown option %s", argv[i]);
    }
    log_json = format && !strcmp(format, "json");
    if (i >= argc) { usage(stderr); return 1; }
    const char *command = argv[i++];
    static const char *const commands[] = { "create", "start", "state", "kill", "delete", "ps" };
    int supported = 0;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) supported |= !strcmp(command, commands[k]);
    if (!supported)
        fail("%s is not supported by the swiftlet runtime: the container is a kernel in QEMU, with no processes to exec, pause or update", command);
    const char *bundle = ".", *pid_file = NULL, *console_socket = NULL, *positional[2] = { NULL, NULL };
    int force = 0, all = 0, positionals = 0;
    for (; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            int is_ps = !strcmp(command, "ps");   /* -f: ps --format, delete --force */
            if (option(argv, argc, &i, "-bundle", &bundle) || option(argv, argc, &i, "-b", &bundle)
                || option(argv, argc, &i, "-pid-file", &pid_file) || option(argv, argc, &i, "-console-socket", &console_socket)
                || option(argv, argc, &i, "-preserve-fds", &ignored) || option(argv, argc, &i, "-format", &ignored)
                || (is_ps && option(argv, argc, &i, "-f", &ignored))) continue;
            if (is_flag(argv[i], "-force") || (!is_ps && is_flag(argv[i], "-f"))) { force = 1; continue; }
            if (is_flag(argv[i], "-all") || is_flag(argv[i], "-a")) { all = 1; continue; }
            if (is_flag(argv[i], "-no-pivot") || is_flag(argv[i], "-no-new-keyring")) continue;
            fail("%s: unknown option %s", command, argv[i]);
        }
        if (positionals == 2) fail("%s: too many arguments", command);
        positional[positionals++] = argv[i];
    }
    if (!positional[0]) fail("%s: which container? (its ID)", command);
    if (!strcmp(command, "create")) return create(positional[0], bundle, pid_file, console_socket);
    if (!strcmp(command, "start")) return start(positional[0]);
    if (!strcmp(command, "state")) return state(positional[0]);
    if (!strcmp(command, "kill")) return kill_container(positional[0], positional[1], all);
    if (!strcmp(command, "delete")) return delete_container(positional[0], force);
    return ps(positional[0]);
}
"""#
}
