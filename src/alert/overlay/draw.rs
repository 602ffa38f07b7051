//! What the overlay draws at a given level, as rectangles and pixel values:
//! no X11 here, so the shapes are unit-tested. A glow is rings of falling
//! opacity from each monitor's edge inwards (or, without a compositor, one
//! opaque strip per edge); a dim is one translucent black sheet.

/// A monitor's area on the X screen, or a rectangle to fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    pub x: i16,
    pub y: i16,
    pub w: u16,
    pub h: u16,
}

/// The glow's colour: a warm amber, readable on light and dark screens.
pub const AMBER: (u8, u8, u8) = (255, 140, 20);
/// Rings per glow: enough for a smooth fall-off, few enough to draw in a
/// handful of requests.
pub const RINGS: usize = 16;
/// The dim's opacity at full level: the screen stays readable.
const DIM_MAX: f32 = 0.45;
/// The glow's opacity at the very edge at full level.
const GLOW_MAX: f32 = 0.85;

/// The widest the glow gets on a monitor: a twelfth of its short side,
/// 24 to 120 pixels.
pub fn max_width(m: Area) -> u16 {
    (m.w.min(m.h) / 12).clamp(24, 120)
}

/// The four strips `width` pixels wide along `m`'s edges, `inset` pixels in.
pub fn frame(m: Area, inset: u16, width: u16) -> [Area; 4] {
    let (x, y) = (m.x.saturating_add(inset as i16), m.y.saturating_add(inset as i16));
    let w = m.w.saturating_sub(2 * inset);
    let h = m.h.saturating_sub(2 * inset);
    let width = width.min(w / 2).min(h / 2);
    let side_h = h.saturating_sub(2 * width);
    [
        Area { x, y, w, h: width },
        Area { x, y: y.saturating_add((h - width) as i16), w, h: width },
        Area { x, y: y.saturating_add(width as i16), w: width, h: side_h },
        Area {
            x: x.saturating_add((w - width) as i16),
            y: y.saturating_add(width as i16),
            w: width,
            h: side_h,
        },
    ]
}

/// The opacity of glow ring `i` (0 at the edge) at `level`: the band
/// reaches further in and gets stronger as the level grows, and every
/// ring is clear at level 0.
pub fn ring_alpha(i: usize, level: f32) -> f32 {
    let level = level.clamp(0.0, 1.0);
    // How far in the band reaches, in rings.
    let reach = level * RINGS as f32;
    let d = i as f32 + 0.5;
    if d >= reach {
        return 0.0;
    }
    let fall = 1.0 - d / reach;
    GLOW_MAX * (0.4 + 0.6 * level) * fall * fall
}

/// A 32-bit premultiplied ARGB pixel, as a compositor reads it.
pub fn argb(rgb: (u8, u8, u8), alpha: f32) -> u32 {
    let a = alpha.clamp(0.0, 1.0);
    let c = |v: u8| (f32::from(v) * a).round() as u32;
    ((a * 255.0).round() as u32) << 24 | c(rgb.0) << 16 | c(rgb.1) << 8 | c(rgb.2)
}

/// The dim sheet's pixel at `level`.
pub fn dim_pixel(level: f32) -> u32 {
    argb((0, 0, 0), DIM_MAX * level.clamp(0.0, 1.0))
}

/// Without a compositor: the width of the opaque strips at `level`, a third
/// of the glow's reach (an opaque band is much louder than a soft one).
pub fn strip_width(m: Area, level: f32) -> u16 {
    let w = (f32::from(max_width(m)) / 3.0 * level.clamp(0.0, 1.0)).round() as u16;
    if level > 0.0 { w.max(4) } else { 0 }
}

/// Levels differ only when the drawing would: 1/64 steps.
pub fn quantize(level: f32) -> u8 {
    (level.clamp(0.0, 1.0) * 64.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Area = Area { x: 0, y: 0, w: 1024, h: 768 };

    #[test]
    fn the_frame_covers_each_edge_once_and_never_the_centre() {
        let strips = frame(M, 0, 40);
        let area: u32 = strips.iter().map(|a| u32::from(a.w) * u32::from(a.h)).sum();
        assert_eq!(area, 1024 * 768 - 944 * 688, "the ring's area, no overlaps");
        let inside =
            |a: &Area, x: i16, y: i16| x >= a.x && y >= a.y && x < a.x + a.w as i16 && y < a.y + a.h as i16;
        assert!(strips.iter().all(|a| !inside(a, 512, 384)));
        for (x, y) in [(0, 0), (1023, 767), (0, 400), (1023, 100), (500, 0), (500, 767)] {
            assert_eq!(strips.iter().filter(|a| inside(a, x, y)).count(), 1, "({x}, {y})");
        }
        // A second monitor to the right keeps its own edges.
        let right = frame(Area { x: 1024, y: 0, w: 800, h: 600 }, 10, 5);
        assert_eq!((right[0].x, right[0].y, right[0].w), (1034, 10, 780));
    }

    #[test]
    fn the_glow_grows_inwards_and_is_clear_at_zero() {
        assert!((0..RINGS).all(|i| ring_alpha(i, 0.0) == 0.0));
        let reach = |l: f32| (0..RINGS).filter(|&i| ring_alpha(i, l) > 0.0).count();
        assert!(reach(0.3) < reach(0.6) && reach(0.6) < reach(1.0), "reach grows");
        assert_eq!(reach(1.0), RINGS);
        assert!(ring_alpha(0, 0.3) < ring_alpha(0, 1.0), "the edge strengthens");
        assert!((1..RINGS).all(|i| ring_alpha(i, 1.0) < ring_alpha(i - 1, 1.0)), "falls off inwards");
    }

    #[test]
    fn pixels_are_premultiplied() {
        assert_eq!(argb(AMBER, 1.0), 0xFFFF_8C14);
        assert_eq!(argb(AMBER, 0.0), 0);
        assert_eq!(argb((255, 255, 255), 0.5) >> 24, 128);
        assert_eq!(argb((255, 255, 255), 0.5) & 0xFF, 128);
        assert_eq!(dim_pixel(1.0) & 0x00FF_FFFF, 0, "black");
        assert_eq!(dim_pixel(0.0), 0);
    }

    #[test]
    fn strips_and_widths_follow_the_monitor() {
        assert_eq!(max_width(M), 64);
        assert_eq!(max_width(Area { x: 0, y: 0, w: 200, h: 100 }), 24);
        assert_eq!(strip_width(M, 0.0), 0);
        assert_eq!(strip_width(M, 0.01), 4);
        assert_eq!(strip_width(M, 1.0), 21);
        assert_eq!(quantize(0.5), 32);
    }
}
