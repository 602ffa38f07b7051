/*
 * selftest: a client of libv4l2emu.so, run under it by selftest.sh:
 *   LD_PRELOAD=libv4l2emu.so V4L2EMU_CONFIG=DIR/config selftest DIR
 * DIR holds the config written by selftest.sh (devices 0 and 2), the frame
 * files f1.jpg and f2.jpg, and is where the control file and the event log
 * go. ioctls go through syscall(SYS_ioctl, ...) as the v4l crate does them.
 * Prints every failed check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/videodev2.h>

static int failures, checks;
static const char *dir;

#define CHECK(cond, ...) do {                                               \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);          \
            printf(__VA_ARGS__);                                            \
            printf(" (errno %d %s)\n", errno, strerror(errno));             \
        }                                                                   \
    } while (0)

static int xioctl(int fd, unsigned long req, void *arg)
{
    return (int)syscall(SYS_ioctl, fd, req, arg);
}

/* ioctl expected to fail with err. */
static int fails_with(int fd, unsigned long req, void *arg, int err)
{
    errno = 0;
    return xioctl(fd, req, arg) == -1 && errno == err;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    static uint8_t bufs[4][65536];
    static int next;
    uint8_t *b = bufs[next++ % 4];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof bufs[0] - 1) : -1;
    if (fd >= 0) close(fd);
    *len = n > 0 ? (size_t)n : 0;
    b[*len] = 0;
    return n >= 0 ? b : NULL;
}

/* Rewrites the control file atomically (a new version every call). */
static void control(const char *text)
{
    char tmp[512], path[512];
    snprintf(tmp, sizeof tmp, "%s/control.tmp", dir);
    snprintf(path, sizeof path, "%s/control", dir);
    FILE *f = fopen(tmp, "w");
    fputs(text, f);
    fclose(f);
    rename(tmp, path);
}

static int listed(const char *name)
{
    DIR *d = opendir("/dev");
    int found = 0;
    for (struct dirent *e; d && (e = readdir(d));) found |= !strcmp(e->d_name, name);
    if (d) closedir(d);
    return found;
}

static short poll1(int fd, int timeout)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, timeout);
    return r < 0 ? -1 : r == 0 ? 0 : p.revents;
}

