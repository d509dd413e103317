"""Pack validation: a good pack loads; every kind of bad pack is a PackError naming the file."""
import argparse
import os
import re

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio_helpers import make_pack
from lofipress.core.errors import PackError
from lofipress.packs.check import cli_check
from lofipress.packs import load_pack, role_for
from lofipress.packs.samples import load_audio

REPO = Path(__file__).resolve().parents[2]


def test_good_pack_loads(tmp_path):
    pack = load_pack(make_pack(tmp_path / "p"))
    assert set(pack.instruments) == {"keys", "piano", "bass", "lead"}
    assert pack.patterns["basic"].grid["kick"][0] == 110
    assert pack.ambience[0].visual == "rain" and pack.quotes[0].speaker == "Nobody"
    assert all(z.file.is_absolute() for z in pack.instruments["keys"].zones)


def test_cli_check_prints_credits(tmp_path, capsys):
    assert cli_check(argparse.Namespace(dir=str(make_pack(tmp_path / "p")))) == 0
    out = capsys.readouterr().out
    assert "kick.wav" in out and "lead 3 zones" in out and "no lead" not in out


@pytest.mark.parametrize("roles,melody", [(("keys", "piano", "bass", "lead"), "lead"),
                                          (("keys", "piano", "bass"), "piano"), (("keys", "bass"), "keys"),
                                          (("bass",), "bass")])
def test_melody_falls_back_from_lead_to_piano_to_keys(tmp_path, capsys, roles, melody):
    pack = load_pack(make_pack(tmp_path / "p", roles=roles))
    assert role_for(pack, "melody") == melody
    assert role_for(pack, "keys") == ("keys" if "keys" in roles else "bass")
    assert cli_check(argparse.Namespace(dir=str(pack.root))) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if "no lead" in line]  # one line, only if so
    assert len(said) == (melody != "lead") and all(f"the melody plays on {melody} " in line for line in said)


@pytest.mark.parametrize("name", ["default", "nightcap"])
def test_shipped_packs_have_a_lead_over_c4_to_c6(name):
    pack = load_pack(REPO / "samples" / name)
    zones = pack.instruments["lead"].zones
    for pitch in range(60, 85):
        for velocity in (40, 100):
            hits = [z for z in zones if z.lo <= pitch <= z.hi and z.vel_lo <= velocity <= z.vel_hi]
            assert len(hits) == 1 and abs(hits[0].root - pitch) <= 1, (pitch, velocity)  # a root within a semitone
    assert {z.root for z in zones} >= {60, 84} and all(z.file.suffix == ".ogg" for z in zones)
    assert any(c.file == "lead/" and c.license == "MIT" and "FluidR3" in c.title for c in pack.credits)
    assert "lead/" in (REPO / "samples" / name / "LICENSE.md").read_text()
    assert role_for(pack, "melody") == "lead"


def _edit(root, old, new):
    toml = root / "pack.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))


