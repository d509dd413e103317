"""The Info tag's LAME extension: how many samples a decoder drops before and after the music.

Every decoder we serve (ffmpeg, mpg123, Chromium's and Firefox's `decodeAudioData`) trims the encoder delay and
padding this tag gives. Encoding a loop with a frame of its own end before it and of its start after it, and
adding those samples to the delay and padding, lets the codec see the music run on at both edges: the first and
last granules no longer start from or fall into silence, which left a burst of coding noise on the seam (up to
26 dB under the music, above 5 kHz: heard as a tick on every pass, lofipress.sound.seams). The decoded length stays
the music's own.

Layout (LAME's "Mp3 Info Tag" rev 1): after the frame header and side information, "Xing" or "Info", a flags
word and the fields it names; then the 9-byte encoder string, and 21 bytes on, 12 bits of delay and 12 of
padding; 34 bytes on, a CRC-16 (ARC) of the frame's first 190 bytes, taken with the CRC itself zeroed (for
stereo those end where the CRC starts; in ffmpeg's mono frames the CRC lies inside them).
"""
from __future__ import annotations

from pathlib import Path

MAX_FIELD = 4095  # delay and padding are 12-bit fields
CRC_SPAN = 190


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _tag_crc(data: bytes, start: int, lame: int) -> int:
    frame = bytearray(data[start:start + CRC_SPAN])
    frame[lame + 34 - start:lame + 36 - start] = b"\0\0"
    return _crc16(bytes(frame[:CRC_SPAN]))


def _tag_offsets(data: bytes) -> tuple[int, int]:
    """(the first frame's offset, the LAME extension's offset), or ValueError where there is no such tag."""
    start = 0
    if data[:3] == b"ID3":  # ID3v2: a 10-byte header and a sync-safe size
        start = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F))
    header = data[start:start + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise ValueError("no MPEG frame after the ID3 tag")
    mpeg1, mono = (header[1] >> 3) & 3 == 3, (header[3] >> 6) == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    xing = start + 4 + side
    if data[xing:xing + 4] not in (b"Xing", b"Info"):
        raise ValueError("no Xing/Info tag in the first frame")
    flags = int.from_bytes(data[xing + 4:xing + 8], "big")
    lame = xing + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    if len(data) < max(lame + 36, start + CRC_SPAN) or \
            _tag_crc(data, start, lame) != int.from_bytes(data[lame + 34:lame + 36], "big"):
        raise ValueError("no LAME extension with a valid CRC after the Info tag")
    return start, lame


def delay_and_padding(path: str | Path) -> tuple[int, int]:
    """The encoder delay and padding the file's tag tells a decoder to drop (ValueError where it has none)."""
    data = Path(path).read_bytes()[:8192]
    _, lame = _tag_offsets(data)
    v = int.from_bytes(data[lame + 21:lame + 24], "big")
    return v >> 12, v & 0xFFF


def extend_trim(path: str | Path, more_delay: int, more_padding: int) -> None:
    """Tell decoders to drop `more_delay` more samples at the start and `more_padding` more at the end.

    Raises:
        ValueError: the file has no LAME tag with a valid CRC, or a field would pass 4095 samples.
    """
    path = Path(path)
    with path.open("r+b") as f:
        data = bytearray(f.read(8192))
        start, lame = _tag_offsets(data)
        v = int.from_bytes(data[lame + 21:lame + 24], "big")
        delay, padding = (v >> 12) + int(more_delay), (v & 0xFFF) + int(more_padding)
        if delay > MAX_FIELD or padding > MAX_FIELD:
            raise ValueError(f"delay {delay} or padding {padding} past the tag's {MAX_FIELD}")
        data[lame + 21:lame + 24] = (delay << 12 | padding).to_bytes(3, "big")
        data[lame + 34:lame + 36] = _tag_crc(bytes(data), start, lame).to_bytes(2, "big")
        f.seek(lame + 21)
        f.write(data[lame + 21:lame + 36])
