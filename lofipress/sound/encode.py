"""MP3 through ffmpeg's libmp3lame, with the Xing/LAME Info header kept and every write checked.

The Info header carries encoder delay and padding, so browsers and ffmpeg trim
them and give back exactly the samples we wrote (FIELD-NOTES: without it the
audio starts 1105 samples late). Bit-exact flags make the same input give the
same bytes, so the build cache and git diffs stay quiet.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np

from . import dsp, lametag, seams
from ..core.files import writable_or_error
from ..core.audiofile import (  # noqa: F401 - decode: what decode_mp3 falls back to, and encode.decode
    decode,
    ffmpeg_exe,
)
from ..core.errors import AudioError


# The bit reservoir reaches 511 bytes back: 7 frames of 32 kbps at 44.1 kHz, and a frame
# more for the filter bank's overlap; 10 frames of 1152 samples cover it at any rate.
SEEK_PREROLL_SAMPLES = 10 * 1152
# One frame of the music either side is encoded with it and dropped by the decoder (lametag): enough for the
# first and last granules and the filter bank's overlap; measured on a chord loop, the seam's high-band burst
# fell from 26 dB under the music to none and the worst coding error at the edges from 0.066 to 0.013.
CONTEXT_SAMPLES = 1152


def join_jump(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """(|last of before - first of after|, largest sample-to-sample step inside either), worst channel.

    Where one stretch of audio plays into the next (a loop into itself, a track
    segment into the next), it clicks if that jump is larger than any step the
    music itself takes.
    """
    a, b = before.reshape(len(before), -1), after.reshape(len(after), -1)
    jump = float(np.max(np.abs(a[-1] - b[0])))
    return jump, dsp.largest_step(a) if after is before else max(dsp.largest_step(a), dsp.largest_step(b))


def seam_jump(audio: np.ndarray) -> tuple[float, float]:
    """(|last - first| at the loop seam, largest sample-to-sample step inside the loop): its join with itself."""
    return join_jump(audio, audio)


def check_join(before: np.ndarray, after: np.ndarray, sample_rate: int, path, what: str = "loop seam",
               fix: str = "render the loop wrap-around", own: tuple[float, ...] | None = None) -> None:
    """AudioError naming `what` if `before` running into `after` clicks.

    It clicks (lofipress.sound.seams) if it jumps more than the loud steps just around it, or bursts in the high band
    where the sound around it does not. Its jump against the largest step anywhere, the rule before, passed
    any loop with a drum hit in it and failed a pure tone for its coding error.

    A loop's seam (`before` is `after`) may have a hole as deep as the loop has inside it (seams.loop_seam_problem).
    `own`: the ratios of the continuous music at the same instant, where there is one (a segment join: the full
    track plays through it). Then what is judged is what the cut adds: a note struck on the bar line bursts in
    the high band in the full track too, and is music, not a click (nightcap's t08 measured 8.9 continuous, 8.1
    cut).
    """
    if before is after and own is None:  # a loop's seam: its own inside is what it is judged against
        problem = seams.loop_seam_problem(before, sample_rate)
    else:
        ratios = seams.join_ratios(before, after, sample_rate)
        problem = seams.clicks(*ratios)
        if problem and own is not None and seams.no_worse(ratios, own):
            problem = None
    if problem:
        raise AudioError(f"{what} {problem}", path, fix)


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


def wrapped(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """x[lo:hi] with indices taken round the loop (lo may be negative, hi past the end)."""
    return np.take(x, np.arange(lo, hi), axis=0, mode="wrap")


def encode_checked(audio: np.ndarray, sample_rate: int, path: str | Path, quality: int = 2,
                   loop: bool = True, context: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Encode float audio (n, channels) to an MP3 at path, decode it back and check it.

    The codec is fed CONTEXT_SAMPLES of what surrounds the audio on either side (a loop's own end and start, or
    `context`), and the Info tag tells decoders to drop them (lofipress.sound.lametag): its edges code as music that
    runs on, not as music out of and into silence.

    Args:
        audio: float32 samples in [-1, 1], shape (n,) or (n, channels).
        sample_rate: rate of audio in Hz.
        path: MP3 to write (replaced atomically).
        quality: LAME VBR level (-V), 0 best.
        loop: the audio loops: its end is its context before, its start its context after, and the decoded
            seam must not click (check_join).
        context: (what plays before, what plays after) a piece that is not a loop, such as a track segment.
    Returns:
        The decoded MP3, float32 (n, channels): callers measure it instead of decoding again.
    Raises:
        AudioError: ffmpeg failed, the decoded length differs, or the seam clicks.
    """
    path = Path(path)
    x = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(len(audio), -1))
    channels = x.shape[1]
    if loop and len(x):
        context = (wrapped(x, -CONTEXT_SAMPLES, 0), wrapped(x, 0, CONTEXT_SAMPLES))
    before, after = (np.asarray(c, dtype=np.float32).reshape(len(c), channels) for c in (context or (x[:0], x[:0])))
    fed = np.concatenate([before, x, after]) if len(before) or len(after) else x
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.mp3")
    proc = subprocess.run(lame_cmd(sample_rate, channels, quality, tmp), input=memoryview(fed).cast("B"),
                          capture_output=True)
    if proc.returncode != 0:
        writable_or_error(path.parent)  # a read-only or full folder is named as such, not as ffmpeg's words
        tmp.unlink(missing_ok=True)
        raise AudioError(f"ffmpeg could not encode: {proc.stderr.decode(errors='replace').strip()[-300:]}", path)
    try:
        if len(before) or len(after):
            try:
                lametag.extend_trim(tmp, len(before), len(after))
            except ValueError as exc:
                raise AudioError(f"cannot mark the context to drop: {exc}", path,
                                 "use the ffmpeg of imageio-ffmpeg, whose MP3s carry the LAME tag") from None
        decoded = decode_mp3(tmp, channels)
        if abs(len(decoded) - len(x)) >= 1:
            raise AudioError(f"decoded MP3 has {len(decoded)} samples, expected {len(x)}", path,
                             "the Xing/LAME Info header must be kept")
        if loop and len(x) > 1:
            check_join(decoded, decoded, sample_rate, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return decoded


def decode_mp3(path: str | Path, channels: int) -> np.ndarray:
    """Decode an MP3 we wrote to float32 (n, channels), gapless (encoder delay and padding trimmed).

    In-process with libsndfile's mpg123 when soundfile has it (twice as fast as
    piping ffmpeg's output, with no 32 MB copy through a pipe); else with ffmpeg.
    A long file is decoded in two halves at once. mpg123 seeks sample-exactly but
    decodes too few frames before the seek point for a sparse file, whose frames
    borrow bytes from several before, and libsndfile gets the samples after the
    end of one read call wrong for such a file (a plain sine at -V2 came out 0.4
    off for a frame either way). So the second half is one read that starts
    SEEK_PREROLL_SAMPLES early, and drops them: the halves join into the very
    samples of one decode (tested).
    """
    import soundfile as sf

    if "MP3" not in sf.available_formats():
        return decode(path, channels)[0]
    with sf.SoundFile(str(path)) as f:
        frames, found = f.frames, f.channels
    if found != channels:
        return decode(path, channels)[0]
    out, rest = np.empty((frames, channels), dtype=np.float32), []

    def part(lo: int, hi: int) -> int:  # decode frames lo..hi into out; how many there were
        with sf.SoundFile(str(path)) as f:
            pre = min(lo, SEEK_PREROLL_SAMPLES)
            f.seek(lo - pre)
            if pre:  # one read call through the pre-roll: libsndfile slips where a read call ends (tested)
                block = f.read(pre + hi - lo, dtype="float32", always_2d=True)
                got = len(block) - pre
                out[lo:lo + got] = block[pre:]
            else:
                got = len(f.read(hi - lo, dtype="float32", always_2d=True, out=out[lo:hi]))
            if hi == frames:  # the last part reads on to the stream's real end
                rest.append(f.read(dtype="float32", always_2d=True))
            return got

    if sum(dsp.in_halves(part, frames)) != frames:  # shorter than its header says: read it as it comes
        return sf.read(str(path), dtype="float32", always_2d=True)[0]
    return np.concatenate([out, rest[0]]) if len(rest[0]) else out


