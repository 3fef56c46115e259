"""ffmpeg and PyAV: probe, hash, extract audio, detect speech, split, proxy."""
