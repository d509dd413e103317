"""MP3 writing: exact decoded length, identical bytes, Info header kept, broken loops caught."""
import numpy as np
import pytest

from audio_helpers import SR, sine
from lofipress.sound import encode, master
from lofipress.core.errors import AudioError


def _loop(seconds=2.0):
    return sine(441, seconds, amp=0.4)  # 882 whole cycles: a seamless loop


@pytest.mark.parametrize("n_samples", [SR * 2, 88201, 1000])
def test_decoded_length_is_exact(tmp_path, n_samples):
    x = _loop(3.0)[:n_samples]
    encode.write_mp3(x, SR, tmp_path / "a.mp3", loop=False)
    y, sr = encode.decode(tmp_path / "a.mp3")
    assert sr == SR and y.shape == x.shape


@pytest.mark.parametrize("n_samples", [SR * 2, 88201, 1000])
def test_the_builds_decoder_agrees_with_ffmpeg(tmp_path, n_samples):
    """The in-process check (libsndfile's mpg123) trims the same delay and padding as ffmpeg, as browsers do."""
    x = _loop(3.0)[:n_samples]
    encode.write_mp3(x, SR, tmp_path / "a.mp3", loop=False)
    ours = encode.decode_mp3(tmp_path / "a.mp3", 1)
    ffmpeg, _ = encode.decode(tmp_path / "a.mp3", 1)
    assert ours.shape == ffmpeg.shape == (n_samples, 1)
    assert np.abs(ours - ffmpeg).max() < 1e-4


@pytest.mark.parametrize("n_samples,noise", [(5 * SR + 17, 0.05), (3 * 1152 * 64, 0.05), (4 * SR, 0.0)])
def test_decoding_in_halves_gives_the_samples_of_one_decode(tmp_path, n_samples, noise):
    """The check decodes two halves at once (mpg123 seeks to the middle): not one sample may differ.

    A plain sine codes at low bitrates, so its frames borrow from several frames before the middle.
    """
    import soundfile as sf

    rng = np.random.default_rng(n_samples)
    x = (_loop(6.0)[:n_samples, :1] * [0.5, -0.3] + noise * rng.standard_normal((n_samples, 2)))
    encode.write_mp3(x.astype(np.float32), SR, tmp_path / "a.mp3", loop=False)
    whole, _ = sf.read(str(tmp_path / "a.mp3"), dtype="float32", always_2d=True)
    ours = encode.decode_mp3(tmp_path / "a.mp3", 2)
    assert ours.shape == whole.shape == (n_samples, 2)
    assert np.array_equal(ours, whole)
    assert encode.seam_jump(ours)[1] == np.abs(np.diff(whole, axis=0)).max()  # the largest step, both halves


def test_same_input_same_bytes(tmp_path):
    x = _loop()
    encode.write_mp3(x, SR, tmp_path / "a.mp3")
    encode.write_mp3(x, SR, tmp_path / "b.mp3")
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()


def test_info_header_present(tmp_path):
    encode.write_mp3(_loop(), SR, tmp_path / "a.mp3")
    head = (tmp_path / "a.mp3").read_bytes()[:4000]
    at = max(head.find(b"Info"), head.find(b"Xing"))  # "Xing" for VBR, "Info" for CBR
    assert at >= 0
    field = head[at + 141: at + 144]  # LAME extension: 12-bit encoder delay, 12-bit padding
    delay = (field[0] << 4) | (field[1] >> 4)
    assert 500 <= delay <= 2000  # what lets decoders trim the start


def test_seam_check_catches_a_broken_loop(tmp_path):
    x = sine(441, 2.0, amp=0.4)[: 2 * SR - 25]  # cut mid-cycle: the seam jumps
    with pytest.raises(AudioError, match="seam"):
        encode.write_mp3(x, SR, tmp_path / "a.mp3")
    assert not (tmp_path / "a.mp3").exists()
    encode.write_mp3(x, SR, tmp_path / "a.mp3", loop=False)  # as a one-shot it is fine


def test_loudness_survives_encoding(tmp_path):
    rng = np.random.default_rng(0)
    x = master.master((_loop(3.0) * (1 + 0.5 * rng.standard_normal((3 * SR, 1)) * 0.1)).astype(np.float32),
                      SR, -14.0, -1.0)
    encode.write_mp3(x, SR, tmp_path / "a.mp3")
    y, _ = encode.decode(tmp_path / "a.mp3")
    assert abs(master.measure(y, SR)["lufs"] - master.measure(x, SR)["lufs"]) < 0.5


def test_mono_and_48k(tmp_path):
    x = sine(480, 1.0, sample_rate=48000, channels=1)
    encode.write_mp3(x, 48000, tmp_path / "m.mp3")
    y, sr = encode.decode(tmp_path / "m.mp3")
    assert sr == 48000 and y.shape == x.shape


def test_a_loop_is_coded_with_its_neighbours_and_the_tag_drops_them(tmp_path):
    """The LAME tag's delay and padding grow by the frame of context either side; a tag whose CRC is wrong is
    refused rather than rewritten; the chord's seam, coded from silence before, has no burst now."""
    from lofipress.sound import lametag, seams

    t = np.arange(2 * SR) / SR
    x = 0.2 * sum(np.sin(2 * np.pi * f * t + 1.0) for f in (220.0, 330.0, 441.0))  # starts on a loud sample
    x = np.stack([x, x], axis=1).astype(np.float32)
    plain = encode.encode_checked(x, SR, tmp_path / "plain.mp3", loop=False)
    looped = encode.encode_checked(x, SR, tmp_path / "loop.mp3", loop=True)
    (d0, p0), (d1, p1) = (lametag.delay_and_padding(tmp_path / f) for f in ("plain.mp3", "loop.mp3"))
    assert (d1 - d0, p1 - p0) == (encode.CONTEXT_SAMPLES, encode.CONTEXT_SAMPLES)
    assert len(looped) == len(plain) == len(x)
    assert seams.seam_ratios(plain, SR)[1] > seams.CLICK_RATIO_MAX  # the file's edges, coded out of silence
    assert seams.seam_ratios(looped, SR)[1] <= 1.0
    data = bytearray((tmp_path / "loop.mp3").read_bytes())
    data[80] ^= 0xFF  # a byte of the Info tag's table of contents, which the CRC covers
    (tmp_path / "bad.mp3").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="CRC"):
        lametag.extend_trim(tmp_path / "bad.mp3", 1, 1)
