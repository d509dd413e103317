"""MP3 through ffmpeg's libmp3lame, with the Xing/LAME Info header kept and every write checked.

The Info header carries encoder delay and padding, so browsers and ffmpeg trim
them and give back exactly the samples we wrote (FIELD-NOTES: without it the
audio starts 1105 samples late). Bit-exact flags make the same input give the
same bytes, so the build cache and git diffs stay quiet.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from .errors import AudioError


def ffmpeg_exe() -> str:
    """The ffmpeg bundled with imageio-ffmpeg (a user's machine may have no system ffmpeg)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def seam_jump(audio: np.ndarray) -> tuple[float, float]:
    """(|last - first| at the loop seam, largest sample-to-sample step inside the loop), worst channel."""
    x = audio.reshape(len(audio), -1)
    jump = float(np.max(np.abs(x[-1] - x[0])))
    step = float(np.max(np.abs(np.diff(x, axis=0)))) if len(x) > 1 else 0.0
    return jump, step


def lame_cmd(sample_rate: int, channels: int, quality: int, out: str | Path) -> list[str]:
    """ffmpeg reading float32 PCM on stdin and writing a bit-exact libmp3lame MP3 (VBR -V quality) to out."""
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "f32le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0",
            "-c:a", "libmp3lame", "-q:a", str(int(quality)),
            "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", "-f", "mp3", str(out)]


def write_mp3(audio: np.ndarray, sample_rate: int, path: str | Path, quality: int = 2, loop: bool = True) -> int:
    """Encode float audio to an MP3 at path and check it (see encode_checked); returns the bytes written."""
    encode_checked(audio, sample_rate, path, quality, loop)
    return Path(path).stat().st_size


DECODER_DELAY = 529  # samples an MP3 decoder puts before the first encoded one (LAME's 528 + 1)


def info_delay_padding(mp3: bytes) -> tuple[int, int] | None:
    """(encoder delay, padding) in samples from an MP3's Xing/LAME Info header, or None if it has none.

    Gapless decoders (ffmpeg and so every browser built on it, mpg123) drop
    delay + 529 samples at the start and padding - 529 at the end.
    """
    at = max(mp3.find(b"Info", 0, 2048), mp3.find(b"Xing", 0, 2048))
    if at < 0:
        return None
    flags = int.from_bytes(mp3[at + 4:at + 8], "big")
    lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    field = mp3[lame + 21:lame + 24]  # after the 9-byte encoder name and 12 bytes of levels and flags
    if len(field) < 3:
        return None
    packed = int.from_bytes(field, "big")
    return packed >> 12, packed & 0xFFF


def encode_checked(audio: np.ndarray, sample_rate: int, path: str | Path, quality: int = 2,
                   loop: bool = True) -> np.ndarray:
    """Encode float audio (n, channels) to an MP3 at path, decode it back and check it.

    The decoding runs while LAME encodes: ffmpeg's tee muxer writes the file
    (its Info header filled in at the end) and the same MP3 frames to a pipe, and
    a second ffmpeg decodes that stream on the other core. The stream has no Info
    header, so it is trimmed here by the file's: exactly what a gapless decoder
    does with the file (tested to give the same samples).

    Args:
        audio: float32 samples in [-1, 1], shape (n,) or (n, channels).
        sample_rate: rate of audio in Hz.
        path: MP3 to write (replaced atomically).
        quality: LAME VBR level (-V), 0 best.
        loop: also check that the decoded seam is no larger than the loop's largest step.
    Returns:
        The decoded MP3, float32 (n, channels): callers measure it instead of decoding again.
    Raises:
        AudioError: ffmpeg failed, the Info header is missing, the decoded length differs, or the seam clicks.
    """
    path = Path(path)
    x = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(len(audio), -1))
    channels = x.shape[1]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.mp3")
    try:
        stream = _encode_and_decode(x, sample_rate, quality, tmp)
        header = info_delay_padding(tmp.read_bytes()[:4096])
        if header is None:
            raise AudioError("the MP3 has no Xing/LAME Info header", path, "never pass -write_xing 0 to ffmpeg")
        delay, padding = header
        total = len(stream) // (4 * channels)
        if total - delay - padding != len(x):
            raise AudioError(f"decoded MP3 has {total - delay - padding} samples, expected {len(x)}", path,
                             "the Xing/LAME Info header must be kept")
        first = (delay + DECODER_DELAY) * channels
        decoded = np.frombuffer(stream, dtype=np.float32)[first:first + len(x) * channels].reshape(-1, channels)
        if loop and len(x) > 1:
            jump, step = seam_jump(decoded)
            if jump > step:
                raise AudioError(f"loop seam jumps by {jump:.4f}, more than the largest step {step:.4f}", path,
                                 "render the loop wrap-around")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return decoded


def _encode_and_decode(x: np.ndarray, sample_rate: int, quality: int, out: Path) -> bytearray:
    """Encode x to `out` and return the raw float32 decode of the same frames (no trimming), both at once."""
    channels = x.shape[1]
    tee = lame_cmd(sample_rate, channels, quality, out)
    tee[-3:] = ["-map", "0:a", "-f", "tee", f"[f=mp3]file\\:{_tee_escape(str(out.absolute()))}|[f=mp3]pipe:1"]
    dec = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "mp3", "-i", "pipe:0",
           "-ac", str(channels), "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]  # the channels we wrote
    with tempfile.TemporaryFile() as enc_err, tempfile.TemporaryFile() as dec_err:
        encoder = subprocess.Popen(tee, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=enc_err)
        decoder = subprocess.Popen(dec, stdin=encoder.stdout, stdout=subprocess.PIPE, stderr=dec_err)
        encoder.stdout.close()  # the decoder holds the pipe now: it sees the end when the encoder exits

        def feed():
            try:
                encoder.stdin.write(memoryview(x).cast("B"))
            except BrokenPipeError:
                pass  # the encoder failed: its return code and stderr tell why
            finally:
                encoder.stdin.close()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        stream = bytearray((len(x) + 8 * 1152) * channels * 4)  # room for the delay and padding frames
        view, got = memoryview(stream), 0
        while True:  # straight into the buffer, without the GIL: the feeding thread keeps LAME busy meanwhile
            if got == len(stream):
                stream.extend(bytes(len(stream) // 4))
                view = memoryview(stream)
            count = decoder.stdout.raw.readinto(view[got:])
            if not count:
                break
            got += count
        del view
        del stream[got:]
        writer.join()
        for proc, err, what in ((encoder, enc_err, "encode"), (decoder, dec_err, "decode")):
            if proc.wait() != 0:
                err.seek(0)
                raise AudioError(f"ffmpeg could not {what}: {err.read().decode(errors='replace').strip()[-300:]}", out)
    return stream


def _tee_escape(name: str) -> str:
    """A path as one slave of ffmpeg's tee muxer: its separators and quotes escaped."""
    return re.sub(r"([\\|\[\]:;'])", r"\\\1", name)


def decode_mp3(path: str | Path, channels: int) -> np.ndarray:
    """Decode an MP3 we wrote to float32 (n, channels), gapless (encoder delay and padding trimmed).

    In-process with libsndfile's mpg123 when soundfile has it (twice as fast as
    piping ffmpeg's output, with no 32 MB copy through a pipe); else with ffmpeg.
    """
    import soundfile as sf

    if "MP3" in sf.available_formats():
        data, _ = sf.read(str(path), dtype="float32", always_2d=True)
        if data.shape[1] == channels:
            return data
    return decode(path, channels)[0]


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
