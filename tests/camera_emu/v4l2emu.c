/*
 * v4l2emu: an LD_PRELOAD library that makes /dev/videoN look like a Linux
 * uvcvideo webcam (vb2 MMAP streaming) to an unmodified program, in user
 * space. Used by headsup's tests; no kernel module, no /dev/video* needed.
 *
 * Build and use:
 *   cc -shared -fPIC -O2 -Wall -Wextra -o OUT/libv4l2emu.so \
 *       tests/camera_emu/v4l2emu.c -ldl -lpthread
 *   LD_PRELOAD=OUT/libv4l2emu.so V4L2EMU_CONFIG=/path/config program...
 * Without V4L2EMU_CONFIG the library forwards everything untouched. A bad
 * configuration is reported on stderr and then no camera is emulated.
 *
 * Configuration (V4L2EMU_CONFIG, read once, at the first access to a camera
 * path). One directive a line; '#' at a line start or after blank space
 * starts a comment; blank lines are ignored:
 *   log PATH          append-only event log (optional)
 *   control PATH      runtime control file (optional)
 *   device N          starts the block of /dev/videoN (0..63)
 *   name TEXT         card name (QUERYCAP) and /sys/class/video4linux/videoN/name
 *                     (default "Emu Cam N")
 *   format FCC WxH RATES FILE...
 *                     FCC four characters (MJPG, YUYV; others are passed on
 *                     as opaque compressed data), RATES comma-separated fps
 *                     (integers 1..1000, offered in that order), FILEs the
 *                     frames served in rotation (frame of sequence s = FILE
 *                     s % count). YUYV files must be exactly W*H*2 bytes,
 *                     other files 1..W*H*2 bytes. The first format line is
 *                     the default format, its first rate the default rate.
 *   tail stale|zero   stale: each new buffer ends with the bytes of the first
 *                     file of the format current at REQBUFS (an old frame
 *                     whose JPEG end marker sits in the buffer's last bytes);
 *                     zero (default): buffers start zero-filled.
 * ENUM_FMT lists fourccs in order of first appearance, ENUM_FRAMESIZES the
 * sizes of a fourcc in line order, ENUM_FRAMEINTERVALS the rates in order.
 *
 * Control file: the whole runtime state, rewritten at any time (atomically,
 * by rename). It is re-read when its (inode, size, mtime) changes, checked at
 * every call on an emulated fd and every open/stat/listing of a camera path.
 * Lines "KEY DEVICE VALUE"; a missing file or key means the default:
 *   present D 0|1   0 = unplugged (default 1): gone from /dev, open / stat /
 *                   sysfs name give ENOENT; fds opened before are dead for
 *                   good: every ioctl and mmap ENODEV, poll POLLERR|POLLHUP.
 *   busy D 0|1      another process streams: S_FMT, S_PARM, REQBUFS (count
 *                   > 0) and STREAMON give EBUSY; queries work.
 *   stall D 0|1     no frames are produced (poll sleeps to its timeout).
 *   corrupt D N     the next N frames are truncated to half their length.
 *   errflag D N     the next N frames carry V4L2_BUF_FLAG_ERROR, full length,
 *                   content 0x55 bytes.
 *   eio D N         the next N DQBUFs that would return a frame fail with EIO
 *                   instead (the frame is lost, the buffer stays queued).
 * Counters are set (not added) from each new version of the file that names
 * them; a version without the key leaves the pending count alone.
 *
 * Event log lines (one write() each, O_APPEND; MS = CLOCK_MONOTONIC ms):
 *   MS open videoN fd=F          MS open-failed videoN ENOENT
 *   MS close videoN fd=F         MS s_fmt videoN FCC WxH
 *   MS s_parm videoN FPS         MS reqbufs videoN COUNT
 *   MS streamon videoN FCC WxH FPS
 *   MS streamoff videoN          MS frame videoN seq=S bytes=B flags=0xHEX
 *   MS eio videoN                MS busy videoN S_FMT|S_PARM|REQBUFS|STREAMON
 *   MS unplugged videoN          MS replugged videoN
 *   MS config-error MESSAGE
 *
 * Emulated (uvcvideo/vb2 semantics): QUERYCAP, ENUM_FMT, ENUM_FRAMESIZES and
 * ENUM_FRAMEINTERVALS (discrete), G/TRY/S_FMT (unknown fourcc -> first
 * format, nearest size by uvcvideo's rule, EBUSY with buffers), G/S_PARM
 * (nearest offered rate, EBUSY while streaming), one control (Brightness
 * 0..255 via QUERYCTRL, QUERY_EXT_CTRL, G/S_CTRL, G/S/TRY_EXT_CTRLS),
 * ENUMINPUT/G_INPUT/S_INPUT, REQBUFS (MMAP, 2..8 buffers; freeing mapped
 * buffers orphans them until munmap), QUERYBUF, QBUF (EINVAL for a queued or
 * done buffer), DQBUF (blocking or O_NONBLOCK), STREAMON/OFF, mmap/munmap,
 * poll, ppoll, select, and uvcvideo's per-fd ownership: the first fd to
 * S_FMT/S_PARM/REQBUFS owns the device until it closes or frees its buffers;
 * other fds then get EBUSY ("busy" log line) as from another process.
 * Format, rate and brightness are device state (kept across opens, reset by a
 * replug). Frames are due at the stream rate from STREAMON on (the first one
 * interval after it); a due frame with no queued buffer is dropped (the
 * sequence still counts it; a stall does not). Each buffer holds the frame
 * at its start, bytesused long; the rest of the buffer is left as it was.
 *
 * Interposed: open, open64, openat, openat64, __open_2, __open64_2, fopen,
 * fopen64, close, stat, stat64, lstat, lstat64, __xstat, __xstat64,
 * __lxstat, __lxstat64, fstatat, fstatat64, statx, access, getxattr,
 * lgetxattr, opendir, readdir, readdir64, rewinddir, closedir, syscall
 * (SYS_ioctl on an emulated fd only; everything else goes straight to
 * libc's), ioctl, mmap, mmap64, munmap, poll, __poll_chk, ppoll, __ppoll_chk,
 * select. An emulated fd is a real eventfd (so close, fcntl and O_NONBLOCK
 * work); sysfs files are memfds.
 * Fake paths: /dev/videoN, /sys/class/video4linux/videoN/name and
 * /sys/dev/char/81:N/uevent (which v4l2-ctl reads to tell a video node).
 * Not emulated: other ioctls (ENOTTY), read()/write() streaming,
 * USERPTR/DMABUF, events, epoll, dup()'ed fds or fds inherited over fork, fstat
 * of an open fd (it shows the eventfd), the /sys/class/video4linux directory
 * listing, relative or symlinked paths (/dev/v4l/by-id), a metadata node.
 *
 * Validated (see selftest.sh, which runs all of it) with selftest.c, a C
 * client using syscall(SYS_ioctl, ...), and v4l-utils 1.22.1 under the
 * preload: v4l2-ctl -d /dev/video0 --all, --list-formats-ext,
 * --stream-mmap --stream-count=10 --stream-to=FILE (also with --stream-poll,
 * and with --set-fmt-video=...,pixelformat=YUYV --set-parm=30), plus a
 * threaded Python program and a Rust std program (read_dir, read_to_string,
 * metadata, futex-based threads) to check that forwarding stays transparent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/version.h>
#include <linux/videodev2.h>

#define MAXDEV 64    /* /dev/video0 .. /dev/video63 */
#define MAXFMT 32    /* format lines per device */
#define MAXRATE 16   /* rates per format line */
#define MAXBUF 8     /* REQBUFS grants 2..MAXBUF */
#define FDMAX 8192   /* emulated fds must be below this */
#define SLICE_NS 50000000LL /* longest sleep before re-checking state */

_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64), "dirent layout");

/* ---- the real functions, from the next library (libc) ---- */
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real___open_2)(const char *, int);
static int (*real___open64_2)(const char *, int);
static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);
static int (*real_close)(int);
static int (*real_stat)(const char *, struct stat *);
static int (*real_stat64)(const char *, struct stat64 *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real_lstat64)(const char *, struct stat64 *);
static int (*real___xstat)(int, const char *, struct stat *);
static int (*real___xstat64)(int, const char *, struct stat64 *);
static int (*real___lxstat)(int, const char *, struct stat *);
static int (*real___lxstat64)(int, const char *, struct stat64 *);
static int (*real_fstatat)(int, const char *, struct stat *, int);
static int (*real_fstatat64)(int, const char *, struct stat64 *, int);
static int (*real_statx)(int, const char *, int, unsigned int, struct statx *);
static int (*real_access)(const char *, int);
static ssize_t (*real_getxattr)(const char *, const char *, void *, size_t);
static ssize_t (*real_lgetxattr)(const char *, const char *, void *, size_t);
static DIR *(*real_opendir)(const char *);
static struct dirent *(*real_readdir)(DIR *);
static struct dirent64 *(*real_readdir64)(DIR *);
static int (*real_closedir)(DIR *);
static void (*real_rewinddir)(DIR *);
static long (*real_syscall)(long, ...);
static int (*real_ioctl)(int, unsigned long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static void *(*real_mmap64)(void *, size_t, int, int, int, off64_t);
static int (*real_munmap)(void *, size_t);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
static int (*real_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);

/* Prototypes of the intercepted symbols glibc 2.36 no longer declares. */
int __xstat(int, const char *, struct stat *);
int __xstat64(int, const char *, struct stat64 *);
int __lxstat(int, const char *, struct stat *);
int __lxstat64(int, const char *, struct stat64 *);
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __poll_chk(struct pollfd *, nfds_t, int, size_t);
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);

