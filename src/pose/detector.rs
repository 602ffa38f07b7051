//! Pose detector post-processing: SSD anchors, box/keypoint decoding, weighted
//! non-maximum suppression and letterbox removal, exactly as MediaPipe's
//! `pose_detection` graph does it (`SsdAnchorsCalculator`,
//! `TensorsToDetectionsCalculator`, `NonMaxSuppressionCalculator`,
//! `DetectionLetterboxRemovalCalculator`).
//!
//! Everything here works on buffers owned by [`DetectorDecoder`], allocated once.

/// Side of the detector's square input, in pixels.
pub const DETECTOR_SIZE: usize = 224;
/// Number of SSD anchors (28²·2 + 14²·2 + 7²·6).
pub const NUM_ANCHORS: usize = 2254;
/// Values per anchor in the box regressor: box (4) + 4 keypoints × (x, y).
pub const NUM_COORDS: usize = 12;

const MIN_SCORE: f32 = 0.5;
const SCORE_CLIP: f32 = 100.0;
const NMS_IOU: f32 = 0.3;

/// One person detection in normalised image coordinates (0..1 of the original frame).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// xmin, ymin, xmax, ymax.
    pub bbox: [f32; 4],
    /// kp0 = hip centre, kp1 = point fixing scale and rotation; kp2/kp3 unused by the pose graph.
    pub keypoints: [[f32; 2]; 4],
}

/// Anchor centres, computed once the way `SsdAnchorsCalculator` does for the
/// pose graph's options (fixed anchor size, so only the centres matter).
pub fn ssd_anchors() -> Vec<[f32; 2]> {
    const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];
    let mut anchors = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        // Consecutive layers with the same stride share one grid; each layer
        // adds two anchors per cell (aspect 1.0 plus the interpolated scale).
        let mut last = layer;
        let mut per_cell = 0;
        while last < STRIDES.len() && STRIDES[last] == STRIDES[layer] {
            per_cell += 2;
            last += 1;
        }
        let grid = DETECTOR_SIZE.div_ceil(STRIDES[layer]);
        for y in 0..grid {
            for x in 0..grid {
                for _ in 0..per_cell {
                    anchors.push([(x as f32 + 0.5) / grid as f32, (y as f32 + 0.5) / grid as f32]);
                }
            }
        }
        layer = last;
    }
    anchors
}

/// Decodes raw detector output into detections; reuses its buffers per frame.
pub struct DetectorDecoder {
    anchors: Vec<[f32; 2]>,
    candidates: Vec<Detection>,
    remaining: Vec<Detection>,
    kept: Vec<Detection>,
    detections: Vec<Detection>,
}

impl Default for DetectorDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DetectorDecoder {
    pub fn new() -> Self {
        Self {
            anchors: ssd_anchors(),
            candidates: Vec::with_capacity(NUM_ANCHORS),
            remaining: Vec::with_capacity(NUM_ANCHORS),
            kept: Vec::with_capacity(NUM_ANCHORS),
            detections: Vec::with_capacity(NUM_ANCHORS),
        }
    }

