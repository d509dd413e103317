"""The bad-input battery (issue 5): every malformed input a user can bring is answered by ONE line
that names the file at fault and how to fix it, exit code 2, no traceback, and the previous site
byte for byte as it was.

Each case builds a small station in tmp (the repo's trained model, a pack made in code, a previous
site with its build stamp), applies one malformation and runs the real CLI in-process. TensorFlow
and Keras are blocked for every case: a bad input must be refused before training could start.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pretty_midi
import pytest
import soundfile as sf

from bad_input_kit import (  # noqa: F401 - no_tensorflow is an autouse fixture
    REPO, STAMP, assert_one_line, edit, make_station, no_tensorflow, tree)
from lofipress import cli


@dataclass(frozen=True)
class Case:
    id: str
    command: str  # "build" or "train"
    malform: Callable[[Path], None]  # changes one thing in the station folder
    names: str  # the file the line must name, relative to the station folder
    fix: str  # words of the fix the line must give


def _corpus_file(name: str, data: bytes | str) -> Callable[[Path], None]:
    def malform(st: Path) -> None:
        path = st / "corpus" / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return malform


def _huge_midi(st: Path) -> None:
    with open(st / "corpus" / "huge.mid", "wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.write(b"MThd")
        fh.truncate(50_000_000)


def _two_notes(st: Path) -> None:
    pm = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(0)
    inst.notes += [pretty_midi.Note(80, 60, 0, 1), pretty_midi.Note(80, 64, 1, 2)]
    pm.instruments.append(inst)
    pm.write(str(st / "corpus" / "tiny.mid"))


def _wav_as_midi(st: Path) -> None:
    sf.write(st / "corpus" / "voice.mid", np.zeros(4410, np.float32), 44100, format="WAV")


def _empty_corpus(st: Path) -> None:
    shutil.rmtree(st / "corpus")
    (st / "corpus").mkdir()


def _no_model_and_a_corrupt_corpus(st: Path) -> None:
    edit(st / "station.toml", f'dir = "{(REPO / "models").as_posix()}"', 'dir = "models"')
    _corpus_file("broken.mid", b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff")(st)


def _pack(old: str, new: str) -> Callable[[Path], None]:
    return lambda st: edit(st / "samples" / "test" / "pack.toml", old, new)


def _pack_symlink_outside(st: Path) -> None:
    kick = st / "samples" / "test" / "kick.wav"
    shutil.copyfile(kick, st / "outside.wav")
    kick.unlink()
    kick.symlink_to(st / "outside.wav")


def _pack_text_as_wav(st: Path) -> None:
    (st / "samples" / "test" / "kick.wav").write_text("not audio, just a text file named .wav\n")


def _pack_sparse_giant_wav(st: Path) -> None:
    """A WAV whose header and size claim 2 GB, on a sparse file: nothing is on disk, the header lies."""
    kick = st / "samples" / "test" / "kick.wav"
    data = bytearray(kick.read_bytes())
    giant = 2_000_000_000
    data[4:8] = (giant - 8).to_bytes(4, "little")
    at = data.find(b"data")
    data[at + 4:at + 8] = (giant - at - 8).to_bytes(4, "little")
    kick.write_bytes(bytes(data))
    with open(kick, "r+b") as f:
        f.truncate(giant)


def _pack_truncated_flac(st: Path) -> None:
    kick = st / "samples" / "test" / "kick.wav"
    audio, rate = sf.read(str(kick))
    flac = kick.with_suffix(".flac")
    sf.write(str(flac), np.tile(audio, (8, 1)) if audio.ndim > 1 else np.tile(audio, 8), rate, format="FLAC")
    flac.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])  # cut in the middle of a frame
    flac.replace(kick.with_name("kick.flac"))
    toml = st / "samples" / "test" / "pack.toml"
    toml.write_text(toml.read_text().replace('"kick.wav"', '"kick.flac"'))


def _pack_nan_samples(st: Path) -> None:
    kick = st / "samples" / "test" / "kick.wav"
    audio, rate = sf.read(str(kick), dtype="float32")
    audio[len(audio) // 2] = np.nan
    sf.write(str(kick), audio, rate, subtype="FLOAT")


def _pack_one_hertz(st: Path) -> None:
    kick = st / "samples" / "test" / "kick.wav"
    audio, _ = sf.read(str(kick))
    sf.write(str(kick), audio[:200], 1)


def _pack_not_utf8(st: Path) -> None:
    toml = st / "samples" / "test" / "pack.toml"
    toml.write_bytes(toml.read_bytes().replace(b'name = "test"', b'name = "t\xe9st"'))  # Latin-1, not UTF-8


def _pack_unreadable(st: Path) -> None:
    toml = st / "samples" / "test" / "pack.toml"
    if os.geteuid() == 0:  # root reads through chmod 000: an unreadable manifest is then a folder in its place
        toml.unlink()
        toml.mkdir()
    else:
        toml.chmod(0)


def _station(old: str, new: str) -> Callable[[Path], None]:
    return lambda st: edit(st / "station.toml", old, new)


def _parent_is_a_file(st: Path) -> None:
    (st / "plain-file").write_text("x")
    edit(st / "station.toml", "[pack]", '[site]\nout_dir = "plain-file/site"\n\n[pack]')


def _foreign_out_folder(st: Path) -> None:
    (st / "site" / STAMP).unlink()  # someone's own folder: not ours to replace


PACK = "samples/test/pack.toml"
CORRUPT = b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff"
CASES = [
    # corpus, through `lofipress train` (TensorFlow blocked: it must fail first)
    Case("corpus: corrupt .mid", "train", _corpus_file("bad.mid", CORRUPT), "corpus/bad.mid", "--skip-bad"),
    Case("corpus: empty .mid", "train", _corpus_file("empty.mid", b""), "corpus/empty.mid", "skip_bad = true"),
    Case("corpus: huge sparse .mid", "train", _huge_midi, "corpus/huge.mid", "--skip-bad"),
    Case("corpus: text renamed .mid", "train", _corpus_file("notes.mid", "C E G\n"), "corpus/notes.mid",
         "--skip-bad"),
    Case("corpus: wav renamed .mid", "train", _wav_as_midi, "corpus/voice.mid", "--skip-bad"),
    Case("corpus: too few notes", "train", _two_notes, "corpus/tiny.mid", "--skip-bad"),
    Case("corpus: empty folder", "train", _empty_corpus, "corpus", "add MIDI files"),
    Case("corpus: missing folder", "train", lambda st: shutil.rmtree(st / "corpus"), "corpus", "--corpus"),
    Case("corpus: build with no model trains on a corrupt corpus", "build", _no_model_and_a_corrupt_corpus,
         "corpus/broken.mid", "--skip-bad"),
    # pack
    Case("pack: missing file", "build", _pack('kick = "kick.wav"', 'kick = "gone.wav"'), PACK, "add the file"),
    Case("pack: path escapes with ../", "build", _pack('kick = "kick.wav"', 'kick = "../../outside.wav"'), PACK,
         "keep every file inside"),
    Case("pack: absolute path", "build", _pack('kick = "kick.wav"', 'kick = "/etc/hostname"'), PACK,
         "relative to the pack folder"),
    Case("pack: symlink pointing outside", "build", _pack_symlink_outside, PACK, "keep every file inside"),
    Case("pack: text file named .wav", "build", _pack_text_as_wav, "samples/test/kick.wav", "re-export"),
    Case("pack: a sparse WAV whose header claims 2 GB", "build", _pack_sparse_giant_wav, "samples/test/kick.wav",
         "trim it"),
    Case("pack: a truncated FLAC", "build", _pack_truncated_flac, "samples/test/kick.flac", "re-export"),
    Case("pack: NaN samples", "build", _pack_nan_samples, "samples/test/kick.wav", "re-export it from the original"),
    Case("pack: a 1 Hz sample rate", "build", _pack_one_hertz, "samples/test/kick.wav", "44.1"),
    Case("pack: invalid TOML", "build", _pack('name = "test"', 'name = "test'), PACK, "fix the line"),
    Case("pack: not UTF-8", "build", _pack_not_utf8, PACK, "UTF-8"),
    Case("pack: unreadable manifest", "build", _pack_unreadable, PACK, "readable"),
    Case("pack: wrong type", "build", _pack("root = 48", 'root = "48"'), PACK, "whole number"),
    Case("pack: missing required key", "build", _pack('license = "CC0-1.0"\n', ""), PACK, "add license"),
    Case("pack: unknown key", "build", _pack('name = "test"', 'name = "test"\ncolour = "red"'), PACK, "known keys"),
    Case("pack: the station names a pack that is not there", "build", _station('name = "test"', 'name = "nope"'),
         "samples/nope", "one of: test"),
    # station.toml
    Case("station: invalid TOML", "build", _station("[fx]", "[fx"), "station.toml", "fix the line"),
    Case("station: unknown key", "build", _station("tracks = 1", "trakcs = 1"), "station.toml",
         "did you mean 'tracks'"),
    Case("station: unknown section", "build", _station("[fx]", "[fxx]"), "station.toml", "did you mean [fx]"),
    Case("station: wrong type", "build", _station("tracks = 1", 'tracks = "1"'), "station.toml", "bare integer"),
    Case("station: 0 tracks", "build", _station("tracks = 1", "tracks = 0"), "station.toml", "station.tracks"),
    Case("station: tempo 0", "build", _station("tempo_min_bpm = 80", "tempo_min_bpm = 0"), "station.toml",
         "station.tempo_min_bpm"),
    Case("station: tempo_min above tempo_max", "build", _station("tempo_max_bpm = 84", "tempo_max_bpm = 70"),
         "station.toml", "station.tempo_max_bpm"),
    Case("station: 3/4 when the loops need 4/4", "build", _station("[loops]", "[loops]\nbeats_per_bar = 3"),
         "station.toml", "only 4/4"),
    Case("station: top_p above 1", "build", _station("top_p = 0.95", "top_p = 1.5"), "station.toml",
         "sampling.top_p"),
    Case("station: temperature 0", "build", _station("temperature = 1.0", "temperature = 0.0"), "station.toml",
         "sampling.temperature"),
    Case("station: no pack name", "build", _station('name = "test"', 'name = ""'), "station.toml", "no slash"),
    Case("station: no model name", "build", _station('name = "default"', 'name = ""'), "station.toml", "no slash"),
    Case("station: model name escaping models/", "build", _station('name = "default"', 'name = "../../etc"'),
         "station.toml", "no slash"),
    Case("station: unknown fx preset", "build", _station('preset = "dusty"', 'preset = "dusy"'), "station.toml",
         "did you mean 'dusty'"),
    Case("station: javascript: link home", "build", _station("[fx]", '[site]\nhome_url = "javascript:alert(1)"\n\n[fx]'),
         "station.toml", "like ../index.html"),
    Case("station: javascript: base URL", "build", _station("[fx]", '[site]\nbase_url = "javascript:alert(1)"\n\n[fx]'),
         "station.toml", "https://"),
    Case("station: ESC in the title", "build", _station("tracks = 1", 'tracks = 1\ntitle = "Night\\u001bshift"'),
         "station.toml", "remove it"),
    Case("station: NUL in the description", "build", _station("tracks = 1", 'tracks = 1\ndescription = "a\\u0000b"'),
         "station.toml", "remove it"),
    Case("station: a description of 100 KB", "build", _station("tracks = 1", f'tracks = 1\ndescription = "{"x" * 100_000}"'),
         "station.toml", "shorten it"),
    Case("pack: BEL in a bed's title", "build", _pack('title = "Rain"', 'title = "Rain\\u0007"'), PACK, "remove it"),
    Case("pack: a title of 10 KB", "build", _pack('title = "Rain"', f'title = "{"R" * 10_000}"'), PACK, "shorten it"),
    # output
    Case("output: parent is a file", "build", _parent_is_a_file, "plain-file/site", "under a folder"),
    Case("output: a folder lofipress did not make", "build", _foreign_out_folder, "site", "new folder"),
]


def run_case(case: Case, st: Path, capsys) -> str:
    """Run the CLI on a malformed station and check the one line; returns it."""
    if case.command == "train":
        argv = ["train", "--corpus", str(st / "corpus"), "--out", str(st / "models" / "mine"),
                "--station", str(st / "station.toml")]
    else:
        argv = ["build", "--station", str(st / "station.toml"), "--jobs", "1", "--quiet"]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    return assert_one_line(err, str(st / case.names), case.fix)


def test_the_battery_is_big_enough():
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_and_the_previous_site_stays(case, tmp_path, capsys):
    st = make_station(tmp_path / "st")
    case.malform(st)
    before = tree(st / "site")
    run_case(case, st, capsys)
    assert tree(st / "site") == before
    assert not (st / "models" / "mine").exists()  # nothing half-trained was left behind
    assert not list(st.glob(".site.*"))  # no temporary site folder left behind
