"""Writes assets/alert.wav: a soft two-note chime (0.45 s, 22.05 kHz, 16-bit mono), made
for headsup so the project ships a sound it may redistribute. Standard library only.

    python3 scripts/make_alert_sound.py
"""
import math
import pathlib
import struct
import wave

RATE = 22050
OUT = pathlib.Path(__file__).resolve().parent.parent / "assets" / "alert.wav"


def note(freq, secs, start):
    n = int(RATE * secs)
    for i in range(n):
        t = i / RATE
        env = min(1.0, t / 0.01) * math.exp(-t * 7.0)  # quick attack, bell-like decay
        yield start + i, 0.35 * env * (math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t))


samples = [0.0] * int(RATE * 0.45)
for f, s, at in [(880.0, 0.3, 0.0), (1318.5, 0.3, 0.15)]:
    for i, v in note(f, s, int(RATE * at)):
        if i < len(samples):
            samples[i] += v
with wave.open(str(OUT), "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, v)) * 32000)) for v in samples))
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
