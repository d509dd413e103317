"""One set of rules for pack audio, wherever a file is read: `pack import`, `pack check` and the build.

- a bed under -50 dBFS RMS is refused (import leaves it out, check and the build stop on it);
- a sample clipped on its way out (over 0.1 % of its samples at full scale) is named and refused;
- a quiet note is judged by its peak and decay, not its RMS: a soft note with a long tail plays.
"""
import argparse

import numpy as np
import pytest
import soundfile as sf

from audio_helpers import make_pack
from lofipress.core.errors import PackError
from lofipress.packs import load_pack
from lofipress.packs.check import cli_check
from lofipress.packs.importer import import_folder
from lofipress.packs.samples import load_audio

SR = 44100


def _noise(seconds, rms_dbfs, seed=0):
    x = np.random.default_rng(seed).standard_normal((int(seconds * SR), 2))
    return (x / np.sqrt(np.mean(x ** 2)) * 10 ** (rms_dbfs / 20)).astype(np.float32)


def _soft_note(peak_dbfs, seconds=8.0, midi=60):
    """A struck piano-like note: a fast attack, then a long exponential decay (its RMS far under its peak)."""
    t = np.arange(int(seconds * SR)) / SR
    f = 440 * 2 ** ((midi - 69) / 12)
    x = sum(np.sin(2 * np.pi * f * k * t) / k ** 2 for k in range(1, 6)) * np.exp(-t / 0.25)
    return (x / np.abs(x).max() * 10 ** (peak_dbfs / 20)).astype(np.float32)


@pytest.fixture
def library(tmp_path):
    lib = tmp_path / "lib"
    (lib / "Ambience").mkdir(parents=True)
    (lib / "Keys").mkdir()
    sf.write(lib / "Ambience" / "Rain.wav", _noise(8, -24.0), SR)
    sf.write(lib / "Ambience" / "Night hum.wav", _noise(8, -55.0, 1), SR)  # quiet enough to be a mistake
    sf.write(lib / "Keys" / "Soft C4.wav", _soft_note(-44.0), SR)  # a real quiet note: peak -44, RMS -62
    sf.write(lib / "Keys" / "E4.wav", _soft_note(-12.0, midi=64), SR)
    loud = np.clip(_soft_note(-12.0, midi=67) * 10 ** (18 / 20), -1.0, 1.0)  # 18 dB too hot: its top is cut off
    sf.write(lib / "Keys" / "G4.wav", loud, SR, subtype="PCM_16")
    return lib


def test_import_keeps_a_soft_note_and_names_the_quiet_bed_and_the_clipped_note(library, tmp_path):
    items = {i.rel: i for i in import_folder(library, tmp_path / "mine")}
    assert items["Keys/Soft C4.wav"].kind == "zone", items["Keys/Soft C4.wav"].info  # by its peak, not its RMS
    bed = items["Ambience/Night hum.wav"]
    assert bed.kind == "skip" and bed.info["why"].startswith("near silent (-55 dBFS RMS"), bed.info
    clipped = items["Keys/G4.wav"]
    assert clipped.kind == "skip" and "is clipped" in clipped.info["why"], clipped.info
    share = float(clipped.info["why"].split(": ")[1].split("%")[0])
    assert share > 0.1
    assert [a.id for a in load_pack(tmp_path / "mine").ambience] == ["rain"]


def test_pack_check_and_the_build_refuse_a_clipped_sample(tmp_path):
    from lofipress.sound.render import render_ambience

    root = make_pack(tmp_path / "p")
    pack = load_pack(root)
    cli_check(argparse.Namespace(dir=str(root)))  # the pack as made passes
    zone = next(iter(pack.instruments.values())).zones[0]
    x, sr = sf.read(zone.file, dtype="float32", always_2d=True)
    sf.write(zone.file, np.clip(x * 8.0, -1.0, 1.0), sr, subtype="PCM_16")
    load_audio.cache_clear()
    with pytest.raises(PackError, match="is clipped"):
        cli_check(argparse.Namespace(dir=str(root)))
    with pytest.raises(PackError, match="is clipped"):
        load_audio(zone.file, SR)  # what the build's renderer reads every sample through
    bed = next(iter(pack.ambience))
    sf.write(bed.file, _noise(3, -55.0, 2), SR)
    load_audio.cache_clear()
    with pytest.raises(PackError, match=r"near silent \(-55 dBFS RMS"):
        render_ambience(load_pack(root), bed.id, 80.0, 2, SR)