#define RESOLVE(n) do { if (!real_##n) real_##n = dlsym(RTLD_NEXT, #n); } while (0)

static void resolve(void);
static void fork_prepare(void);
static void fork_done(void);

/* Resolves the real functions; a fork waits for the lock so that the child
 * does not inherit it held. */
__attribute__((constructor)) static void start(void)
{
    resolve();
    pthread_atfork(fork_prepare, fork_done, fork_done);
}

static void resolve(void)
{
    RESOLVE(open); RESOLVE(open64); RESOLVE(openat); RESOLVE(openat64);
    RESOLVE(__open_2); RESOLVE(__open64_2); RESOLVE(fopen); RESOLVE(fopen64);
    RESOLVE(close); RESOLVE(stat); RESOLVE(stat64); RESOLVE(lstat); RESOLVE(lstat64);
    RESOLVE(__xstat); RESOLVE(__xstat64); RESOLVE(__lxstat); RESOLVE(__lxstat64);
    RESOLVE(fstatat); RESOLVE(fstatat64); RESOLVE(statx); RESOLVE(access);
    RESOLVE(getxattr); RESOLVE(lgetxattr); RESOLVE(opendir); RESOLVE(readdir);
    RESOLVE(readdir64); RESOLVE(closedir); RESOLVE(rewinddir); RESOLVE(syscall);
    RESOLVE(ioctl); RESOLVE(mmap); RESOLVE(mmap64); RESOLVE(munmap); RESOLVE(poll);
    RESOLVE(ppoll); RESOLVE(select);
}

/* ---- state ---- */
struct frame { uint8_t *data; size_t len; };

struct fmtcfg {                      /* one "format" line */
    uint32_t fourcc, w, h;
    int nrates;
    unsigned rates[MAXRATE];
    int nframes;
    struct frame *frames;
};

struct handle;

struct dev {
    int index;
    char name[32];
    struct fmtcfg fmts[MAXFMT];
    int nfmts, tail_stale;
    /* runtime, from the control file */
    int present, busy, stall;
    long corrupt, errflag, eio;
    /* runtime, device state shared by its fds (as in uvcvideo) */
    int cur;                         /* current format line */
    unsigned fps;                    /* current rate */
    int brightness;
    struct handle *owner;            /* fd holding uvcvideo's privileges */
};

enum { B_DEQUEUED, B_QUEUED, B_DONE };

struct buf {
    uint8_t *mem;
    size_t alen;                     /* page-aligned mapping length */
    int state, maps, err;
    uint32_t bytesused, sequence;
    struct timeval ts;
};

struct handle {                      /* one open fd of an emulated device */
    int fd, dead;
    unsigned long id;
    struct dev *dev;
    struct handle *next;
    int nbufs;
    uint32_t bufsize;                /* sizeimage at REQBUFS */
    struct buf b[MAXBUF];
    int q[MAXBUF], qn;               /* queued buffers, FIFO */
    int d[MAXBUF], dn;               /* done buffers, FIFO */
    int streaming;
    const struct fmtcfg *sf;         /* stream format and rate */
    unsigned sfps;
    int64_t t0;                      /* STREAMON time, ns */
    uint64_t next_k;                 /* next frame number (due t0 + k/fps) */
    uint32_t seq;
};

struct orphan { void *mem; size_t alen; int maps; };   /* freed, still mapped */
struct dirstate { DIR *dir; int next; struct dirent64 ent; };

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_enabled;
static struct dev *g_dev[MAXDEV];
static struct handle *g_fd[FDMAX];   /* fd -> handle; read lock-free */
static struct handle *g_handles;     /* every handle, also dead ones */
static int g_nopen;                  /* atomic: entries in g_fd */
static int g_nmem;                   /* atomic: buffers + orphans alive */
static int g_ndirs;                  /* atomic: /dev listings open */
static unsigned long g_next_id = 1;
static struct orphan *g_orphans;
static int g_norphans;
static struct dirstate g_dirs[16];
static int g_logfd = -1;
static char *g_ctl_path;
static struct { int seen, exists; ino_t ino; off_t size; struct timespec mtime; } g_ctl;
static char g_warned[16][32];
static int g_nwarned;

static void fork_prepare(void) { pthread_mutex_lock(&g_lock); }
static void fork_done(void) { pthread_mutex_unlock(&g_lock); }

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fcc_str(uint32_t f, char out[5])
{
    for (int i = 0; i < 4; i++) out[i] = (char)((f >> (8 * i)) & 0xff);
    out[4] = 0;
}

/* One event-log line, a single write() (errno is left alone). */
__attribute__((format(printf, 1, 2))) static void emu_log(const char *fmt, ...)
{
    if (g_logfd < 0) return;
    int saved = errno;
    char line[512];
    int n = snprintf(line, sizeof line, "%lld ", (long long)(now_ns() / 1000000));
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    if (write(g_logfd, line, (size_t)n) < 0) { /* nothing to do about it */ }
    errno = saved;
}

/* Reads a whole file (at most max bytes) with the real open; NULL on error. */
static uint8_t *read_file(const char *path, size_t *len, size_t max)
{
    int fd = real_open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *data = malloc(cap + 1);
    while (data) {
        if (n == cap) {
            if (cap >= max) { errno = EFBIG; free(data); data = NULL; break; }
            uint8_t *p = realloc(data, cap * 2 + 1);
            if (!p) { free(data); data = NULL; break; }
            data = p;
            cap *= 2;
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { free(data); data = NULL; break; }
        if (r == 0) { data[n] = 0; *len = n; break; }
        n += (size_t)r;
    }
    real_close(fd);
    return data;
}

/* ---- configuration ---- */
static int g_cfg_line;
static const char *g_cfg_path;

__attribute__((format(printf, 1, 2))) static int cfg_error(const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "v4l2emu: %s:%d: %s; no camera is emulated\n", g_cfg_path, g_cfg_line, msg);
    emu_log("config-error %s:%d: %s", g_cfg_path, g_cfg_line, msg);
    return -1;
}

static int parse_format(struct dev *d, char *rest)
{
    char *save = NULL, *tok[3];
    for (int i = 0; i < 3; i++)
        if (!(tok[i] = strtok_r(i ? NULL : rest, " \t", &save)))
            return cfg_error("format needs: FOURCC WxH RATES FILE...");
    if (strlen(tok[0]) != 4) return cfg_error("fourcc '%s' is not 4 characters", tok[0]);
    if (d->nfmts == MAXFMT) return cfg_error("more than %d formats", MAXFMT);
    struct fmtcfg *f = &d->fmts[d->nfmts];
    f->fourcc = v4l2_fourcc(tok[0][0], tok[0][1], tok[0][2], tok[0][3]);
    char x;
    if (sscanf(tok[1], "%u%c%u", &f->w, &x, &f->h) != 3 || x != 'x' || !f->w || !f->h
        || f->w > 8192 || f->h > 8192)
        return cfg_error("bad size '%s' (want WxH)", tok[1]);
    for (int i = 0; i < d->nfmts; i++)
        if (d->fmts[i].fourcc == f->fourcc && d->fmts[i].w == f->w && d->fmts[i].h == f->h)
            return cfg_error("format %s %s given twice", tok[0], tok[1]);
    for (char *s = tok[2], *e; *s; s = e + (*e == ',')) {
        long r = strtol(s, &e, 10);
        if (e == s || r < 1 || r > 1000 || (*e && *e != ',') || f->nrates == MAXRATE)
            return cfg_error("bad rate list '%s' (want fps,fps,... 1..1000)", tok[2]);
        f->rates[f->nrates++] = (unsigned)r;
    }
    size_t maxlen = (size_t)f->w * f->h * 2;
    for (char *file; (file = strtok_r(NULL, " \t", &save));) {
        struct frame fr;
        if (!(fr.data = read_file(file, &fr.len, maxlen + 1)))
            return cfg_error("cannot read frame file %s: %s", file, strerror(errno));
        if (f->fourcc == V4L2_PIX_FMT_YUYV && fr.len != maxlen)
            return cfg_error("%s is %zu bytes, a %ux%u YUYV frame is %zu", file, fr.len, f->w, f->h, maxlen);
        if (fr.len == 0 || fr.len > maxlen)
            return cfg_error("%s is %zu bytes, must be 1..%zu (sizeimage)", file, fr.len, maxlen);
        struct frame *p = realloc(f->frames, sizeof *p * (size_t)(f->nframes + 1));
        if (!p) return cfg_error("out of memory");
        f->frames = p;
        f->frames[f->nframes++] = fr;
    }
    if (!f->nframes) return cfg_error("format %s %s has no frame files", tok[0], tok[1]);
    d->nfmts++;
    return 0;
}

