"""MediaPipe's own cost per webcam frame, on the frames headsup is measured with.

    python scripts/mediapipe_cpu.py FRAME.jpg [FRAME.jpg ...]

The frames are cycled as a camera would deliver them: each JPEG is decoded
by OpenCV (as cv2.VideoCapture decodes MJPEG), converted to RGB and given to
mp.solutions.pose (full model, tracking: the webcam case). After 10 warm-up
frames, 200 frames are timed. Prints the median wall time and the mean CPU
time (all of MediaPipe's threads) per frame, and what that CPU time is as a
share of one core at 2 frames a second. Needs mediapipe 0.10.21 (see
scripts/cpu_share.sh, which makes the venv).
"""
import statistics
import sys
import time

import cv2
import mediapipe as mp
import numpy as np

WARMUP, TIMED = 10, 200


def main():
    jpegs = [np.fromfile(p, dtype=np.uint8) for p in sys.argv[1:]]
    if not jpegs:
        sys.exit("usage: mediapipe_cpu.py FRAME.jpg [FRAME.jpg ...]")
    walls, cpus, found = [], [], 0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1,
                                enable_segmentation=False, min_detection_confidence=0.5) as pose:
        for i in range(WARMUP + TIMED):
            w0, c0 = time.perf_counter(), time.process_time()
            frame = cv2.cvtColor(cv2.imdecode(jpegs[i % len(jpegs)], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            result = pose.process(frame)
            w1, c1 = time.perf_counter(), time.process_time()
            if i >= WARMUP:
                walls.append((w1 - w0) * 1000)
                cpus.append((c1 - c0) * 1000)
                found += result.pose_landmarks is not None
    cpu = statistics.mean(cpus)
    print(f"mediapipe {mp.__version__}: median {statistics.median(walls):.1f} ms a frame, "
          f"{cpu:.1f} ms CPU a frame = {cpu * 2 / 10:.1f}% of one core at 2 fps "
          f"(person in {found} of {TIMED} frames)")


if __name__ == "__main__":
    main()
