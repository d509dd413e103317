"""Reading audio files that libsndfile cannot: any format through ffmpeg (imageio-ffmpeg's, with libmp3lame).

Shared by the packs (their samples, read within bounds by lofipress.packs.samples) and the sound stage (the MP3s it
wrote, checked by lofipress.sound.encode), below both.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from .errors import AudioError

def ffmpeg_exe() -> str:
    """The ffmpeg bundled with imageio-ffmpeg (a user's machine may have no system ffmpeg)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def decode(path: str | Path, channels: int | None = None) -> tuple[np.ndarray, int]:
    """Decode any audio file with ffmpeg to float32 (n, channels) and its sample rate."""
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path)]
    if channels:
        cmd += ["-ac", str(channels)]
    cmd += ["-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True)
    err = proc.stderr.decode(errors="replace")
    found = re.search(r"Audio: .*?(\d+) Hz, (mono|stereo|(\d+) channels)", err)
    if proc.returncode != 0 or not found:
        raise AudioError("ffmpeg could not decode it", path, "is it really audio?")
    sr = int(found.group(1))
    if not channels:
        channels = {"mono": 1, "stereo": 2}.get(found.group(2)) or int(found.group(3))
    data = np.frombuffer(proc.stdout, dtype=np.float32)
    return data[: len(data) // channels * channels].reshape(-1, channels).copy(), sr