static void reset_device_state(struct dev *d)
{
    d->cur = 0;
    d->fps = d->fmts[0].rates[0];
    d->brightness = 128;
    d->owner = NULL;
}

static int load_config(const char *path)
{
    size_t len;
    char *text = (char *)read_file(path, &len, 1 << 20);
    g_cfg_path = path;
    g_cfg_line = 0;
    if (!text) return cfg_error("cannot read the configuration: %s", strerror(errno));
    struct dev *cur = NULL;
    for (char *line = text, *next; line; line = next) {
        if ((next = strchr(line, '\n'))) *next++ = 0;
        g_cfg_line++;
        for (char *p = line; *p; p++)
            if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) { *p = 0; break; }
        size_t n = strlen(line);
        while (n && strchr(" \t\r", line[n - 1])) line[--n] = 0;
        line += strspn(line, " \t");
        if (!*line) continue;
        char *rest = line + strcspn(line, " \t");
        if (*rest) *rest++ = 0;
        rest += strspn(rest, " \t");
        if (!strcmp(line, "log")) {
            if (g_logfd >= 0) real_close(g_logfd);
            g_logfd = real_open(rest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            if (g_logfd < 0) return cfg_error("cannot open log %s: %s", rest, strerror(errno));
            int high = fcntl(g_logfd, F_DUPFD_CLOEXEC, 900);   /* out of the program's way */
            if (high >= 0) real_close(g_logfd), g_logfd = high;
        } else if (!strcmp(line, "control")) {
            free(g_ctl_path);
            g_ctl_path = strdup(rest);
        } else if (!strcmp(line, "device")) {
            char *e;
            long i = strtol(rest, &e, 10);
            if (e == rest || *e || i < 0 || i >= MAXDEV) return cfg_error("bad device number '%s'", rest);
            if (g_dev[i]) return cfg_error("device %ld given twice", i);
            cur = g_dev[i] = calloc(1, sizeof *cur);
            cur->index = (int)i;
            cur->present = 1;
            snprintf(cur->name, sizeof cur->name, "Emu Cam %ld", i);
        } else if (!cur) {
            return cfg_error("'%s' before any 'device' line", line);
        } else if (!strcmp(line, "name")) {
            snprintf(cur->name, sizeof cur->name, "%s", rest);
        } else if (!strcmp(line, "tail")) {
            if (strcmp(rest, "stale") && strcmp(rest, "zero")) return cfg_error("tail is stale or zero");
            cur->tail_stale = !strcmp(rest, "stale");
        } else if (!strcmp(line, "format")) {
            if (parse_format(cur, rest)) return -1;
        } else {
            return cfg_error("unknown directive '%s'", line);
        }
    }
    free(text);
    int any = 0;
    for (int i = 0; i < MAXDEV; i++) {
        if (!g_dev[i]) continue;
        if (!g_dev[i]->nfmts) { g_cfg_line = 0; return cfg_error("device %d has no format line", i); }
        reset_device_state(g_dev[i]);
        any = 1;
    }
    return any ? 0 : cfg_error("no device configured");
}

static void init_once(void)
{
    resolve();
    const char *cfg = getenv("V4L2EMU_CONFIG");
    if (!cfg || !*cfg) return;
    int saved = errno;
    if (load_config(cfg) == 0) g_enabled = 1;
    else for (int i = 0; i < MAXDEV; i++) g_dev[i] = NULL;   /* leaked: disabled for good */
    errno = saved;
}

static int enabled(void)
{
    pthread_once(&g_once, init_once);
    return g_enabled;
}

/* ---- fake paths ---- */
enum { P_NONE, P_DEV, P_SYSNAME, P_UEVENT };

/* The kind of a camera path, and its device (only for configured ones):
 * /dev/videoN, /sys/class/video4linux/videoN/name, and the uevent file by
 * which v4l2-ctl tells what a device node is, /sys/dev/char/81:N/uevent. */
static int classify(const char *path, struct dev **out)
{
    if (!path) return P_NONE; /* the real call reports EFAULT */
    static const struct { const char *pre, *post; int kind; } paths[] = {
        { "/dev/video", "", P_DEV },
        { "/sys/class/video4linux/video", "/name", P_SYSNAME },
        { "/sys/dev/char/81:", "/uevent", P_UEVENT },
    };
    for (size_t i = 0; path && i < sizeof paths / sizeof paths[0]; i++) {
        size_t len = strlen(paths[i].pre);
        const char *p = path + len;
        if (strncmp(path, paths[i].pre, len) || *p < '0' || *p > '9') continue;
        if (p[0] == '0' && p[1] >= '0' && p[1] <= '9') return P_NONE;   /* video01 */
        int n = 0;
        while (*p >= '0' && *p <= '9' && n < MAXDEV) n = n * 10 + (*p++ - '0');
        if (strcmp(p, paths[i].post) || n >= MAXDEV || !enabled() || !g_dev[n]) return P_NONE;
        *out = g_dev[n];
        return paths[i].kind;
    }
    return P_NONE;
}

/* ---- control file (lock held) ---- */
static void pump(struct handle *h, int64_t now);

static void warn_once(const char *key)
{
    for (int i = 0; i < g_nwarned; i++) if (!strcmp(g_warned[i], key)) return;
    if (g_nwarned < 16) snprintf(g_warned[g_nwarned++], sizeof g_warned[0], "%s", key);
    fprintf(stderr, "v4l2emu: %s: ignoring unknown or malformed control '%s'\n", g_ctl_path, key);
}

/* Applies a version of the control file. The first one read only sets the
 * state: a device unplugged from the start logs no "unplugged". */
static void apply_control(const char *text, int first)
{
    int present[MAXDEV], busy[MAXDEV], stall[MAXDEV];
    long counters[3][MAXDEV];        /* corrupt, errflag, eio; -1 = not named */
    for (int i = 0; i < MAXDEV; i++) {
        present[i] = 1, busy[i] = 0, stall[i] = 0;
        counters[0][i] = counters[1][i] = counters[2][i] = -1;
    }
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        char key[32];
        int dev;
        long val;
        line += strspn(line, " \t");
        if (*line == '#' || *line == '\n' || *line == '\r' || !*line) continue;
        int n = sscanf(line, "%31s %d %ld", key, &dev, &val);
        if (n != 3 || dev < 0 || dev >= MAXDEV || val < 0) { warn_once(n >= 1 ? key : "?"); continue; }
        if (!strcmp(key, "present")) present[dev] = val != 0;
        else if (!strcmp(key, "busy")) busy[dev] = val != 0;
        else if (!strcmp(key, "stall")) stall[dev] = val != 0;
        else if (!strcmp(key, "corrupt")) counters[0][dev] = val;
        else if (!strcmp(key, "errflag")) counters[1][dev] = val;
        else if (!strcmp(key, "eio")) counters[2][dev] = val;
        else warn_once(key);
    }
    int64_t now = now_ns();
    for (int i = 0; i < MAXDEV; i++) {
        struct dev *d = g_dev[i];
        if (!d) continue;
        if (stall[i] != d->stall)    /* frames up to now follow the old state */
            for (struct handle *h = g_handles; h; h = h->next) if (h->dev == d) pump(h, now);
        if (d->present && !present[i]) {
            for (struct handle *h = g_handles; h; h = h->next) if (h->dev == d) h->dead = 1;
            d->owner = NULL;
            if (!first) emu_log("unplugged video%d", i);
        } else if (!d->present && present[i]) {
            reset_device_state(d);   /* a new device instance */
            emu_log("replugged video%d", i);
        }
        d->present = present[i], d->busy = busy[i], d->stall = stall[i];
        if (counters[0][i] >= 0) d->corrupt = counters[0][i];
        if (counters[1][i] >= 0) d->errflag = counters[1][i];
        if (counters[2][i] >= 0) d->eio = counters[2][i];
    }
}