static struct v4l2_buffer bufdesc(uint32_t index)
{
    struct v4l2_buffer b = { .index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
    return b;
}

/* Waits for and dequeues one frame of a non-blocking fd (-1: none in 1 s). */
static int next_frame(int fd, struct v4l2_buffer *b)
{
    if (!(poll1(fd, 1000) & POLLIN)) return -1;
    *b = bufdesc(0);
    return xioctl(fd, VIDIOC_DQBUF, b);
}

struct stream { int fd; uint32_t n, len; uint8_t *mem[8]; };

static void setup_buffers(struct stream *s, uint32_t count)
{
    struct v4l2_requestbuffers rb = { .count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
    CHECK(xioctl(s->fd, VIDIOC_REQBUFS, &rb) == 0, "REQBUFS %u", count);
    s->n = rb.count;
    for (uint32_t i = 0; i < s->n; i++) {
        struct v4l2_buffer b = bufdesc(i);
        CHECK(xioctl(s->fd, VIDIOC_QUERYBUF, &b) == 0, "QUERYBUF %u", i);
        CHECK(b.m.offset % 4096 == 0 && b.flags == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC, "offset %u flags 0x%x", b.m.offset, b.flags);
        s->len = b.length;
        s->mem[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, b.m.offset);
        CHECK(s->mem[i] != MAP_FAILED, "mmap buffer %u", i);
        CHECK(xioctl(s->fd, VIDIOC_QBUF, &b) == 0, "QBUF %u", i);
    }
}

static void on_alarm(int sig) { (void)sig; }

/* Threads doing futex waits and wakes through syscall() under the preload. */
static int futex_word;
static void *futex_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        struct timespec ts = { 0, 1000 };
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 12345, &ts, NULL, 0);
        __atomic_add_fetch(&futex_word, 1, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: selftest DIR\n"); return 2; }
    dir = argv[1];
    char path[512];
    size_t len1, len2;
    snprintf(path, sizeof path, "%s/f1.jpg", dir);
    uint8_t *f1 = slurp(path, &len1);
    snprintf(path, sizeof path, "%s/f2.jpg", dir);
    uint8_t *f2 = slurp(path, &len2);
    if (!f1 || !f2) { fprintf(stderr, "selftest: no fixtures in %s\n", dir); return 2; }
    control("present 0 1\n");

    /* Threads and raw syscalls keep working. */
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, futex_thread, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK(futex_word == 8000, "futex counter %d", futex_word);
    CHECK(syscall(SYS_getpid) == getpid(), "syscall(SYS_getpid)");

    /* Listing, sysfs, stat. */
    CHECK(listed("video0") && listed("video2") && !listed("video1"), "/dev listing");
    size_t n;
    uint8_t *name = slurp("/sys/class/video4linux/video0/name", &n);
    CHECK(name && !strcmp((char *)name, "Emu Cam A\n"), "sysfs name '%s'", name ? (char *)name : "(none)");
    struct stat st;
    CHECK(stat("/dev/video0", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 81, "stat /dev/video0");
    CHECK(access("/dev/video0", R_OK | W_OK) == 0, "access /dev/video0");
    CHECK(stat("/dev/video1", &st) == -1 && errno == ENOENT, "stat /dev/video1");

    int fd = open("/dev/video0", O_RDWR | O_NONBLOCK);
    CHECK(fd >= 0, "open /dev/video0");

    /* Queries. */
    struct v4l2_capability cap;
    CHECK(xioctl(fd, VIDIOC_QUERYCAP, &cap) == 0, "QUERYCAP");
    CHECK(!strcmp((char *)cap.driver, "uvcvideo") && !strcmp((char *)cap.card, "Emu Cam A")
          && !strcmp((char *)cap.bus_info, "usb-0000:00:14.0-1"), "QUERYCAP strings");
    CHECK(cap.capabilities & V4L2_CAP_DEVICE_CAPS && cap.device_caps == (V4L2_CAP_VIDEO_CAPTURE
          | V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT), "caps 0x%x 0x%x", cap.capabilities, cap.device_caps);
    struct v4l2_fmtdesc d0 = { .index = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    CHECK(xioctl(fd, VIDIOC_ENUM_FMT, &d0) == 0 && d0.pixelformat == V4L2_PIX_FMT_MJPEG
          && d0.flags == V4L2_FMT_FLAG_COMPRESSED && !strcmp((char *)d0.description, "Motion-JPEG"), "ENUM_FMT 0");
    struct v4l2_fmtdesc d1 = { .index = 1, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    CHECK(xioctl(fd, VIDIOC_ENUM_FMT, &d1) == 0 && d1.pixelformat == V4L2_PIX_FMT_YUYV
          && !strcmp((char *)d1.description, "YUYV 4:2:2"), "ENUM_FMT 1");
    struct v4l2_fmtdesc d2 = { .index = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    CHECK(fails_with(fd, VIDIOC_ENUM_FMT, &d2, EINVAL), "ENUM_FMT 2");
    struct v4l2_fmtdesc dout = { .index = 0, .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };
    CHECK(fails_with(fd, VIDIOC_ENUM_FMT, &dout, EINVAL), "ENUM_FMT output type");
    struct v4l2_frmsizeenum fs = { .index = 1, .pixel_format = V4L2_PIX_FMT_MJPEG };
    CHECK(xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0 && fs.type == V4L2_FRMSIZE_TYPE_DISCRETE
          && fs.discrete.width == 1280 && fs.discrete.height == 720, "ENUM_FRAMESIZES 1");
    fs.index = 2;
    CHECK(fails_with(fd, VIDIOC_ENUM_FRAMESIZES, &fs, EINVAL), "ENUM_FRAMESIZES 2");
    struct v4l2_frmsizeenum fsx = { .index = 0, .pixel_format = V4L2_PIX_FMT_H264 };
    CHECK(fails_with(fd, VIDIOC_ENUM_FRAMESIZES, &fsx, EINVAL), "ENUM_FRAMESIZES H264");
    struct v4l2_frmivalenum fi = { .index = 1, .pixel_format = V4L2_PIX_FMT_MJPEG, .width = 640, .height = 480 };
    CHECK(xioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi) == 0 && fi.type == V4L2_FRMIVAL_TYPE_DISCRETE
          && fi.discrete.numerator == 1 && fi.discrete.denominator == 15, "ENUM_FRAMEINTERVALS 1");
    fi.index = 2;
    CHECK(fails_with(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi, EINVAL), "ENUM_FRAMEINTERVALS 2");
    fi.index = 0, fi.width = 641;
    CHECK(fails_with(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi, EINVAL), "ENUM_FRAMEINTERVALS bad size");

    /* Formats and rates. */
    struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    CHECK(xioctl(fd, VIDIOC_G_FMT, &f) == 0 && f.fmt.pix.pixelformat == V4L2_PIX_FMT_MJPEG
          && f.fmt.pix.width == 640 && f.fmt.pix.sizeimage == 640 * 480 * 2, "G_FMT default");
    f.fmt.pix = (struct v4l2_pix_format){ .width = 1200, .height = 700, .pixelformat = V4L2_PIX_FMT_MJPEG };
    CHECK(xioctl(fd, VIDIOC_S_FMT, &f) == 0 && f.fmt.pix.width == 1280 && f.fmt.pix.height == 720, "S_FMT snaps to 1280x720");
    f.fmt.pix = (struct v4l2_pix_format){ .width = 100, .height = 100, .pixelformat = V4L2_PIX_FMT_YUYV };
    CHECK(xioctl(fd, VIDIOC_TRY_FMT, &f) == 0 && f.fmt.pix.width == 320 && f.fmt.pix.bytesperline == 640, "TRY_FMT YUYV");
    f.fmt.pix = (struct v4l2_pix_format){ .width = 640, .height = 480, .pixelformat = V4L2_PIX_FMT_H264 };
    CHECK(xioctl(fd, VIDIOC_S_FMT, &f) == 0 && f.fmt.pix.pixelformat == V4L2_PIX_FMT_MJPEG
          && f.fmt.pix.width == 640 && f.fmt.pix.bytesperline == 0, "S_FMT H264 falls back to MJPG");
    struct v4l2_streamparm p = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    p.parm.capture.timeperframe = (struct v4l2_fract){ 1, 14 };
    CHECK(xioctl(fd, VIDIOC_S_PARM, &p) == 0 && p.parm.capture.timeperframe.denominator == 15
          && p.parm.capture.capability == V4L2_CAP_TIMEPERFRAME, "S_PARM 14 -> 15");
    p.parm.capture.timeperframe = (struct v4l2_fract){ 1000, 30000 };
    CHECK(xioctl(fd, VIDIOC_S_PARM, &p) == 0 && p.parm.capture.timeperframe.denominator == 30, "S_PARM 30");
    memset(&p.parm, 0, sizeof p.parm);
    CHECK(xioctl(fd, VIDIOC_G_PARM, &p) == 0 && p.parm.capture.timeperframe.numerator == 1
          && p.parm.capture.timeperframe.denominator == 30, "G_PARM");

    /* Controls, inputs, the rest. */
    struct v4l2_queryctrl qc = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
    CHECK(xioctl(fd, VIDIOC_QUERYCTRL, &qc) == 0 && qc.id == V4L2_CID_BRIGHTNESS && qc.maximum == 255, "QUERYCTRL next");
    qc.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
    CHECK(fails_with(fd, VIDIOC_QUERYCTRL, &qc, EINVAL), "QUERYCTRL end");
    qc = (struct v4l2_queryctrl){ .id = V4L2_CID_BRIGHTNESS };
    CHECK(xioctl(fd, VIDIOC_QUERYCTRL, &qc) == 0 && qc.default_value == 128, "QUERYCTRL brightness");
    qc = (struct v4l2_queryctrl){ .id = V4L2_CID_CONTRAST };
    CHECK(fails_with(fd, VIDIOC_QUERYCTRL, &qc, EINVAL), "QUERYCTRL contrast");
    struct v4l2_query_ext_ctrl qe = { .id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND };
    CHECK(xioctl(fd, VIDIOC_QUERY_EXT_CTRL, &qe) == 0 && qe.id == V4L2_CID_BRIGHTNESS && qe.default_value == 128, "QUERY_EXT_CTRL");
    struct v4l2_control ctl = { .id = V4L2_CID_BRIGHTNESS, .value = 300 };
    CHECK(xioctl(fd, VIDIOC_S_CTRL, &ctl) == 0 && ctl.value == 255, "S_CTRL clamps");
    struct v4l2_ext_control xc = { .id = V4L2_CID_BRIGHTNESS };
    struct v4l2_ext_controls xcs = { .which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &xc };
    CHECK(xioctl(fd, VIDIOC_G_EXT_CTRLS, &xcs) == 0 && xc.value == 255, "G_EXT_CTRLS");
    xc.value = 100;
    CHECK(xioctl(fd, VIDIOC_S_EXT_CTRLS, &xcs) == 0 && xioctl(fd, VIDIOC_G_CTRL, &ctl) == 0 && ctl.value == 100,
          "S_EXT_CTRLS then G_CTRL");
    ctl.id = V4L2_CID_CONTRAST;
    CHECK(fails_with(fd, VIDIOC_G_CTRL, &ctl, EINVAL), "G_CTRL contrast");
    struct v4l2_input in = { .index = 0 };
    CHECK(xioctl(fd, VIDIOC_ENUMINPUT, &in) == 0 && !strcmp((char *)in.name, "Camera 1"), "ENUMINPUT");
    v4l2_std_id std;
    CHECK(fails_with(fd, VIDIOC_G_STD, &std, ENOTTY), "G_STD is ENOTTY");

    /* Buffers. */
    struct stream s = { .fd = fd };
    struct v4l2_requestbuffers rbu = { .count = 4, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_USERPTR };
    CHECK(fails_with(fd, VIDIOC_REQBUFS, &rbu, EINVAL), "REQBUFS USERPTR");
    uint32_t typ = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    CHECK(fails_with(fd, VIDIOC_STREAMON, &typ, EINVAL), "STREAMON without buffers");
    setup_buffers(&s, 4);
    CHECK(s.n == 4 && s.len == 640 * 480 * 2, "4 buffers of sizeimage, got %u of %u", s.n, s.len);
    CHECK(!memcmp(s.mem[0] + s.len - len1, f1, len1), "tail stale: the first frame ends the buffer");
    struct v4l2_buffer b = bufdesc(1);
    CHECK(fails_with(fd, VIDIOC_QBUF, &b, EINVAL), "double QBUF");
    b = bufdesc(9);
    CHECK(fails_with(fd, VIDIOC_QBUF, &b, EINVAL), "QBUF index out of range");
    f.fmt.pix = (struct v4l2_pix_format){ .width = 640, .height = 480, .pixelformat = V4L2_PIX_FMT_MJPEG };
    CHECK(fails_with(fd, VIDIOC_S_FMT, &f, EBUSY), "S_FMT with buffers");
    b = bufdesc(0);
    CHECK(fails_with(fd, VIDIOC_DQBUF, &b, EINVAL), "DQBUF before STREAMON");
    CHECK(poll1(fd, 0) & POLLERR, "poll before STREAMON");

    /* Streaming. */
    CHECK(xioctl(fd, VIDIOC_STREAMON, &typ) == 0, "STREAMON");
    b = bufdesc(0);
    CHECK(fails_with(fd, VIDIOC_DQBUF, &b, EAGAIN), "DQBUF right after STREAMON");
    uint32_t last_seq = 0;
    for (int i = 0; i < 6; i++) {
        CHECK(next_frame(fd, &b) == 0, "frame %d", i);
        const uint8_t *want = b.sequence % 2 ? f2 : f1;
        size_t wlen = b.sequence % 2 ? len2 : len1;
        CHECK(b.bytesused == wlen && !memcmp(s.mem[b.index], want, wlen), "frame %d content (bytesused %u)", i, b.bytesused);
        CHECK(b.flags == (V4L2_BUF_FLAG_MAPPED | V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), "flags 0x%x", b.flags);
        CHECK(i == 0 || b.sequence > last_seq, "sequence %u after %u", b.sequence, last_seq);
        last_seq = b.sequence;
        struct v4l2_buffer q = bufdesc(b.index);
        CHECK(xioctl(fd, VIDIOC_QBUF, &q) == 0, "requeue");
        CHECK(fails_with(fd, VIDIOC_QBUF, &q, EINVAL), "requeue twice");
    }
    b = bufdesc(0);
    CHECK(fails_with(fd, VIDIOC_DQBUF, &b, EAGAIN), "DQBUF with nothing due");

    /* A poll set mixing a pipe and the camera. */
    int pp[2];
    CHECK(pipe(pp) == 0 && write(pp[1], "x", 1) == 1, "pipe");
    struct pollfd mixed[2] = { { .fd = pp[0], .events = POLLIN }, { .fd = fd, .events = POLLIN } };
    CHECK(poll(mixed, 2, 1000) >= 1 && mixed[0].revents == POLLIN, "mixed poll");
    close(pp[0]), close(pp[1]);

    /* One-shot faults. */
    control("corrupt 0 2\n");
    for (int i = 0; i < 3; i++) {
        CHECK(next_frame(fd, &b) == 0, "corrupt frame %d", i);
        size_t full = b.sequence % 2 ? len2 : len1;
        CHECK(b.bytesused == (i < 2 ? full / 2 : full), "corrupt frame %d bytesused %u of %zu", i, b.bytesused, full);
        struct v4l2_buffer q = bufdesc(b.index);
        xioctl(fd, VIDIOC_QBUF, &q);
    }
    control("errflag 0 1\n");
    CHECK(next_frame(fd, &b) == 0 && b.flags & V4L2_BUF_FLAG_ERROR && s.mem[b.index][0] == 0x55
          && b.bytesused == (b.sequence % 2 ? len2 : len1), "errflag frame flags 0x%x", b.flags);
    struct v4l2_buffer q = bufdesc(b.index);
    xioctl(fd, VIDIOC_QBUF, &q);
    CHECK(next_frame(fd, &b) == 0 && !(b.flags & V4L2_BUF_FLAG_ERROR), "after errflag");
    q = bufdesc(b.index);
    xioctl(fd, VIDIOC_QBUF, &q);
    control("eio 0 1\n");
    CHECK(poll1(fd, 1000) & POLLIN, "poll before eio");
    b = bufdesc(0);
    CHECK(fails_with(fd, VIDIOC_DQBUF, &b, EIO), "DQBUF eio");
    CHECK(next_frame(fd, &b) == 0, "frame after eio");
    q = bufdesc(b.index);
    CHECK(xioctl(fd, VIDIOC_QBUF, &q) == 0, "requeue after eio");

    /* Stall: nothing comes, a signal interrupts an endless poll. */
    control("stall 0 1\n");
    while (poll1(fd, 0) & POLLIN) { b = bufdesc(0); if (!xioctl(fd, VIDIOC_DQBUF, &b)) { q = bufdesc(b.index); xioctl(fd, VIDIOC_QBUF, &q); } }
    int64_t t = now_ms();
    CHECK(poll1(fd, 300) == 0, "poll times out while stalled");
    CHECK(now_ms() - t >= 290, "poll slept %lld ms", (long long)(now_ms() - t));
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    errno = 0;
    CHECK(poll1(fd, -1) == -1 && errno == EINTR, "endless poll interrupted");
    control("stall 0 0\n");
    CHECK(next_frame(fd, &b) == 0, "frame after the stall");
    q = bufdesc(b.index);
    xioctl(fd, VIDIOC_QBUF, &q);

    /* STREAMOFF dequeues everything. */
    CHECK(xioctl(fd, VIDIOC_STREAMOFF, &typ) == 0, "STREAMOFF");
    b = bufdesc(0);
    CHECK(xioctl(fd, VIDIOC_QUERYBUF, &b) == 0 && !(b.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)), "QUERYBUF after STREAMOFF 0x%x", b.flags);
    CHECK(fails_with(fd, VIDIOC_DQBUF, &b, EINVAL), "DQBUF after STREAMOFF");
    CHECK(poll1(fd, 0) & POLLERR, "poll after STREAMOFF");

    /* Busy: another open of the same device, then another "process". */
    int fd2 = open("/dev/video0", O_RDWR | O_NONBLOCK);
    CHECK(fd2 >= 0 && xioctl(fd2, VIDIOC_QUERYCAP, &cap) == 0, "second open");
    CHECK(fails_with(fd2, VIDIOC_S_FMT, &f, EBUSY), "S_FMT on a second fd");
    close(fd2);
    int fdb = open("/dev/video2", O_RDWR);
    CHECK(fdb >= 0, "open /dev/video2");
    control("busy 2 1\n");
    struct v4l2_format fb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
    CHECK(xioctl(fdb, VIDIOC_QUERYCAP, &cap) == 0 && xioctl(fdb, VIDIOC_G_FMT, &fb) == 0, "busy: queries work");
    CHECK(fails_with(fdb, VIDIOC_S_FMT, &fb, EBUSY), "busy: S_FMT");
    struct v4l2_requestbuffers rb = { .count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
    CHECK(fails_with(fdb, VIDIOC_REQBUFS, &rb, EBUSY), "busy: REQBUFS");
    control("busy 2 0\n");
    CHECK(xioctl(fdb, VIDIOC_S_FMT, &fb) == 0 && fb.fmt.pix.pixelformat == V4L2_PIX_FMT_YUYV, "not busy: S_FMT");

    /* A blocking fd: DQBUF waits for the frame (YUYV 320x240 at 15 fps). */
    struct stream sb = { .fd = fdb };
    setup_buffers(&sb, 1);
    CHECK(sb.n == 2, "REQBUFS 1 gives 2, got %u", sb.n);
    CHECK(xioctl(fdb, VIDIOC_STREAMON, &typ) == 0, "STREAMON video2");
    t = now_ms();
    b = bufdesc(0);
    CHECK(xioctl(fdb, VIDIOC_DQBUF, &b) == 0 && b.bytesused == 320 * 240 * 2, "blocking DQBUF");
    CHECK(now_ms() - t >= 50, "blocking DQBUF waited %lld ms", (long long)(now_ms() - t));
    close(fdb);

    /* Unplug while streaming, then replug. */
    setup_buffers(&s, 4);   /* frees the old buffers and makes new ones */
    CHECK(xioctl(fd, VIDIOC_STREAMON, &typ) == 0, "STREAMON again");
    CHECK(next_frame(fd, &b) == 0, "frame before unplug");
    control("present 0 0\n");
    CHECK(poll1(fd, 1000) == (POLLERR | POLLHUP), "poll on an unplugged device");
    CHECK(fails_with(fd, VIDIOC_QUERYCAP, &cap, ENODEV), "QUERYCAP unplugged");
    CHECK(fails_with(fd, VIDIOC_STREAMOFF, &typ, ENODEV), "STREAMOFF unplugged");
    struct v4l2_requestbuffers rb0 = { .count = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
    CHECK(fails_with(fd, VIDIOC_REQBUFS, &rb0, ENODEV), "REQBUFS 0 unplugged");
    CHECK(!listed("video0") && listed("video2"), "video0 gone from /dev");
    errno = 0;
    CHECK(open("/dev/video0", O_RDWR) == -1 && errno == ENOENT, "open unplugged");
    CHECK(open("/sys/class/video4linux/video0/name", O_RDONLY) == -1 && errno == ENOENT, "sysfs name unplugged");
    CHECK(stat("/dev/video0", &st) == -1 && errno == ENOENT, "stat unplugged");
    control("present 0 1\n");
    CHECK(listed("video0"), "video0 back in /dev");
    CHECK(fails_with(fd, VIDIOC_QUERYCAP, &cap, ENODEV), "old fd still dead after replug");
    CHECK(poll1(fd, 0) == (POLLERR | POLLHUP), "old fd poll after replug");
    int fd3 = open("/dev/video0", O_RDWR | O_NONBLOCK);
    CHECK(fd3 >= 0 && xioctl(fd3, VIDIOC_QUERYCAP, &cap) == 0, "new open after replug");
    struct stream s3 = { .fd = fd3 };
    setup_buffers(&s3, 2);
    CHECK(xioctl(fd3, VIDIOC_STREAMON, &typ) == 0 && next_frame(fd3, &b) == 0, "stream after replug");
    for (uint32_t i = 0; i < s.n; i++) CHECK(munmap(s.mem[i], s.len) == 0, "munmap %u", i);
    for (uint32_t i = 0; i < s3.n; i++) CHECK(munmap(s3.mem[i], s3.len) == 0, "munmap %u", i);
    CHECK(close(fd) == 0 && close(fd3) == 0, "close");

    /* The event log. */
    snprintf(path, sizeof path, "%s/emu.log", dir);
    char *log = (char *)slurp(path, &n);
    static const char *want[] = {
        " open video0 fd=", " s_fmt video0 MJPG 1280x720\n", " s_fmt video0 MJPG 640x480\n",
        " s_parm video0 15\n", " s_parm video0 30\n", " reqbufs video0 4\n", " streamon video0 MJPG 640x480 30\n",
        " frame video0 seq=0 bytes=", " eio video0\n", " streamoff video0\n", " busy video0 S_FMT\n",
        " busy video2 S_FMT\n", " busy video2 REQBUFS\n", " unplugged video0\n", " open-failed video0 ENOENT\n",
        " replugged video0\n", " reqbufs video2 2\n", " streamon video2 YUYV 320x240 15\n", " close video0 fd=",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(log && strstr(log, want[i]), "log line '%s'", want[i]);

    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
