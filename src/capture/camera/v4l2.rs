//! Linux: the camera through V4L2, with the `v4l` crate for the device and
//! its format queries, and streaming written here, because what a webcam
//! hands back needs more than `v4l`'s stream gives: each buffer is as long
//! as the driver's `sizeimage` while the frame fills only its first
//! `bytesused` bytes, a buffer can come back flagged as corrupt, a camera
//! can stall (a poll with a timeout, and no buffer queued twice after it),
//! and a newer frame may wait behind an older one (the queue is drained to
//! the newest).

use std::io;
use std::time::Duration;

use v4l::frameinterval::FrameIntervalEnum;
use v4l::framesize::FrameSizeEnum;
use v4l::v4l_sys::{
    V4L2_BUF_FLAG_ERROR, V4L2_CAP_DEVICE_CAPS, V4L2_CAP_VIDEO_CAPTURE,
    v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE, v4l2_buffer, v4l2_capability, v4l2_memory_V4L2_MEMORY_MMAP,
    v4l2_requestbuffers,
};
use v4l::video::Capture;
use v4l::video::capture::Parameters;
use v4l::{Format, FourCC, Fraction, v4l2};

use super::format::{Choice, Offered, PixelFormat};

/// Capture buffers asked of the driver: enough that the camera never waits
/// on us, few enough that draining to the newest stays cheap.
const BUFFERS: u32 = 4;

/// A capture node as listed in /dev (metadata nodes left out).
pub struct Node {
    pub index: u32,
}

/// The video capture nodes, by index. A UVC camera also makes a metadata
/// node (its `videoN+1`), which cannot stream pictures: those are skipped.
pub fn nodes() -> Vec<Node> {
    let mut out: Vec<Node> = v4l::context::enum_devices()
        .into_iter()
        .filter_map(|n| {
            let index = u32::try_from(n.index()).ok()?;
            let dev = v4l::Device::with_path(n.path()).ok()?;
            let caps = query_caps(&dev).ok()?;
            let caps = if caps.capabilities & V4L2_CAP_DEVICE_CAPS != 0 {
                caps.device_caps
            } else {
                caps.capabilities
            };
            (caps & V4L2_CAP_VIDEO_CAPTURE != 0).then_some(Node { index })
        })
        .collect();
    out.sort_by_key(|n| n.index);
    out
}

fn query_caps(dev: &v4l::Device) -> io::Result<v4l2_capability> {
    // SAFETY: an all-zero v4l2_capability is valid; the ioctl fills it.
    let mut caps: v4l2_capability = unsafe { std::mem::zeroed() };
    // SAFETY: VIDIOC_QUERYCAP writes one v4l2_capability through the pointer.
    unsafe { v4l2::ioctl(dev.handle().fd(), v4l2::vidioc::VIDIOC_QUERYCAP, (&raw mut caps).cast())? };
    Ok(caps)
}

/// One mapped capture buffer.
struct Mapped {
    ptr: *mut u8,
    len: usize,
    queued: bool,
}

/// A dequeued buffer: which one, and how much of it is the frame.
#[derive(Clone, Copy, Debug)]
struct Dequeued {
    index: usize,
    bytesused: usize,
    /// The driver flagged the frame as corrupt (`V4L2_BUF_FLAG_ERROR`).
    corrupt: bool,
}

/// An open camera, streaming once [`Device::start`] succeeded.
pub struct Device {
    dev: v4l::Device,
    buffers: Vec<Mapped>,
    streaming: bool,
}

impl Device {
    /// Opens `/dev/video{index}` (non-blocking; nothing streams yet).
    pub fn open(index: u32) -> io::Result<Self> {
        let dev = v4l::Device::new(index as usize)?;
        Ok(Self { dev, buffers: Vec::new(), streaming: false })
    }

    /// The camera's own name ("HD Pro Webcam C920").
    pub fn card(&self) -> String {
        query_caps(&self.dev)
            .map(|c| {
                let end = c.card.iter().position(|&b| b == 0).unwrap_or(c.card.len());
                String::from_utf8_lossy(&c.card[..end]).trim().to_string()
            })
            .unwrap_or_default()
    }

    /// Every size and rate of every readable format the camera offers.
    pub fn offered(&mut self) -> io::Result<Vec<Offered>> {
        let mut out = Vec::new();
        for desc in self.dev.enum_formats()? {
            let Some(format) = PixelFormat::from_fourcc(&desc.fourcc.repr) else { continue };
            for size in self.dev.enum_framesizes(desc.fourcc)? {
                for (width, height) in sizes(size.size) {
                    let rates = self
                        .dev
                        .enum_frameintervals(desc.fourcc, width, height)
                        .map(|ivs| ivs.into_iter().flat_map(|iv| rates(iv.interval)).collect())
                        .unwrap_or_default();
                    out.push(Offered { format, width, height, rates });
                }
            }
        }
        Ok(out)
    }