/* Re-reads the control file if it changed (lock held; errno preserved). */
static void refresh_control(void)
{
    if (!g_ctl_path) return;
    int saved = errno;
    struct stat st;
    int exists = real_stat(g_ctl_path, &st) == 0;
    if (g_ctl.seen && exists == g_ctl.exists && (!exists || (st.st_ino == g_ctl.ino
        && st.st_size == g_ctl.size && st.st_mtim.tv_sec == g_ctl.mtime.tv_sec
        && st.st_mtim.tv_nsec == g_ctl.mtime.tv_nsec))) { errno = saved; return; }
    size_t len;
    char *text = exists ? (char *)read_file(g_ctl_path, &len, 1 << 16) : NULL;
    if (exists && !text) { errno = saved; return; }   /* mid-replace: try again later */
    int first = !g_ctl.seen;
    g_ctl.seen = 1, g_ctl.exists = exists;
    if (exists) g_ctl.ino = st.st_ino, g_ctl.size = st.st_size, g_ctl.mtime = st.st_mtim;
    apply_control(text ? text : "", first);
    free(text);
    errno = saved;
}

/* ---- formats ---- */
static uint32_t sizeimage(const struct fmtcfg *f) { return f->w * f->h * 2; }

static int has_fourcc(const struct dev *d, uint32_t fcc)
{
    for (int i = 0; i < d->nfmts; i++) if (d->fmts[i].fourcc == fcc) return 1;
    return 0;
}

/* uvcvideo's choice: the fourcc if offered (else the first format's), then
 * the size with the fewest pixels outside the overlap with the request. */
static int choose_format(const struct dev *d, uint32_t fcc, uint32_t rw, uint32_t rh)
{
    if (!has_fourcc(d, fcc)) fcc = d->fmts[0].fourcc;
    int best = -1;
    uint64_t bestd = UINT64_MAX;
    for (int i = 0; i < d->nfmts; i++) {
        const struct fmtcfg *f = &d->fmts[i];
        if (f->fourcc != fcc) continue;
        uint64_t overlap = (uint64_t)(f->w < rw ? f->w : rw) * (f->h < rh ? f->h : rh);
        uint64_t dist = (uint64_t)f->w * f->h + (uint64_t)rw * rh - 2 * overlap;
        if (dist < bestd) bestd = dist, best = i;
    }
    return best;
}

static void fill_pix(const struct fmtcfg *f, struct v4l2_pix_format *p)
{
    memset(p, 0, sizeof *p);
    p->width = f->w;
    p->height = f->h;
    p->pixelformat = f->fourcc;
    p->field = V4L2_FIELD_NONE;
    p->bytesperline = f->fourcc == V4L2_PIX_FMT_YUYV ? f->w * 2 : 0;
    p->sizeimage = sizeimage(f);
    p->colorspace = f->fourcc == V4L2_PIX_FMT_MJPEG ? V4L2_COLORSPACE_JPEG : V4L2_COLORSPACE_SRGB;
    p->priv = V4L2_PIX_FMT_PRIV_MAGIC;
}

static int rate_offered(const struct fmtcfg *f, unsigned fps)
{
    for (int i = 0; i < f->nrates; i++) if (f->rates[i] == fps) return 1;
    return 0;
}

/* The offered rate whose interval is nearest num/den seconds (0: fastest). */
static unsigned nearest_rate(const struct fmtcfg *f, uint32_t num, uint32_t den)
{
    double want = num && den ? (double)num / den : 0, bestd = 1e30;
    unsigned best = f->rates[0];
    for (int i = 0; i < f->nrates; i++) {
        double dist = 1.0 / f->rates[i] - want;
        if (dist < 0) dist = -dist;
        if (dist < bestd) bestd = dist, best = f->rates[i];
    }
    return best;
}

/* ---- buffers and frames (lock held) ---- */
static void free_bufs(struct handle *h)
{
    for (int i = 0; i < h->nbufs; i++) {
        struct buf *b = &h->b[i];
        if (b->maps > 0) {           /* vb2 orphans buffers still mapped */
            struct orphan *o = realloc(g_orphans, sizeof *o * (size_t)(g_norphans + 1));
            if (o) {
                g_orphans = o;
                g_orphans[g_norphans++] = (struct orphan){ b->mem, b->alen, b->maps };
                continue;
            }
        }
        real_munmap(b->mem, b->alen);
        __atomic_sub_fetch(&g_nmem, 1, __ATOMIC_RELEASE);
    }
    memset(h->b, 0, sizeof h->b);
    h->nbufs = h->qn = h->dn = 0;
}

static int64_t due_ns(const struct handle *h, uint64_t k)
{
    return h->t0 + (int64_t)((unsigned __int128)k * 1000000000u / h->sfps);
}

/* Copies frame k into the oldest queued buffer, which becomes done. */
static void fill(struct handle *h, uint64_t k)
{
    struct dev *d = h->dev;
    int i = h->q[0];
    memmove(h->q, h->q + 1, sizeof h->q[0] * (size_t)--h->qn);
    struct buf *b = &h->b[i];
    const struct frame *fr = &h->sf->frames[h->seq % (uint32_t)h->sf->nframes];
    size_t n = fr->len;
    if (d->corrupt > 0) d->corrupt--, n /= 2;
    b->err = d->errflag > 0;
    if (b->err) d->errflag--, memset(b->mem, 0x55, n);
    else memcpy(b->mem, fr->data, n);
    int64_t t = due_ns(h, k);
    b->ts.tv_sec = t / 1000000000LL;
    b->ts.tv_usec = (t % 1000000000LL) / 1000;
    b->bytesused = (uint32_t)n;
    b->sequence = h->seq++;
    b->state = B_DONE;
    h->d[h->dn++] = i;
}

/* Produces the frames due by now: into queued buffers, else dropped. */
static void pump(struct handle *h, int64_t now)
{
    if (!h->streaming || h->dead || now < h->t0) return;
    uint64_t due = (uint64_t)((unsigned __int128)(now - h->t0) * h->sfps / 1000000000u);
    if (h->dev->stall) { if (h->next_k <= due) h->next_k = due + 1; return; }
    for (; h->next_k <= due; h->next_k++) {
        if (!h->qn) {                /* dropped; the sequence counts them */
            h->seq += (uint32_t)(due - h->next_k + 1);
            h->next_k = due + 1;
            break;
        }
        fill(h, h->next_k);
    }
}

/* When to look again at a handle that has nothing ready. */
static int64_t next_wake(const struct handle *h, int64_t now)
{
    int64_t wake = now + SLICE_NS;
    if (h->streaming && !h->dead && !h->dev->stall && h->qn) {
        int64_t due = due_ns(h, h->next_k);
        if (due < wake) wake = due;
    }
    return wake;
}

static void buf_info(const struct handle *h, int i, struct v4l2_buffer *out)
{
    const struct buf *b = &h->b[i];
    memset(out, 0, sizeof *out);
    out->index = (uint32_t)i;
    out->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    out->memory = V4L2_MEMORY_MMAP;
    out->length = h->bufsize;
    out->m.offset = (uint32_t)(i * b->alen);
    out->flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | (b->maps ? V4L2_BUF_FLAG_MAPPED : 0);
    if (b->state == B_QUEUED) out->flags |= V4L2_BUF_FLAG_QUEUED;
    if (b->state == B_DONE) out->flags |= V4L2_BUF_FLAG_DONE | (b->err ? V4L2_BUF_FLAG_ERROR : 0);
    out->field = V4L2_FIELD_NONE;
    out->bytesused = b->bytesused;
    out->timestamp = b->ts;
    out->sequence = b->sequence;
}

/* ---- ioctls (lock held; return 0 or -errno) ---- */
static int acquire(struct handle *h, const char *what)
{
    struct dev *d = h->dev;
    if (d->busy || (d->owner && d->owner != h)) {
        emu_log("busy video%d %s", d->index, what);
        return -EBUSY;
    }
    d->owner = h;
    return 0;
}

static void fill_queryctrl(struct v4l2_queryctrl *q)
{
    memset(q, 0, sizeof *q);
    q->id = V4L2_CID_BRIGHTNESS;
    q->type = V4L2_CTRL_TYPE_INTEGER;
    snprintf((char *)q->name, sizeof q->name, "Brightness");
    q->minimum = 0, q->maximum = 255, q->step = 1, q->default_value = 128;
}

