"""A pack's audio, read within bounds: one file decoded to float32 at the build's rate.

Every limit is checked before anything is allocated (a header that claims 2 GB is refused, not believed),
and every failure, whatever library raised it, is a PackError naming the file and the fix. The build, `pack
check` and `pack import` all read samples here, so they meet the same errors.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ..core.errors import PackError
from .foreign_audio import FOREIGN_SUFFIXES

MAX_SAMPLE_FILE_MB = 100  # a 10-minute 48 kHz stereo float WAV is ~230 MB; a pack's beds are under 5 minutes
MAX_SAMPLE_SECONDS = 600  # the longest sample a pack may hold (ambience beds loop every 12 bars)
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8000, 192000  # what real recorders write
CHECK_RATE = 44100  # pack check decodes at the build's rate, so it meets every error the build would


def audio_files(pack) -> list[Path]:
    """Every audio file the pack names, once each."""
    files = [z.file for i in pack.instruments.values() for z in i.zones] + list(pack.kit.values())
    files += [x.file for x in (*pack.drum_loops, *pack.ambience, *pack.quotes)]
    return sorted(set(files))


@functools.lru_cache(maxsize=512)  # a zone or a kit voice is read once per process, whatever plays it
def load_audio(path: Path, sample_rate: int) -> np.ndarray:
    """Decode one file to float32 (n, channels) at sample_rate.

    Raises:
        PackError: the file is too large or too long, its header is absurd (a sample rate of 1 Hz, a
            length the file cannot hold), it does not decode to the end, or it holds NaN or infinity.
            The sizes are checked before anything is allocated: a header is never trusted for that.
    """
    from math import gcd

    from scipy.signal import resample_poly

    try:
        size_mb = path.stat().st_size / 1e6
    except (OSError, ValueError) as exc:
        raise PackError(f"cannot read the file ({exc.__class__.__name__})", path, "check the file is there") from None
    if size_mb > MAX_SAMPLE_FILE_MB:
        raise PackError(f"the file is {size_mb:.0f} MB (a pack sample may be {MAX_SAMPLE_FILE_MB} MB)", path,
                        f"trim it to under {MAX_SAMPLE_SECONDS // 60} minutes or compress it")
    try:
        if path.suffix.lower() == ".mp3":
            from ..core.audiofile import decode

            data, sr = decode(path)
        elif path.suffix.lower() in FOREIGN_SUFFIXES:  # AAC: only `pack import` meets these, and converts them
            from .foreign_audio import read

            data, sr = read(path)
        else:
            import soundfile as sf

            _check_wav_length(path)
            info = sf.info(str(path))
            seconds = info.frames / info.samplerate if info.samplerate else float("inf")
            if not MIN_SAMPLE_RATE <= info.samplerate <= MAX_SAMPLE_RATE or seconds > MAX_SAMPLE_SECONDS:
                raise PackError(f"the header says {info.frames} frames at {info.samplerate} Hz, which no sample is",
                                path, "re-export it at 44.1 or 48 kHz, under "
                                      f"{MAX_SAMPLE_SECONDS // 60} minutes")
            data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except PackError:
        raise
    except Exception as exc:  # noqa: BLE001 - libsndfile and ffmpeg raise their own kinds: each is a bad file
        raise PackError(f"does not decode ({_first_line(exc)})", path, "re-export it as WAV, FLAC or OGG") from None
    if not np.isfinite(data).all():
        raise PackError("holds NaN or infinite samples", path, "re-export it from the original recording")
    clipped = clipped_share(data)
    if clipped > CLIPPED_SHARE_MAX:
        raise PackError(f"is clipped: {clipped:.1%} of its samples sit at full scale", path,
                        "export it again from the original recording, a few dB lower")
    if sr != sample_rate:
        g = gcd(sr, sample_rate)
        data = resample_poly(data, sample_rate // g, sr // g, axis=0).astype(np.float32)
    data.setflags(write=False)
    return data


BED_MIN_RMS_DBFS = -50.0  # an ambience bed quieter than this is an export mistake: mastering would lift its noise
# A note, hit or loop is judged by its peak, not its RMS: a soft piano note with a long decay peaks at -27 to -42
# dBFS and its RMS falls under -60 while it rings, yet it plays; one that never rises over -50 dBFS is an export
# mistake. The same rules hold in `pack check`, `pack import` and the build (lofipress.packs.samples).
NOTE_MIN_PEAK_DBFS = -50.0
CLIPPED_SHARE_MAX = 0.001  # over 0.1 % of a file's samples at full scale: it was clipped on the way out
FULL_SCALE = 0.9999  # 16-bit full scale reads as 32767/32768 = 0.99997


def clipped_share(audio: np.ndarray) -> float:
    """The share of samples (over channels) at full scale, in the file's own rate: a clip is a run of them."""
    return float(np.mean(np.abs(audio) >= FULL_SCALE)) if audio.size else 0.0


