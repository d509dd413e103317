"""Pack validation: a good pack loads; every kind of bad pack is a PackError naming the file."""
import argparse
import os
import re

import numpy as np
import pytest
import soundfile as sf

from audio_helpers import make_pack
from lofipress.errors import PackError
from lofipress.packs import load_audio, load_pack, cli_check


def test_good_pack_loads(tmp_path):
    pack = load_pack(make_pack(tmp_path / "p"))
    assert set(pack.instruments) == {"keys", "piano", "bass"}
    assert pack.patterns["basic"].grid["kick"][0] == 110
    assert pack.ambience[0].visual == "rain" and pack.quotes[0].speaker == "Nobody"
    assert all(z.file.is_absolute() for z in pack.instruments["keys"].zones)


def test_cli_check_prints_credits(tmp_path, capsys):
    assert cli_check(argparse.Namespace(dir=str(make_pack(tmp_path / "p")))) == 0
    assert "kick.wav" in capsys.readouterr().out


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
        from lofipress.encode import write_mp3

        write_mp3(x[:, None], 22050, path, loop=False)
    else:
        sf.write(path, x, 22050)
    y = load_audio(path, 44100)
    assert abs(len(y) - 44100) <= 2 and y.shape[1] == 1