    /// Every format the camera offers by its code, readable or not
    /// ("H264, GREY"), to say what a camera without a readable one has.
    pub fn format_codes(&mut self) -> String {
        let codes: Vec<String> = self
            .dev
            .enum_formats()
            .map(|fs| fs.iter().map(|f| f.fourcc.to_string()).collect())
            .unwrap_or_default();
        if codes.is_empty() { "nothing".into() } else { codes.join(", ") }
    }

    /// Sets the format and rate, maps the buffers and starts streaming.
    /// Returns what the driver really set.
    pub fn start(&mut self, want: Choice) -> io::Result<Choice> {
        let fmt = Format::new(want.width, want.height, FourCC::new(&want.format.fourcc()));
        let got = self.dev.set_format(&fmt)?;
        let format = PixelFormat::from_fourcc(&got.fourcc.repr).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                format!("the camera switched to format {}", got.fourcc),
            )
        })?;
        let denominator = (want.fps * 1000.0).round() as u32;
        let params = self.dev.set_params(&Parameters::new(Fraction::new(1000, denominator.max(1))))?;
        let fps = match params.interval {
            Fraction { numerator: n, denominator: d } if n > 0 => f64::from(d) / f64::from(n),
            _ => want.fps,
        };
        self.map_buffers()?;
        for i in 0..self.buffers.len() {
            self.queue(i)?;
        }
        let mut typ = v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE;
        // SAFETY: VIDIOC_STREAMON reads one buffer type.
        unsafe { v4l2::ioctl(self.fd(), v4l2::vidioc::VIDIOC_STREAMON, (&raw mut typ).cast())? };
        self.streaming = true;
        Ok(Choice { format, width: got.width, height: got.height, fps })
    }

    fn fd(&self) -> i32 {
        self.dev.handle().fd()
    }

    fn map_buffers(&mut self) -> io::Result<()> {
        let mut req = v4l2_requestbuffers {
            count: BUFFERS,
            type_: v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE,
            memory: v4l2_memory_V4L2_MEMORY_MMAP,
            // SAFETY: the rest of the struct is plain integers.
            ..unsafe { std::mem::zeroed() }
        };
        // SAFETY: VIDIOC_REQBUFS reads and writes one v4l2_requestbuffers.
        unsafe { v4l2::ioctl(self.fd(), v4l2::vidioc::VIDIOC_REQBUFS, (&raw mut req).cast())? };
        for index in 0..req.count {
            let mut buf = buffer_desc(index);
            // SAFETY: VIDIOC_QUERYBUF reads and writes one v4l2_buffer.
            unsafe { v4l2::ioctl(self.fd(), v4l2::vidioc::VIDIOC_QUERYBUF, (&raw mut buf).cast())? };
            let len = buf.length as usize;
            // SAFETY: maps the driver's buffer at the offset it gave; unmapped in Drop.
            let ptr = unsafe {
                let offset = buf.m.offset;
                v4l2::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    self.fd(),
                    libc::off_t::from(offset),
                )?
            };
            self.buffers.push(Mapped { ptr: ptr.cast(), len, queued: false });
        }
        if self.buffers.is_empty() {
            return Err(io::Error::other("the camera gave no capture buffers"));
        }
        Ok(())
    }

    /// Gives buffer `index` back to the driver to fill.
    fn queue(&mut self, index: usize) -> io::Result<()> {
        let Some(b) = self.buffers.get_mut(index) else { return Ok(()) };
        if b.queued {
            return Ok(());
        }
        let mut desc = buffer_desc(index as u32);
        // SAFETY: VIDIOC_QBUF reads and writes one v4l2_buffer.
        unsafe { v4l2::ioctl(self.dev.handle().fd(), v4l2::vidioc::VIDIOC_QBUF, (&raw mut desc).cast())? };
        b.queued = true;
        Ok(())
    }

    /// Waits up to `timeout` for a frame and hands the newest one ready to
    /// `f` (older ready ones go straight back to the driver), then gives its
    /// buffer back. `None`: no frame came in time.
    pub fn with_frame<R>(
        &mut self,
        timeout: Duration,
        f: impl FnOnce(&[u8], bool) -> R,
    ) -> io::Result<Option<R>> {
        let Some(d) = self.wait(timeout)? else { return Ok(None) };
        let out = f(self.frame(&d), d.corrupt);
        self.queue(d.index)?;
        Ok(Some(out))
    }

    fn wait(&mut self, timeout: Duration) -> io::Result<Option<Dequeued>> {
        let mut pfd = libc::pollfd { fd: self.fd(), events: libc::POLLIN, revents: 0 };
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&raw mut pfd, 1, ms) } {
            -1 => {
                let e = io::Error::last_os_error();
                return if e.kind() == io::ErrorKind::Interrupted { Ok(None) } else { Err(e) };
            }
            0 => return Ok(None),
            _ => {}
        }
        if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0
            && pfd.revents & libc::POLLIN == 0
        {
            // What uvcvideo answers once the camera is unplugged.
            return Err(io::Error::from_raw_os_error(libc::ENODEV));
        }
        let mut newest = None;
        while let Some(d) = self.dequeue()? {
            if let Some(older) = newest.replace(d) {
                self.queue(older.index)?;
            }
        }
        Ok(newest)
    }

    /// One non-blocking DQBUF; `None` when no buffer is done.
    fn dequeue(&mut self) -> io::Result<Option<Dequeued>> {
        let mut desc = buffer_desc(0);
        // SAFETY: VIDIOC_DQBUF reads and writes one v4l2_buffer.
        match unsafe { v4l2::ioctl(self.fd(), v4l2::vidioc::VIDIOC_DQBUF, (&raw mut desc).cast()) } {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        }
        let index = desc.index as usize;
        let Some(b) = self.buffers.get_mut(index) else {
            return Err(io::Error::other(format!("the driver returned unknown buffer {index}")));
        };
        b.queued = false;
        Ok(Some(Dequeued {
            index,
            bytesused: (desc.bytesused as usize).min(b.len),
            corrupt: desc.flags & V4L2_BUF_FLAG_ERROR != 0,
        }))
    }

    /// The frame's bytes: the start of its buffer, `bytesused` long.
    fn frame(&self, d: &Dequeued) -> &[u8] {
        match self.buffers.get(d.index) {
            // SAFETY: the mapping lives as long as self, and the driver does
            // not write a buffer while it is dequeued.
            Some(b) => unsafe { std::slice::from_raw_parts(b.ptr, d.bytesused.min(b.len)) },
            None => &[],
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // Errors are ignored: an unplugged camera answers ENODEV to all of it.
        if self.streaming {
            let mut typ = v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE;
            // SAFETY: VIDIOC_STREAMOFF reads one buffer type.
            let _ = unsafe { v4l2::ioctl(self.fd(), v4l2::vidioc::VIDIOC_STREAMOFF, (&raw mut typ).cast()) };
        }
        for b in self.buffers.drain(..) {
            // SAFETY: each mapping was made by map_buffers with this length.
            let _ = unsafe { v4l2::munmap(b.ptr.cast(), b.len) };
        }
        let mut req = v4l2_requestbuffers {
            count: 0,
            type_: v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE,
            memory: v4l2_memory_V4L2_MEMORY_MMAP,
            // SAFETY: plain integers.
            ..unsafe { std::mem::zeroed() }
        };
        // SAFETY: VIDIOC_REQBUFS with count 0 frees the buffers.
        let _ = unsafe { v4l2::ioctl(self.fd(), v4l2::vidioc::VIDIOC_REQBUFS, (&raw mut req).cast()) };
        // The file descriptor is closed by v4l's Device.
    }
}