/* The control asked for (0) or EINVAL, honouring V4L2_CTRL_FLAG_NEXT_CTRL. */
static int find_ctrl(uint32_t id)
{
    if (id & V4L2_CTRL_FLAG_NEXT_CTRL) {
        id &= ~(V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
        return id < V4L2_CID_BRIGHTNESS ? 0 : -EINVAL;
    }
    return id == V4L2_CID_BRIGHTNESS ? 0 : -EINVAL;
}

static int ext_ctrls(struct dev *d, struct v4l2_ext_controls *c, int set, int try)
{
    if (c->count && !c->controls) return -EFAULT;
    if ((set || try) && c->which == V4L2_CTRL_WHICH_DEF_VAL) return -EINVAL;
    for (uint32_t i = 0; i < c->count; i++) {
        struct v4l2_ext_control *x = &c->controls[i];
        if (x->id != V4L2_CID_BRIGHTNESS) { c->error_idx = set || try ? i : c->count; return -EINVAL; }
        if (!set && !try) x->value = c->which == V4L2_CTRL_WHICH_DEF_VAL ? 128 : d->brightness;
        else if (x->value < 0) x->value = 0;
        else if (x->value > 255) x->value = 255;
        if (set) d->brightness = x->value;
    }
    return 0;
}

static int dispatch(struct handle *h, uint32_t req, void *arg)
{
    struct dev *d = h->dev;
    const struct fmtcfg *cf = &d->fmts[d->cur];
    char fcc[5];
    if (!arg) return -EFAULT;
    switch (req) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *c = arg;
        memset(c, 0, sizeof *c);
        snprintf((char *)c->driver, sizeof c->driver, "uvcvideo");
        snprintf((char *)c->card, sizeof c->card, "%s", d->name);
        snprintf((char *)c->bus_info, sizeof c->bus_info, "usb-0000:00:14.0-%d", d->index + 1);
        c->version = LINUX_VERSION_CODE;
        c->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT;
        c->capabilities = c->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        uint32_t n = 0;
        for (int i = 0; i < d->nfmts; i++) {
            uint32_t c = d->fmts[i].fourcc;
            int first = 1;
            for (int j = 0; j < i; j++) if (d->fmts[j].fourcc == c) first = 0;
            if (!first || n++ != f->index) continue;
            uint32_t index = f->index;
            memset(f, 0, sizeof *f);
            f->index = index;
            f->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            f->pixelformat = c;
            fcc_str(c, fcc);
            const char *desc = c == V4L2_PIX_FMT_MJPEG ? "Motion-JPEG"
                : c == V4L2_PIX_FMT_YUYV ? "YUYV 4:2:2" : fcc;
            snprintf((char *)f->description, sizeof f->description, "%s", desc);
            if (c != V4L2_PIX_FMT_YUYV) f->flags = V4L2_FMT_FLAG_COMPRESSED;
            return 0;
        }
        return -EINVAL;
    }
    case VIDIOC_ENUM_FRAMESIZES: {
        struct v4l2_frmsizeenum *s = arg;
        uint32_t n = 0;
        for (int i = 0; i < d->nfmts; i++) {
            if (d->fmts[i].fourcc != s->pixel_format || n++ != s->index) continue;
            s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
            s->discrete.width = d->fmts[i].w;
            s->discrete.height = d->fmts[i].h;
            memset(s->reserved, 0, sizeof s->reserved);
            return 0;
        }
        return -EINVAL;
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
        struct v4l2_frmivalenum *v = arg;
        for (int i = 0; i < d->nfmts; i++) {
            const struct fmtcfg *f = &d->fmts[i];
            if (f->fourcc != v->pixel_format || f->w != v->width || f->h != v->height) continue;
            if (v->index >= (uint32_t)f->nrates) return -EINVAL;
            v->type = V4L2_FRMIVAL_TYPE_DISCRETE;
            v->discrete.numerator = 1;
            v->discrete.denominator = f->rates[v->index];
            memset(v->reserved, 0, sizeof v->reserved);
            return 0;
        }
        return -EINVAL;
    }
    case VIDIOC_G_FMT:
    case VIDIOC_TRY_FMT:
    case VIDIOC_S_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        int i = d->cur;
        if (req != VIDIOC_G_FMT)
            i = choose_format(d, f->fmt.pix.pixelformat, f->fmt.pix.width, f->fmt.pix.height);
        if (req == VIDIOC_S_FMT) {
            int r = acquire(h, "S_FMT");
            if (r) return r;
            if (h->nbufs) return -EBUSY;
            d->cur = i;
            if (!rate_offered(&d->fmts[i], d->fps)) d->fps = d->fmts[i].rates[0];
            fcc_str(d->fmts[i].fourcc, fcc);
            emu_log("s_fmt video%d %s %ux%u", d->index, fcc, d->fmts[i].w, d->fmts[i].h);
        }
        fill_pix(&d->fmts[i], &f->fmt.pix);
        return 0;
    }
    case VIDIOC_G_PARM:
    case VIDIOC_S_PARM: {
        struct v4l2_streamparm *p = arg;
        if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        if (req == VIDIOC_S_PARM) {
            int r = acquire(h, "S_PARM");
            if (r) return r;
            if (h->streaming) return -EBUSY;
            d->fps = nearest_rate(cf, p->parm.capture.timeperframe.numerator,
                                  p->parm.capture.timeperframe.denominator);
            emu_log("s_parm video%d %u", d->index, d->fps);
        }
        memset(&p->parm, 0, sizeof p->parm);
        p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
        p->parm.capture.timeperframe.numerator = 1;
        p->parm.capture.timeperframe.denominator = d->fps;
        return 0;
    }
    case VIDIOC_QUERYCTRL: {
        struct v4l2_queryctrl *q = arg;
        if (find_ctrl(q->id)) return -EINVAL;
        fill_queryctrl(q);
        return 0;
    }
    case VIDIOC_QUERY_EXT_CTRL: {
        struct v4l2_query_ext_ctrl *q = arg;
        struct v4l2_queryctrl b;
        if (find_ctrl(q->id)) return -EINVAL;
        fill_queryctrl(&b);
        memset(q, 0, sizeof *q);
        q->id = b.id, q->type = b.type;
        memcpy(q->name, b.name, sizeof q->name);
        q->minimum = b.minimum, q->maximum = b.maximum, q->step = (uint64_t)b.step;
        q->default_value = b.default_value;
        q->elem_size = 4, q->elems = 1;
        return 0;
    }
    case VIDIOC_G_CTRL:
    case VIDIOC_S_CTRL: {
        struct v4l2_control *c = arg;
        if (c->id != V4L2_CID_BRIGHTNESS) return -EINVAL;
        if (req == VIDIOC_S_CTRL) d->brightness = c->value < 0 ? 0 : c->value > 255 ? 255 : c->value;
        c->value = d->brightness;
        return 0;
    }
    case VIDIOC_G_EXT_CTRLS: return ext_ctrls(d, arg, 0, 0);
    case VIDIOC_S_EXT_CTRLS: return ext_ctrls(d, arg, 1, 0);
    case VIDIOC_TRY_EXT_CTRLS: return ext_ctrls(d, arg, 0, 1);
    case VIDIOC_ENUMINPUT: {
        struct v4l2_input *in = arg;
        if (in->index != 0) return -EINVAL;
        memset(in, 0, sizeof *in);
        snprintf((char *)in->name, sizeof in->name, "Camera 1");
        in->type = V4L2_INPUT_TYPE_CAMERA;
        return 0;
    }
    case VIDIOC_G_INPUT: *(unsigned *)arg = 0; return 0;
    case VIDIOC_S_INPUT: return *(unsigned *)arg == 0 ? 0 : -EINVAL;
    case VIDIOC_REQBUFS: {
        struct v4l2_requestbuffers *rb = arg;
        rb->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP | V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS;
        rb->flags = 0;
        if (rb->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || rb->memory != V4L2_MEMORY_MMAP) return -EINVAL;
        int r = rb->count ? acquire(h, "REQBUFS") : d->owner && d->owner != h ? -EBUSY : 0;
        if (r) return r;
        if (h->streaming) return -EBUSY;
        free_bufs(h);
        if (!rb->count) {
            if (d->owner == h) d->owner = NULL;
            emu_log("reqbufs video%d 0", d->index);
            return 0;
        }
        uint32_t n = rb->count < 2 ? 2 : rb->count > MAXBUF ? MAXBUF : rb->count;
        size_t page = (size_t)sysconf(_SC_PAGESIZE), size = sizeimage(cf);
        size_t alen = (size + page - 1) / page * page;
        const struct frame *stale = &cf->frames[0];
        for (uint32_t i = 0; i < n; i++) {
            void *m = real_mmap(NULL, alen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (m == MAP_FAILED) { free_bufs(h); return -ENOMEM; }
            __atomic_add_fetch(&g_nmem, 1, __ATOMIC_RELEASE);
            h->b[i] = (struct buf){ .mem = m, .alen = alen, .state = B_DEQUEUED };
            h->nbufs = (int)i + 1;
            if (d->tail_stale) memcpy((uint8_t *)m + size - stale->len, stale->data, stale->len);
        }
        h->bufsize = (uint32_t)size;
        rb->count = n;
        emu_log("reqbufs video%d %u", d->index, n);
        return 0;
    }
    case VIDIOC_QUERYBUF:
    case VIDIOC_QBUF:
    case VIDIOC_DQBUF: {
        struct v4l2_buffer *b = arg;
        if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        if (req == VIDIOC_QUERYBUF) {
            if (b->index >= (uint32_t)h->nbufs) return -EINVAL;
            pump(h, now_ns());
            buf_info(h, (int)b->index, b);
            return 0;
        }
        if (b->memory != V4L2_MEMORY_MMAP) return -EINVAL;
        if (req == VIDIOC_QBUF) {
            if (b->index >= (uint32_t)h->nbufs || h->b[b->index].state != B_DEQUEUED) return -EINVAL;
            h->b[b->index].state = B_QUEUED;
            h->q[h->qn++] = (int)b->index;
            buf_info(h, (int)b->index, b);
            return 0;
        }
        if (!h->streaming) return -EINVAL;
        pump(h, now_ns());
        if (!h->dn) return -EAGAIN;
        int i = h->d[0];
        memmove(h->d, h->d + 1, sizeof h->d[0] * (size_t)--h->dn);
        if (d->eio > 0) {            /* the frame is lost; the buffer is queued again */
            d->eio--;
            h->b[i].state = B_QUEUED;
            h->q[h->qn++] = i;
            emu_log("eio video%d", d->index);
            return -EIO;
        }
        buf_info(h, i, b);
        h->b[i].state = B_DEQUEUED;
        emu_log("frame video%d seq=%u bytes=%u flags=0x%x", d->index, b->sequence, b->bytesused, b->flags);
        return 0;
    }
    case VIDIOC_STREAMON:
    case VIDIOC_STREAMOFF: {
        if (*(uint32_t *)arg != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        if (req == VIDIOC_STREAMOFF) {
            if (d->owner && d->owner != h) return -EBUSY;
            for (int i = 0; i < h->nbufs; i++) h->b[i].state = B_DEQUEUED;
            h->qn = h->dn = 0;
            h->streaming = 0;
            emu_log("streamoff video%d", d->index);
            return 0;
        }
        if (d->busy) { emu_log("busy video%d STREAMON", d->index); return -EBUSY; }
        if (!h->nbufs) return -EINVAL;
        if (d->owner != h) { emu_log("busy video%d STREAMON", d->index); return -EBUSY; }
        if (h->streaming) return 0;
        h->streaming = 1;
        h->sf = cf;
        h->sfps = d->fps;
        h->t0 = now_ns();
        h->next_k = 1;
        h->seq = 0;
        fcc_str(cf->fourcc, fcc);
        emu_log("streamon video%d %s %ux%u %u", d->index, fcc, cf->w, cf->h, d->fps);
        return 0;
    }
    default:
        return -ENOTTY;
    }
}

