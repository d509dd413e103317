"""The bad-input battery (issue 5): every malformed input a user can bring is answered by ONE line
that names the file at fault and how to fix it, exit code 2, no traceback, and the previous site
byte for byte as it was.

Each case builds a small station in tmp (the repo's trained model, a pack made in code, a previous
site with its build stamp), applies one malformation and runs the real CLI in-process. TensorFlow
and Keras are blocked for every case: a bad input must be refused before training could start.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pretty_midi
import pytest
import soundfile as sf

from audio_helpers import make_pack
from lofipress import cli

REPO = Path(__file__).resolve().parent.parent
STAMP = ".lofipress-build.json"
STATION_TOML = """[station]
tracks = 1
bars = 8
tempo_min_bpm = 80
tempo_max_bpm = 84

[corpus]
dir = "corpus"

[model]
dir = "{models}"
name = "default"

[sampling]
temperature = 1.0
top_p = 0.95

[loops]
track_bars = 8

[fx]
preset = "dusty"

[pack]
name = "test"
"""


def write_midi(path: Path, bars: int = 4) -> None:
    """A four-note chord per bar at 90 BPM: a small, real, usable corpus file."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=90)
    inst = pretty_midi.Instrument(0)
    bar_s = 4 * 60 / 90
    for b in range(bars):
        for pitch in (57, 60, 64, 67):
            inst.notes.append(pretty_midi.Note(80, pitch, b * bar_s, (b + 1) * bar_s))
    pm.instruments.append(inst)
    pm.write(str(path))


def make_station(root: Path, models: Path = REPO / "models") -> Path:
    """A station folder: station.toml, a one-file corpus, pack `test`, and a previous site with its stamp."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "station.toml").write_text(STATION_TOML.format(models=models.as_posix()))
    (root / "corpus").mkdir()
    write_midi(root / "corpus" / "good.mid")
    make_pack(root / "samples" / "test")
    site = root / "site"
    (site / "audio").mkdir(parents=True)
    (site / "index.html").write_text("<p>the previous site</p>\n")
    (site / "audio" / "t01.mp3").write_bytes(bytes(range(256)) * 4)
    (site / STAMP).write_text('{"made_by": "lofipress", "key": "previous"}\n')
    return root


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def assert_one_line(err: str, names: str, fix: str, kind: str = "error") -> str:
    """stderr is exactly one line, `kind: <file>: what (fix)`, naming `names` and holding the fix `fix`."""
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"{kind}: "), line
    assert names in line, f"{names!r} not named in: {line}"
    assert fix in line and line.endswith(")"), f"no fix {fix!r} in: {line}"
    return line


@pytest.fixture(autouse=True)
def no_tensorflow(monkeypatch, tmp_path):
    """Any import of TensorFlow or Keras fails (a bug, exit 1): bad input is refused before training starts.

    MPLCONFIGDIR is set per test, so the build's own default (its station cache) never outlives a test.
    """
    for name in ("tensorflow", "keras"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))


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


def test_the_exit_code_is_real_through_build_py(tmp_path):
    st = make_station(tmp_path / "st")
    edit(st / "station.toml", "tracks = 1", "tracks = 0")
    before = tree(st / "site")
    proc = subprocess.run([sys.executable, "build.py", "--station", str(st / "station.toml")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert_one_line(proc.stderr, str(st / "station.toml"), "station.tracks")
    assert tree(st / "site") == before


def test_train_on_a_bad_corpus_never_imports_tensorflow(tmp_path):
    st = make_station(tmp_path / "st")
    (st / "corpus" / "bad.mid").write_text("not midi")
    code = ("import sys; from lofipress.cli import main; rc = main(sys.argv[1:]); "
            "sys.exit(rc + 10 * any(m in sys.modules for m in ('tensorflow', 'keras')))")
    proc = subprocess.run([sys.executable, "-c", code, "train", "--corpus", str(st / "corpus"), "--out",
                           str(st / "models" / "mine"), "--station", str(st / "station.toml")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr  # 12 would mean TensorFlow was imported
    assert_one_line(proc.stderr, "bad.mid", "--skip-bad")


def test_skip_bad_is_the_explicit_way_past_a_bad_file(tmp_path, capsys, monkeypatch):
    """With --skip-bad the bad file is skipped and reported, and training goes on (here: to the blocked import)."""
    st = make_station(tmp_path / "st")
    (st / "corpus" / "bad.mid").write_text("not midi")
    for i in range(3):
        write_midi(st / "corpus" / f"more-{i}.mid", bars=8)
    reached = []

    def stop_before_keras(*args, **kwargs):
        reached.append(True)
        raise KeyboardInterrupt  # the corpus was read: stop here instead of training for minutes

    monkeypatch.setattr("lofipress.train.prepare", stop_before_keras)
    code = cli.main(["train", "--skip-bad", "--corpus", str(st / "corpus"), "--out", str(st / "m"),
                     "--station", str(st / "station.toml")])
    out = capsys.readouterr().out
    assert code == 130 and reached
    assert "kept 4/5 files" in out and "bad.mid" in out


def test_a_bug_is_one_line_exit_1_and_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    st = make_station(tmp_path / "st")

    def broken_stage(*args, **kwargs):
        raise RuntimeError("stage exploded\nsecond line")

    monkeypatch.setattr("lofipress.packs.load_pack", broken_stage)
    argv = ["build", "--station", str(st / "station.toml")]
    assert cli.main(argv) == 1
    line = assert_one_line(capsys.readouterr().err, "RuntimeError: stage exploded", "--debug", kind="bug")
    assert "LOFIPRESS_DEBUG=1" in line and "please report" in line
    assert cli.main([*argv, "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "broken_stage" in err and err.rstrip().split("\n")[-1].startswith("bug: ")
    monkeypatch.setenv("LOFIPRESS_DEBUG", "1")
    assert cli.main(argv) == 1 and "Traceback" in capsys.readouterr().err


def _commands(parser, prefix=()):
    """Every command path of the CLI, nested ones included (`pack check`)."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _commands(sub, (*prefix, name))