fn buffer_desc(index: u32) -> v4l2_buffer {
    v4l2_buffer {
        index,
        type_: v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE,
        memory: v4l2_memory_V4L2_MEMORY_MMAP,
        // SAFETY: the rest of v4l2_buffer is integers and a union of them.
        ..unsafe { std::mem::zeroed() }
    }
}

/// The sizes of one ENUM_FRAMESIZES entry. A stepwise range (rare on
/// webcams) is offered at its smallest, its 640x480 step and its largest,
/// not expanded into every step.
fn sizes(size: FrameSizeEnum) -> Vec<(u32, u32)> {
    match size {
        FrameSizeEnum::Discrete(d) => vec![(d.width, d.height)],
        FrameSizeEnum::Stepwise(s) => {
            let snap = |v: u32, min: u32, max: u32, step: u32| {
                let v = v.clamp(min, max);
                min + (v - min) / step.max(1) * step.max(1)
            };
            let mid = (
                snap(640, s.min_width, s.max_width, s.step_width),
                snap(480, s.min_height, s.max_height, s.step_height),
            );
            let mut v = vec![(s.min_width, s.min_height), mid, (s.max_width, s.max_height)];
            v.dedup();
            v
        }
    }
}

/// Frame rates (fps) of one ENUM_FRAMEINTERVALS entry.
fn rates(interval: FrameIntervalEnum) -> Vec<f64> {
    let fps = |f: Fraction| (f.numerator > 0).then(|| f64::from(f.denominator) / f64::from(f.numerator));
    match interval {
        FrameIntervalEnum::Discrete(f) => fps(f).into_iter().collect(),
        // The fastest and slowest ends of a continuous range.
        FrameIntervalEnum::Stepwise(s) => [fps(s.min), fps(s.max)].into_iter().flatten().collect(),
    }
}
