"""Audio that libsndfile cannot read: AAC in .m4a, .mp4 or .aac files (what a phone or GarageBand exports).

pydub's AudioSegment decodes them through the ffmpeg of imageio-ffmpeg (no system ffmpeg needed). Its own
probe wants ffprobe, which that wheel lacks, so the AAC decoder is named instead of probed for. `pack import`
converts such files to FLAC; a pack itself holds WAV, FLAC, OGG or MP3 only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

FOREIGN_SUFFIXES = (".m4a", ".mp4", ".aac")
_CODEC = "aac"  # every suffix above holds AAC (an Apple Lossless .m4a fails to decode, and is named as such)


def read(path: Path) -> tuple[np.ndarray, int]:
    """Decode to float32 (n, channels) in [-1, 1] and the file's sample rate.

    Raises:
        Exception: whatever pydub or ffmpeg raise for a file they cannot decode (callers name the file).
    """
    import warnings

    import imageio_ffmpeg

    with warnings.catch_warnings():  # at import pydub looks for an ffmpeg on PATH, and warns where there is none
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    seg = AudioSegment.from_file(str(path), codec=_CODEC)
    full_scale = float(1 << (8 * seg.sample_width - 1))
    data = np.asarray(seg.get_array_of_samples(), dtype=np.float32).reshape(-1, seg.channels) / full_scale
    if not len(data):
        raise ValueError("no audio in the file")
    return data, int(seg.frame_rate)