def test_help_works_on_every_command(capsys):
    commands = list(_commands(cli._parser()))
    assert {("build",), ("train",), ("pack", "check"), ("clean",)} <= set(commands)
    for path in [(), *commands]:
        with pytest.raises(SystemExit) as info:
            cli.main([*path, "--help"])
        out = capsys.readouterr().out
        assert info.value.code == 0 and out.startswith(f"usage: lofipress {' '.join(path)}".rstrip()), path


@pytest.mark.parametrize("argv,names", [(["biuld"], "'biuld'"), (["build", "--jobs", "x"], "--jobs"),
                                        (["bench", "nope"], "'nope'"), ([], "COMMAND"), (["pack", "chek"], "'chek'")])
def test_a_usage_mistake_is_one_line_naming_it_and_the_help(capsys, argv, names):
    """Every command and subcommand: a typo or bad value is one stderr line, exit 2, like every other user error."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert info.value.code == 2 and len(err) == 1
    assert err[0].startswith("error: lofipress") and names in err[0] and "--help" in err[0]


def test_a_read_only_output_folder_is_refused_before_any_work(tmp_path):
    """A real read-only filesystem (a bind mount in a private mount namespace), through build.py."""
    from build_fixture import build_read_only

    st = make_station(tmp_path / "st")
    ro = tmp_path / "ro"
    ro.mkdir()
    proc = build_read_only(ro, st, ro / "site")
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, str(ro / "site"), "make it writable")
    assert "read-only" in proc.stderr and list(ro.iterdir()) == []


WRITE_CALLS = "openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,linkat,truncate"
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC")
CALL = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+=\s+(\d+)")  # successful calls only (failures return -1)
PATH_ARG = re.compile(r'(?:(AT_FDCWD|\d+<([^>]*)>),\s*)?"((?:[^"\\]|\\.)*)"')


def written_paths(trace: str, cwd: Path) -> set[Path]:
    """Every path an `strace -f -y` log shows created, opened for writing, renamed or removed."""
    paths = set()
    for line in trace.splitlines():
        m = CALL.match(line)
        if not m or (m[1] == "openat" and not any(f in m[2] for f in WRITE_FLAGS)):
            continue
        for dirfd, fd_path, name in PATH_ARG.findall(m[2]):
            base = Path(fd_path) if fd_path else cwd  # -y prints a descriptor's path: 5</tmp/x>
            paths.add(Path(os.path.normpath(base / name)))
    return paths


def repo_state() -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file in the checkout but .git and the interpreter's __pycache__ folders."""
    state = {}
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__")]
        for name in files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            state[os.path.relpath(path, REPO)] = (st.st_mtime_ns, st.st_size)
    return state


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny real station built once through build.py, HOME and TMPDIR in tmp, every write of it traced.

    With strace, the writes of the build and all its children (workers, ffmpeg) are listed exactly,
    whoever else edits the checkout meanwhile; without it, the checkout's mtimes are compared.
    """
    base = tmp_path_factory.mktemp("built")
    st = make_station(base / "st")
    home, tmp = base / "home", base / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}, "HOME": str(home), "TMPDIR": str(tmp)}
    cmd = [sys.executable, "build.py", "--station", str(st / "station.toml"), "--quiet"]
    log = base / "strace.log"
    if shutil.which("strace"):
        cmd = ["strace", "-f", "-qq", "-y", "-s", "4096", "-e", "signal=none", "-e", f"trace={WRITE_CALLS}",
               "-o", str(log), *cmd]
    before = repo_state()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    after = repo_state()
    assert proc.returncode == 0, proc.stderr
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    written = written_paths(log.read_text(), REPO) if log.is_file() else None
    return {"st": st, "home": home, "tmp": tmp, "changed": changed, "written": written}


@pytest.mark.slow
def test_a_build_writes_nothing_outside_the_station_and_output_folders(built):
    st, tmp = built["st"], built["tmp"]
    if built["written"] is not None:
        outside = sorted(str(p) for p in built["written"]
                         if not (p.is_relative_to(st) or p.is_relative_to(tmp) or p.is_relative_to("/dev")
                                 or "__pycache__" in p.parts))  # .pyc files are the interpreter's, not ours
        assert outside == []
        assert any(p.is_relative_to(st / "site") for p in built["written"])  # the trace did see the build
    else:
        assert built["changed"] == [], "the build wrote into the checkout (or someone edited it meanwhile)"
    assert list(tmp.iterdir()) == [] and list(built["home"].iterdir()) == []
    assert sorted(p.name for p in st.iterdir()) == [".cache", "corpus", "samples", "site", "station.toml"]
    assert json.loads((st / "site" / STAMP).read_text())["made_by"] == "lofipress"


@pytest.mark.slow
def test_a_full_disk_is_one_line_naming_the_file_and_the_site_stays(built, capsys, monkeypatch):
    st = built["st"]
    before = tree(st / "site")
    real_copy = shutil.copyfile

    def full_on_audio(src, dst, *args, **kwargs):
        if str(dst).endswith(".mp3"):  # the big files are where a disk fills up
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # a new site key: the site must be rewritten
    monkeypatch.setattr(shutil, "copyfile", full_on_audio)
    code = cli.main(["build", "--station", str(st / "station.toml"), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    line = assert_one_line(err, str(st / "site"), "free some space")
    assert "no space left on device while writing audio/" in line and ".mp3;" in line
    assert tree(st / "site") == before
    assert not list(st.glob(".site.*"))  # the half-written folder was removed


@pytest.mark.slow
def test_a_read_only_filesystem_at_write_time_is_one_line_and_the_site_stays(built, capsys, monkeypatch):
    st = built["st"]
    before = tree(st / "site")
    real_mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if self.parent == st and self.name.startswith(".site."):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(Path, "mkdir", read_only)
    code = cli.main(["build", "--station", str(st / "station.toml"), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "read-only" in assert_one_line(err, str(st / "site"), "make it writable")
    assert tree(st / "site") == before