    /// Decodes `boxes` (`[2254, 12]`) and `scores` (`[2254]` logits) from a
    /// letterboxed input of a `width`×`height` frame. Returns the detections
    /// after weighted NMS, best first, in normalised frame coordinates.
    pub fn decode(&mut self, boxes: &[f32], scores: &[f32], width: u32, height: u32) -> &[Detection] {
        self.candidates.clear();
        let scale = DETECTOR_SIZE as f32;
        for (i, (anchor, raw)) in self.anchors.iter().zip(boxes.chunks_exact(NUM_COORDS)).enumerate() {
            let score = sigmoid(scores[i].clamp(-SCORE_CLIP, SCORE_CLIP));
            if score < MIN_SCORE {
                continue;
            }
            // Fixed-size anchors: w = h = 1, so offsets are plain 224-px fractions.
            let xc = raw[0] / scale + anchor[0];
            let yc = raw[1] / scale + anchor[1];
            let w = raw[2] / scale;
            let h = raw[3] / scale;
            let mut keypoints = [[0.0; 2]; 4];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                kp[0] = raw[4 + 2 * k] / scale + anchor[0];
                kp[1] = raw[5 + 2 * k] / scale + anchor[1];
            }
            self.candidates.push(Detection {
                score,
                bbox: [xc - w / 2.0, yc - h / 2.0, xc + w / 2.0, yc + h / 2.0],
                keypoints,
            });
        }
        self.weighted_nms();
        remove_letterbox(&mut self.detections, width, height);
        &self.detections
    }

    /// MediaPipe's WEIGHTED non-max suppression: each kept detection is the
    /// score-weighted mean of everything overlapping the best remaining one.
    fn weighted_nms(&mut self) {
        self.detections.clear();
        // Stable sort by descending score, as MediaPipe does.
        self.candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        std::mem::swap(&mut self.remaining, &mut self.candidates);
        while let Some(&top) = self.remaining.first() {
            self.kept.clear();
            let mut total = 0.0;
            let mut bbox = [0.0f32; 4];
            let mut keypoints = [[0.0f32; 2]; 4];
            for d in &self.remaining {
                if iou(&top.bbox, &d.bbox) > NMS_IOU {
                    total += d.score;
                    for (acc, v) in bbox.iter_mut().zip(d.bbox) {
                        *acc += v * d.score;
                    }
                    for (acc, kp) in keypoints.iter_mut().zip(d.keypoints) {
                        acc[0] += kp[0] * d.score;
                        acc[1] += kp[1] * d.score;
                    }
                } else {
                    self.kept.push(*d);
                }
            }
            let mut merged = top;
            if total > 0.0 {
                merged.bbox = bbox.map(|v| v / total);
                merged.keypoints = keypoints.map(|[x, y]| [x / total, y / total]);
            }
            self.detections.push(merged);
            if self.kept.len() == self.remaining.len() {
                // The top box did not even overlap itself (degenerate box): drop it.
                self.kept.remove(0);
            }
            std::mem::swap(&mut self.remaining, &mut self.kept);
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Maps coordinates from the square letterboxed input back to the frame.
fn remove_letterbox(detections: &mut [Detection], width: u32, height: u32) {
    let side = width.max(height) as f32;
    let pad_x = (1.0 - width as f32 / side) / 2.0;
    let pad_y = (1.0 - height as f32 / side) / 2.0;
    let fx = |x: f32| (x - pad_x) / (1.0 - 2.0 * pad_x);
    let fy = |y: f32| (y - pad_y) / (1.0 - 2.0 * pad_y);
    for d in detections {
        d.bbox = [fx(d.bbox[0]), fy(d.bbox[1]), fx(d.bbox[2]), fy(d.bbox[3])];
        for kp in &mut d.keypoints {
            *kp = [fx(kp[0]), fy(kp[1])];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_the_model_output_count_and_layout() {
        let a = ssd_anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        // First stride-8 cell holds two anchors at (0.5/28, 0.5/28).
        assert_eq!(a[0], [0.5 / 28.0, 0.5 / 28.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], [1.5 / 28.0, 0.5 / 28.0]);
        // Stride 16 starts after 28·28·2 anchors; stride 32 has 6 per cell.
        assert_eq!(a[1568], [0.5 / 14.0, 0.5 / 14.0]);
        assert_eq!(a[1960], [0.5 / 7.0, 0.5 / 7.0]);
        assert_eq!(a[1965], [0.5 / 7.0, 0.5 / 7.0]);
        assert_eq!(a[1966], [1.5 / 7.0, 0.5 / 7.0]);
    }

    fn raw_box(dx: f32, dy: f32, w: f32, h: f32) -> [f32; NUM_COORDS] {
        let mut r = [0.0; NUM_COORDS];
        r[..4].copy_from_slice(&[dx, dy, w, h]);
        for k in 0..4 {
            r[4 + 2 * k] = dx + k as f32;
            r[5 + 2 * k] = dy;
        }
        r
    }

    #[test]
    fn decodes_and_merges_overlapping_boxes_by_score() {
        let mut boxes = vec![0.0; NUM_ANCHORS * NUM_COORDS];
        let mut scores = vec![-10.0; NUM_ANCHORS];
        // Two overlapping boxes on anchors 0 and 1 (same centre), one far away on anchor 2000.
        boxes[..12].copy_from_slice(&raw_box(0.0, 0.0, 40.0, 40.0));
        boxes[12..24].copy_from_slice(&raw_box(4.0, 0.0, 40.0, 40.0));
        boxes[2000 * 12..2001 * 12].copy_from_slice(&raw_box(0.0, 0.0, 30.0, 30.0));
        scores[0] = 2.0;
        scores[1] = 0.0; // sigmoid 0.5, kept (>=)
        scores[2000] = 1.0;
        let mut dec = DetectorDecoder::new();
        let dets = dec.decode(&boxes, &scores, 224, 224).to_vec();
        assert_eq!(dets.len(), 2);
        let s0 = sigmoid(2.0);
        assert_eq!(dets[0].score, s0);
        // Centre x is the score-weighted mean of 0 and 4 px offsets.
        let want = (0.5 / 28.0) + (4.0 / 224.0) * 0.5 / (s0 + 0.5);
        let cx = (dets[0].bbox[0] + dets[0].bbox[2]) / 2.0;
        assert!((cx - want).abs() < 1e-6, "{cx} vs {want}");
        assert_eq!(dets[1].score, sigmoid(1.0));
    }

    #[test]
    fn letterbox_removal_stretches_the_short_axis() {
        let mut d = [Detection { score: 1.0, bbox: [0.5, 0.125, 0.5, 0.875], keypoints: [[0.5, 0.5]; 4] }];
        // 640×320: content fills y in [0.25, 0.75] of the square.
        remove_letterbox(&mut d, 640, 320);
        assert!((d[0].bbox[1] - (-0.25)).abs() < 1e-6);
        assert!((d[0].bbox[3] - 1.25).abs() < 1e-6);
        assert_eq!(d[0].keypoints[0], [0.5, 0.5]);
    }
}