def peak_db(audio: np.ndarray) -> float:
    return float(20 * np.log10(max(float(np.abs(audio).max()) if audio.size else 0.0, 1e-12)))


def level_problem(audio: np.ndarray, kind: str) -> str | None:
    """Why a decoded file is too quiet to use as `kind` ("ambience": a bed, by its RMS; anything else by its
    peak), or None."""
    if kind == "ambience":
        level = rms_db(audio)
        if level < BED_MIN_RMS_DBFS:
            return f"near silent ({level:.0f} dBFS RMS, a bed needs {BED_MIN_RMS_DBFS:.0f})"
        return None
    level = peak_db(audio)
    if level < NOTE_MIN_PEAK_DBFS:
        return f"near silent (peak {level:.0f} dBFS)"
    return None


def rms_db(audio: np.ndarray) -> float:
    """RMS level in dBFS, over every sample and channel (-240 for nothing or digital silence)."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    return float(20 * np.log10(max(rms, 1e-12)))


def load_bed(path: Path, sample_rate: int) -> np.ndarray:
    """An ambience bed, as load_audio reads it, refused when it is near silent, wherever it is read (pack check,
    the build): a bed at -100 dBFS would be mastered up by 80 dB into hiss and published as "Rain".

    Raises:
        PackError: as load_audio, or the bed's RMS is under BED_MIN_RMS_DBFS.
    """
    data = load_audio(path, sample_rate)
    why = level_problem(data, "ambience")
    if why:
        raise PackError(f"this ambience bed is {why}", path, "export it again at its real level")
    return data


WAV_STREAMING_SIZES = (0, 0xFFFFFFFF)  # what a recorder writes when it could not go back to fill in the size


def _check_wav_length(path: Path) -> None:
    """A WAV whose data chunk says more than the file holds is cut short (a copy that stopped, a crashed
    recorder): libsndfile would quietly read what is there, so a damaged sample would ship. Name it instead.

    Raises:
        PackError: the header's data size is more than the bytes after it.
    """
    import struct

    if path.suffix.lower() not in (".wav", ".wave"):
        return
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)  # the chunks before the audio; a data chunk further in is not a sample's
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return  # RF64, W64, AIFF in disguise: libsndfile judges those
    at = 12
    while at + 8 <= len(head):
        chunk, length = head[at:at + 4], struct.unpack("<I", head[at + 4:at + 8])[0]
        if chunk == b"data":
            held = size - (at + 8)
            if length not in WAV_STREAMING_SIZES and length > held:
                raise PackError(f"is cut short: its header says {length:,} bytes of audio, the file holds {held:,}",
                                path, "copy or export it again from the original")
            return
        at += 8 + length + (length & 1)  # chunks are padded to an even length


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0][:120]}" if text else exc.__class__.__name__


def stretch_loop(audio: np.ndarray, n_samples: int) -> np.ndarray:
    """Varispeed a loop to exactly n_samples (tempo and pitch move together, like pitching a break on a sampler).

    FFT resampling treats the loop as periodic, which it is: the seam stays clean.
    """
    from scipy.signal import resample

    return resample(audio, n_samples, axis=0).astype(np.float32)