static struct handle *emu_handle(int fd)
{
    if (fd < 0 || fd >= FDMAX || !__atomic_load_n(&g_nopen, __ATOMIC_ACQUIRE)) return NULL;
    return __atomic_load_n(&g_fd[fd], __ATOMIC_ACQUIRE);
}

static int sleep_until(int64_t t)
{
    struct timespec ts = { (time_t)(t / 1000000000LL), (long)(t % 1000000000LL) };
    return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* An ioctl on an emulated fd; *mine = 0 when fd is not one. */
static int emu_ioctl(int fd, unsigned long req, void *arg, int *mine)
{
    int saved = errno;
    pthread_mutex_lock(&g_lock);
    struct handle *h = fd >= 0 && fd < FDMAX ? g_fd[fd] : NULL;
    if (!(*mine = h != NULL)) { pthread_mutex_unlock(&g_lock); return 0; }
    unsigned long id = h->id;
    for (;;) {
        refresh_control();
        int r = h->dead ? -ENODEV : dispatch(h, (uint32_t)req, arg);
        if (r != -EAGAIN || (uint32_t)req != VIDIOC_DQBUF || (fcntl(fd, F_GETFL) & O_NONBLOCK)) {
            pthread_mutex_unlock(&g_lock);
            errno = r < 0 ? -r : saved;
            return r < 0 ? -1 : r;
        }
        int64_t wake = next_wake(h, now_ns());   /* blocking DQBUF: wait */
        pthread_mutex_unlock(&g_lock);
        if (sleep_until(wake) == EINTR) { errno = EINTR; return -1; }
        pthread_mutex_lock(&g_lock);
        h = g_fd[fd];
        if (!h || h->id != id) { pthread_mutex_unlock(&g_lock); errno = EBADF; return -1; }
    }
}

/* ---- open / close ---- */
static int emu_open_dev(struct dev *d, int flags)
{
    pthread_mutex_lock(&g_lock);
    refresh_control();
    if (!d->present) {
        emu_log("open-failed video%d ENOENT", d->index);
        pthread_mutex_unlock(&g_lock);
        errno = ENOENT;
        return -1;
    }
    int fd = eventfd(0, (flags & O_CLOEXEC ? EFD_CLOEXEC : 0) | (flags & O_NONBLOCK ? EFD_NONBLOCK : 0));
    if (fd >= FDMAX) { real_close(fd); fd = -1; errno = EMFILE; }
    struct handle *h = fd >= 0 ? calloc(1, sizeof *h) : NULL;
    if (fd >= 0 && !h) { real_close(fd); fd = -1; errno = ENOMEM; }
    if (h) {
        h->fd = fd, h->dev = d, h->id = g_next_id++;
        h->next = g_handles;
        g_handles = h;
        __atomic_store_n(&g_fd[fd], h, __ATOMIC_RELEASE);
        __atomic_add_fetch(&g_nopen, 1, __ATOMIC_RELEASE);
        emu_log("open video%d fd=%d", d->index, fd);
    }
    pthread_mutex_unlock(&g_lock);
    return fd;
}

/* A sysfs file of a device: a memfd holding its text. */
static int emu_open_sysfile(struct dev *d, int kind, int flags)
{
    pthread_mutex_lock(&g_lock);
    refresh_control();
    int present = d->present;
    char text[100];
    int n = kind == P_SYSNAME ? snprintf(text, sizeof text, "%s\n", d->name)
        : snprintf(text, sizeof text, "MAJOR=81\nMINOR=%d\nDEVNAME=video%d\n", d->index, d->index);
    pthread_mutex_unlock(&g_lock);
    if (!present) { errno = ENOENT; return -1; }
    if ((flags & O_ACCMODE) != O_RDONLY) { errno = EACCES; return -1; }
    int fd = memfd_create("v4l2emu-sysfs", flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
    if (fd < 0) return -1;
    if (write(fd, text, (size_t)n) != n || lseek(fd, 0, SEEK_SET) != 0) {
        real_close(fd);
        errno = EIO;
        return -1;
    }
    return fd;
}

/* open() of a camera path, or -2 for any other path. */
static int emu_open(const char *path, int flags)
{
    struct dev *d;
    int kind = classify(path, &d);
    return kind == P_NONE ? -2 : kind == P_DEV ? emu_open_dev(d, flags) : emu_open_sysfile(d, kind, flags);
}

/* The mode argument of an open call, present with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(mode)                                                     \
    mode_t mode = 0;                                                        \
    if (flags & (O_CREAT | __O_TMPFILE)) {                                  \
        va_list ap;                                                         \
        va_start(ap, flags);                                                \
        mode = va_arg(ap, mode_t);                                          \
        va_end(ap);                                                         \
    }

/* A camera path is served here; anything else (also a path relative to a
 * directory fd) goes to libc's function. */
#define OPEN_BODY(realfn, camera_path, ...)                                 \
    int r = camera_path ? emu_open(path, flags) : -2;                       \
    if (r != -2) return r;                                                  \
    OPEN_MODE(mode)                                                         \
    RESOLVE(realfn);                                                        \
    return real_##realfn(__VA_ARGS__, flags, mode);

int open(const char *path, int flags, ...) { OPEN_BODY(open, 1, path) }
int open64(const char *path, int flags, ...) { OPEN_BODY(open64, 1, path) }
int openat(int dirfd, const char *path, int flags, ...)
{
    OPEN_BODY(openat, dirfd == AT_FDCWD || path[0] == '/', dirfd, path)
}
int openat64(int dirfd, const char *path, int flags, ...)
{
    OPEN_BODY(openat64, dirfd == AT_FDCWD || path[0] == '/', dirfd, path)
}
int __open_2(const char *path, int flags)
{
    int r = emu_open(path, flags);
    RESOLVE(__open_2);
    return r != -2 ? r : real___open_2(path, flags);
}
int __open64_2(const char *path, int flags)
{
    int r = emu_open(path, flags);
    RESOLVE(__open64_2);
    return r != -2 ? r : real___open64_2(path, flags);
}

static FILE *emu_fopen(const char *path, const char *mode, FILE *(*real)(const char *, const char *))
{
    struct dev *d;
    if (classify(path, &d) == P_NONE) return real ? real(path, mode) : NULL;
    int flags = (strchr(mode, '+') ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY) | O_CLOEXEC;
    int fd = emu_open(path, flags);
    FILE *f = fd >= 0 ? fdopen(fd, mode) : NULL;
    if (fd >= 0 && !f) close(fd);
    return f;
}
FILE *fopen(const char *path, const char *mode) { RESOLVE(fopen); return emu_fopen(path, mode, real_fopen); }
FILE *fopen64(const char *path, const char *mode) { RESOLVE(fopen64); return emu_fopen(path, mode, real_fopen64); }

int close(int fd)
{
    RESOLVE(close);
    if (!emu_handle(fd)) return real_close(fd);
    pthread_mutex_lock(&g_lock);
    struct handle *h = g_fd[fd];
    if (h) {
        __atomic_store_n(&g_fd[fd], NULL, __ATOMIC_RELEASE);
        __atomic_sub_fetch(&g_nopen, 1, __ATOMIC_RELEASE);
        free_bufs(h);
        if (h->dev->owner == h) h->dev->owner = NULL;
        for (struct handle **p = &g_handles; *p; p = &(*p)->next)
            if (*p == h) { *p = h->next; break; }
        emu_log("close video%d fd=%d", h->dev->index, fd);
        free(h);
    }
    pthread_mutex_unlock(&g_lock);
    return real_close(fd);
}

/* ---- stat / access ---- */
/* 0 and *st filled, -1 with errno, or -2 for a path that is not a camera's. */
static int emu_stat(const char *path, struct stat *st)
{
    struct dev *d;
    int kind = classify(path, &d);
    if (kind == P_NONE) return -2;
    pthread_mutex_lock(&g_lock);
    refresh_control();
    int present = d->present;
    pthread_mutex_unlock(&g_lock);
    if (!present) { errno = ENOENT; return -1; }
    memset(st, 0, sizeof *st);
    st->st_dev = makedev(0, kind == P_DEV ? 5 : 21);
    st->st_ino = 0x7e000 + (ino_t)d->index * 4 + (ino_t)kind;
    st->st_nlink = 1;
    st->st_mode = kind == P_DEV ? S_IFCHR | 0660 : S_IFREG | 0444;
    st->st_gid = kind == P_DEV ? 44 : 0;     /* group "video" */
    st->st_rdev = kind == P_DEV ? makedev(81, (unsigned)d->index) : 0;
    st->st_size = kind == P_DEV ? 0 : 4096;
    st->st_blksize = 4096;
    clock_gettime(CLOCK_REALTIME, &st->st_mtim);
    st->st_atim = st->st_ctim = st->st_mtim;
    return 0;
}

#define STAT_BODY(realfn, ...)                                              \
    int r = emu_stat(path, (struct stat *)st);                              \
    if (r != -2) return r;                                                  \
    RESOLVE(realfn);                                                        \
    if (!real_##realfn) { errno = ENOSYS; return -1; }                      \
    return real_##realfn(__VA_ARGS__);

int stat(const char *path, struct stat *st) { STAT_BODY(stat, path, st) }
int stat64(const char *path, struct stat64 *st) { STAT_BODY(stat64, path, st) }
int lstat(const char *path, struct stat *st) { STAT_BODY(lstat, path, st) }
int lstat64(const char *path, struct stat64 *st) { STAT_BODY(lstat64, path, st) }
int __xstat(int ver, const char *path, struct stat *st) { STAT_BODY(__xstat, ver, path, st) }
int __xstat64(int ver, const char *path, struct stat64 *st) { STAT_BODY(__xstat64, ver, path, st) }
int __lxstat(int ver, const char *path, struct stat *st) { STAT_BODY(__lxstat, ver, path, st) }
int __lxstat64(int ver, const char *path, struct stat64 *st) { STAT_BODY(__lxstat64, ver, path, st) }

#define FSTATAT_BODY(realfn)                                                \
    int r = dirfd == AT_FDCWD || path[0] == '/' ? emu_stat(path, (struct stat *)st) : -2; \
    if (r != -2) return r;                                                  \
    RESOLVE(realfn);                                                        \
    if (!real_##realfn) { errno = ENOSYS; return -1; }                      \
    return real_##realfn(dirfd, path, st, flags);

int fstatat(int dirfd, const char *path, struct stat *st, int flags) { FSTATAT_BODY(fstatat) }
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) { FSTATAT_BODY(fstatat64) }

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *sx)
{
    struct stat st;
    /* Rust's std probes for statx with a NULL path and expects EFAULT
     * (after a first call failed, e.g. a missing file): pass it on. glibc
     * declares the path nonnull, so the test reads it through a volatile
     * the compiler cannot assume anything about. */
    const char *volatile given = path;
    int r = (given && (dirfd == AT_FDCWD || path[0] == '/')) ? emu_stat(path, &st) : -2;
    if (r == -2) {
        RESOLVE(statx);
        if (!real_statx) { errno = ENOSYS; return -1; }
        return real_statx(dirfd, path, flags, mask, sx);
    }
    if (r) return r;
    memset(sx, 0, sizeof *sx);
    sx->stx_mask = STATX_BASIC_STATS;
    sx->stx_blksize = (uint32_t)st.st_blksize;
    sx->stx_nlink = (uint32_t)st.st_nlink;
    sx->stx_gid = st.st_gid;
    sx->stx_mode = (uint16_t)st.st_mode;
    sx->stx_ino = st.st_ino;
    sx->stx_size = (uint64_t)st.st_size;
    sx->stx_atime.tv_sec = sx->stx_mtime.tv_sec = sx->stx_ctime.tv_sec = st.st_mtim.tv_sec;
    sx->stx_atime.tv_nsec = sx->stx_mtime.tv_nsec = sx->stx_ctime.tv_nsec = (uint32_t)st.st_mtim.tv_nsec;
    sx->stx_rdev_major = major(st.st_rdev), sx->stx_rdev_minor = minor(st.st_rdev);
    sx->stx_dev_major = major(st.st_dev), sx->stx_dev_minor = minor(st.st_dev);
    return 0;
}

int access(const char *path, int mode)
{
    struct stat st;
    int r = emu_stat(path, &st);
    if (r == -2) { RESOLVE(access); return real_access(path, mode); }
    if (r == 0 && (mode & X_OK || (mode & W_OK && S_ISREG(st.st_mode)))) { errno = EACCES; return -1; }
    return r;
}

/* Extended attributes (ls -l asks): a camera path has none. */
#define XATTR_BODY(realfn)                                                  \
    struct stat st;                                                         \
    int r = emu_stat(path, &st);                                            \
    if (r == -2) { RESOLVE(realfn); return real_##realfn(path, name, value, size); } \
    if (r == 0) errno = ENODATA;                                            \
    return -1;

ssize_t getxattr(const char *path, const char *name, void *value, size_t size) { XATTR_BODY(getxattr) }
ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size) { XATTR_BODY(lgetxattr) }

/* ---- the /dev listing: configured, present devices after the real entries ---- */
static struct dirstate *find_dir(DIR *dir)
{
    for (int i = 0; i < 16; i++) if (g_dirs[i].dir == dir) return &g_dirs[i];
    return NULL;
}

DIR *opendir(const char *path)
{
    RESOLVE(opendir);
    DIR *dir = real_opendir(path);
    if (!dir || (strcmp(path, "/dev") && strcmp(path, "/dev/")) || !enabled()) return dir;
    pthread_mutex_lock(&g_lock);
    struct dirstate *s = find_dir(NULL);
    if (s) {
        memset(s, 0, sizeof *s);
        s->dir = dir;
        __atomic_add_fetch(&g_ndirs, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&g_lock);
    return dir;
}

struct dirent64 *readdir64(DIR *dir)
{
    RESOLVE(readdir64);
    if (!__atomic_load_n(&g_ndirs, __ATOMIC_ACQUIRE)) return real_readdir64(dir);
    int saved = errno;               /* the end of a listing leaves errno alone */
    pthread_mutex_lock(&g_lock);
    struct dirstate *s = find_dir(dir);
    struct dirent64 *e = NULL;
    while (s && s->next == 0 && (e = real_readdir64(dir))) {
        int n;                       /* hide real nodes that collide with ours */
        char c;
        if (sscanf(e->d_name, "video%d%c", &n, &c) == 1 && n >= 0 && n < MAXDEV && g_dev[n]) continue;
        break;
    }
    if (s && !e) {
        refresh_control();
        while (s->next < MAXDEV && !(g_dev[s->next] && g_dev[s->next]->present)) s->next++;
        if (s->next < MAXDEV) {
            memset(&s->ent, 0, sizeof s->ent);
            s->ent.d_ino = 0x7e000 + (ino_t)s->next * 4 + P_DEV;
            s->ent.d_off = s->next + 1;
            s->ent.d_reclen = sizeof s->ent;
            s->ent.d_type = DT_CHR;
            snprintf(s->ent.d_name, sizeof s->ent.d_name, "video%d", s->next);
            s->next++;
            e = &s->ent;
        }
    }
    pthread_mutex_unlock(&g_lock);
    errno = saved;
    return s ? e : real_readdir64(dir);
}

struct dirent *readdir(DIR *dir) { return (struct dirent *)readdir64(dir); }

void rewinddir(DIR *dir)
{
    RESOLVE(rewinddir);
    pthread_mutex_lock(&g_lock);
    struct dirstate *s = find_dir(dir);
    if (s) s->next = 0;
    pthread_mutex_unlock(&g_lock);
    real_rewinddir(dir);
}

int closedir(DIR *dir)
{
    RESOLVE(closedir);
    if (__atomic_load_n(&g_ndirs, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&g_lock);
        struct dirstate *s = find_dir(dir);
        if (s) { s->dir = NULL; __atomic_sub_fetch(&g_ndirs, 1, __ATOMIC_RELEASE); }
        pthread_mutex_unlock(&g_lock);
    }
    return real_closedir(dir);
}

/* ---- ioctl ---- */
long syscall(long number, ...)
{
    va_list ap;
    va_start(ap, number);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_ioctl && emu_handle((int)a1)) {
        int mine, r = emu_ioctl((int)a1, (unsigned long)a2, (void *)a3, &mine);
        if (mine) return r;
    }
    if (!real_syscall) real_syscall = dlsym(RTLD_NEXT, "syscall");
    return real_syscall(number, a1, a2, a3, a4, a5, a6);
}

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (emu_handle(fd)) {
        int mine, r = emu_ioctl(fd, request, arg, &mine);
        if (mine) return r;
    }
    RESOLVE(ioctl);
    return real_ioctl(fd, request, arg);
}

/* ---- mmap / munmap ---- */
/* The buffer mapped at offset off of an emulated fd; NULL: not ours. */
static void *emu_mmap(size_t len, int flags, int fd, off_t off, int *mine)
{
    *mine = 0;
    if (!emu_handle(fd)) return NULL;
    pthread_mutex_lock(&g_lock);
    struct handle *h = g_fd[fd];
    void *r = MAP_FAILED;
    int err = EINVAL;
    if ((*mine = h != NULL)) {
        refresh_control();
        if (h->dead) err = ENODEV;
        for (int i = 0; !h->dead && i < h->nbufs; i++) {
            struct buf *b = &h->b[i];
            if ((off_t)(i * b->alen) != off) continue;
            if (len && len <= b->alen && (flags & MAP_SHARED)) { b->maps++; r = b->mem; }
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    if (r == MAP_FAILED) errno = err;
    return r;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    int mine;
    void *r = emu_mmap(len, flags, fd, off, &mine);
    if (mine) return r;
    RESOLVE(mmap);
    return real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    int mine;
    void *r = emu_mmap(len, flags, fd, (off_t)off, &mine);
    if (mine) return r;
    RESOLVE(mmap64);
    return real_mmap64(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
    RESOLVE(munmap);
    if (!__atomic_load_n(&g_nmem, __ATOMIC_ACQUIRE)) return real_munmap(addr, len);
    int found = 0;
    pthread_mutex_lock(&g_lock);
    for (struct handle *h = g_handles; h && !found; h = h->next)
        for (int i = 0; i < h->nbufs && !found; i++)
            if (h->b[i].mem == addr) {   /* ours: freed at REQBUFS 0 or close */
                if (h->b[i].maps > 0) h->b[i].maps--;
                found = 1;
            }
    for (int i = 0; i < g_norphans && !found; i++) {
        if (g_orphans[i].mem != addr) continue;
        found = 1;
        if (--g_orphans[i].maps > 0) break;
        real_munmap(addr, g_orphans[i].alen);
        __atomic_sub_fetch(&g_nmem, 1, __ATOMIC_RELEASE);
        g_orphans[i] = g_orphans[--g_norphans];
    }
    pthread_mutex_unlock(&g_lock);
    return found ? 0 : real_munmap(addr, len);
}

/* ---- poll / ppoll / select ---- */
static int has_emu_fd(const struct pollfd *fds, nfds_t n)
{
    if (!__atomic_load_n(&g_nopen, __ATOMIC_ACQUIRE)) return 0;
    for (nfds_t i = 0; i < n; i++) if (emu_handle(fds[i].fd)) return 1;
    return 0;
}

/* poll() over a set holding emulated fds: their readiness is computed here,
 * real fds are polled with timeout 0 in the same loop. */
static int emu_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ns() + (int64_t)timeout_ms * 1000000;
    struct pollfd local[16], *real = n <= 16 ? local : malloc(sizeof *real * n);
    nfds_t local_at[16], *at = n <= 16 ? local_at : malloc(sizeof *at * n);   /* real[j] is fds[at[j]] */
    if (!real || !at) {
        if (real != local) free(real);
        if (at != local_at) free(at);
        errno = ENOMEM;
        return -1;
    }
    int saved = errno, ready;
    for (;;) {
        nfds_t nreal = 0;
        int64_t now = now_ns(), wake = now + SLICE_NS;
        pthread_mutex_lock(&g_lock);
        refresh_control();
        for (nfds_t i = 0; i < n; i++) {
            struct handle *h = fds[i].fd >= 0 && fds[i].fd < FDMAX ? g_fd[fds[i].fd] : NULL;
            if (!h) { at[nreal] = i, real[nreal++] = fds[i]; continue; }
            short ev = 0;
            if (h->dead) ev = POLLERR | POLLHUP;
            else if (!h->streaming) ev = POLLERR;          /* vb2: nothing to wait for */
            else {
                pump(h, now);
                if (h->dn) ev = (short)(fds[i].events & (POLLIN | POLLRDNORM));
                int64_t w = next_wake(h, now);
                if (w < wake) wake = w;
            }
            fds[i].revents = ev;
        }
        pthread_mutex_unlock(&g_lock);
        if (nreal) {
            if (real_poll(real, nreal, 0) < 0) { ready = -1; break; }
            for (nfds_t j = 0; j < nreal; j++) fds[at[j]].revents = real[j].revents;
            if (wake > now + 5000000) wake = now + 5000000;
        }
        ready = 0;
        for (nfds_t i = 0; i < n; i++) ready += fds[i].revents != 0;
        if (ready || timeout_ms == 0 || now >= deadline) break;
        if (wake > deadline) wake = deadline;
        if (sleep_until(wake) == EINTR) { errno = EINTR; ready = -1; break; }
    }
    if (real != local) free(real);
    if (at != local_at) free(at);
    if (ready >= 0) errno = saved;
    return ready;
}

/* A timeout in ms (rounded up, at most INT_MAX) for emu_poll; not given: -1. */
static int timeout_ms(long long sec, long long ns, int given)
{
    if (!given) return -1;
    if (sec < 0) return 0;
    if (sec >= INT_MAX / 1000) return INT_MAX;
    return (int)(sec * 1000 + (ns + 999999) / 1000000);
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    RESOLVE(poll);
    return has_emu_fd(fds, n) ? emu_poll(fds, n, timeout) : real_poll(fds, n, timeout);
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
    (void)fdslen;
    return poll(fds, n, timeout);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
    RESOLVE(ppoll);
    if (!has_emu_fd(fds, n)) return real_ppoll(fds, n, tmo, mask);
    int ms = timeout_ms(tmo ? tmo->tv_sec : 0, tmo ? tmo->tv_nsec : 0, tmo != NULL);
    sigset_t old;
    if (mask) pthread_sigmask(SIG_SETMASK, mask, &old);
    int r = emu_poll(fds, n, ms), e = errno;
    if (mask) pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return r;
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask, size_t fdslen)
{
    (void)fdslen;
    return ppoll(fds, n, tmo, mask);
}

int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    RESOLVE(select);
    int any = 0;
    if (__atomic_load_n(&g_nopen, __ATOMIC_ACQUIRE) && nfds > 0 && nfds <= FD_SETSIZE)
        for (int fd = 0; fd < nfds && !any; fd++)
            any = emu_handle(fd)
                && ((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex)));
    if (!any) return real_select(nfds, rd, wr, ex, tv);
    struct pollfd pfds[FD_SETSIZE];
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = (short)((rd && FD_ISSET(fd, rd) ? POLLIN : 0) | (wr && FD_ISSET(fd, wr) ? POLLOUT : 0)
                           | (ex && FD_ISSET(fd, ex) ? POLLPRI : 0));
        if (ev) pfds[n++] = (struct pollfd){ .fd = fd, .events = ev };
    }
    int ms = timeout_ms(tv ? tv->tv_sec : 0, tv ? tv->tv_usec * 1000LL : 0, tv != NULL);
    int r = emu_poll(pfds, n, ms);
    if (r < 0) return r;
    for (nfds_t i = 0; i < n; i++) if (pfds[i].revents & POLLNVAL) { errno = EBADF; return -1; }
    if (rd) FD_ZERO(rd);
    if (wr) FD_ZERO(wr);
    if (ex) FD_ZERO(ex);
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        short re = pfds[i].revents, ev = pfds[i].events;
        if (ev & POLLIN && re & (POLLIN | POLLHUP | POLLERR)) FD_SET(pfds[i].fd, rd), count++;
        if (ev & POLLOUT && re & (POLLOUT | POLLERR)) FD_SET(pfds[i].fd, wr), count++;
        if (ev & POLLPRI && re & POLLPRI) FD_SET(pfds[i].fd, ex), count++;
    }
    if (tv && !count) tv->tv_sec = tv->tv_usec = 0;
    return count;
}