BAD = {
    "escaping path": ('file = "kick.wav"', 'file = "../x.wav"', "kick"),
    "absolute path": ('kick = "kick.wav"', 'kick = "/etc/passwd"', "absolute"),
    "missing file": ('kick = "kick.wav"', 'kick = "nope.wav"', "not found"),
    "bad toml": ('name = "test"', 'name = "test', "TOML"),
    "unknown key": ('name = "test"', 'name = "test"\ncolour = "red"', "colour"),
    "wrong type": ('root = 48', 'root = "48"', "root"),
    "wrong velocity count": ("kick = [110, 0,", "kick = [0,", "kick"),
    "bad visual": ('visual = "rain"', 'visual = "lava"', "visual"),
    "missing credit": ('{file = "hat.wav", title', '{file = "other.wav", title', "hat.wav"),
    "unknown role": ("[instruments.lead]", "[instruments.guitar]", "'lead'"),
    "lead without zones": ("[instruments.lead]\nzones = [", "[instruments.lead]\nzones = [] #", "instruments.lead"),
    "lead zone out of range": ('root = 84, lo = 78, hi = 89', 'root = 84, lo = 78, hi = 130', "lead"),
    "right-to-left override in a text": ('speaker = "Nobody"', 'speaker = "Nobody \u202eevil"', "U+202E"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_pack_names_the_file(tmp_path, case):
    root = make_pack(tmp_path / "p")
    old, new, word = BAD[case]
    if case == "escaping path":
        (tmp_path / "x.wav").write_bytes((root / "kick.wav").read_bytes())
        _edit(root, 'kick = "kick.wav"', 'kick = "../x.wav"')
    else:
        _edit(root, old, new)
    with pytest.raises(PackError) as info:
        load_pack(root)
    msg = str(info.value)
    assert "pack.toml" in msg and word in msg and "\n" not in msg


def test_symlink_out_of_the_pack(tmp_path):
    root = make_pack(tmp_path / "p")
    (tmp_path / "outside.wav").write_bytes((root / "kick.wav").read_bytes())
    os.remove(root / "kick.wav")
    os.symlink(tmp_path / "outside.wav", root / "kick.wav")
    with pytest.raises(PackError, match=r"pack\.toml.*escapes"):
        load_pack(root)


def test_corrupt_audio_names_the_audio_file(tmp_path):
    root = make_pack(tmp_path / "p")
    (root / "snare.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    with pytest.raises(PackError, match=re.escape(str(root / "snare.wav"))):
        load_pack(root)


def test_missing_pack_toml(tmp_path):
    with pytest.raises(PackError, match="pack.toml"):
        load_pack(tmp_path)


@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg", "mp3"])
def test_any_format_any_rate_resampled(tmp_path, suffix):
    t = np.arange(22050) / 22050
    x = (0.3 * np.sin(2 * np.pi * 441 * t)).astype(np.float32)
    path = tmp_path / f"a.{suffix}"
    if suffix == "mp3":
        from lofipress.sound.encode import write_mp3

        write_mp3(x[:, None], 22050, path, loop=False)
    else:
        sf.write(path, x, 22050)
    y = load_audio(path, 44100)
    assert abs(len(y) - 44100) <= 2 and y.shape[1] == 1


def test_pack_check_decodes_every_file_the_build_will(tmp_path, capsys):
    """A file whose header reads fine but whose data is cut short passes no check: pack check decodes it all."""
    from lofipress import cli

    pack = make_pack(tmp_path / "p")
    kick = pack / "kick.wav"
    audio, rate = sf.read(str(kick))
    sf.write(str(pack / "kick.flac"), np.tile(audio, 8), rate, format="FLAC")
    (pack / "kick.flac").write_bytes((pack / "kick.flac").read_bytes()[:(pack / "kick.flac").stat().st_size // 2])
    (pack / "pack.toml").write_text((pack / "pack.toml").read_text().replace('"kick.wav"', '"kick.flac"'))
    assert cli.main(["pack", "check", str(pack)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kick.flac" in err[0] and "re-export" in err[0]


def test_a_wav_cut_short_is_named_not_read_as_far_as_it_goes(tmp_path, capsys):
    """A header claiming 2 GB on a 1,000-byte file: libsndfile reads what is there; pack check names it."""
    import struct

    root = make_pack(tmp_path / "p")
    wav = bytearray((root / "snare.wav").read_bytes())
    at = wav.find(b"data")
    wav[at + 4:at + 8] = struct.pack("<I", 2_000_000_000)
    (root / "snare.wav").write_bytes(bytes(wav[:1000]))
    load_audio.cache_clear()
    with pytest.raises(PackError, match=r"snare\.wav: is cut short: its header says 2,000,000,000 bytes"):
        cli_check(argparse.Namespace(dir=str(root)))


def test_a_near_silent_bed_is_refused_by_pack_check_and_by_the_build(tmp_path):
    """A bed at -100 dBFS passed pack check and was mastered up into published hiss."""
    from lofipress.sound.render import render_ambience

    root = make_pack(tmp_path / "p")
    bed = next(iter(load_pack(root).ambience))
    quiet = (np.random.default_rng(1).standard_normal((44100, 1)) * 1e-5).astype(np.float32)  # -100 dBFS, -93 once stored in 16 bits
    sf.write(bed.file, quiet, 44100)
    load_audio.cache_clear()
    with pytest.raises(PackError, match=r"near silent \(-9\d dBFS RMS"):
        cli_check(argparse.Namespace(dir=str(root)))
    with pytest.raises(PackError, match="near silent"):
        render_ambience(load_pack(root), bed.id, 80.0, 2, 44100)
