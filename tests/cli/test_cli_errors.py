"""Errors through the real command line: the exit code through build.py, training that never reaches TensorFlow
on a bad corpus, --skip-bad, a bug as one line (and --debug), help on every command, usage mistakes."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from bad_input_kit import (  # noqa: F401 - no_tensorflow is an autouse fixture
    REPO, assert_one_line, edit, make_station, no_tensorflow, tree, write_midi)
from lofipress import cli
from lofipress.music.model import require_training as REQUIRE_TRAINING


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

    monkeypatch.setattr("lofipress.music.train.prepare", stop_before_keras)
    code = cli.main(["train", "--skip-bad", "--corpus", str(st / "corpus"), "--out", str(st / "m"),
                     "--station", str(st / "station.toml")])
    out = capsys.readouterr().out
    assert code == 130 and reached
    assert "kept 4/5 files" in out and "bad.mid" in out


def test_training_without_the_train_extra_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    """TensorFlow and Keras are the `train` extra: an install without them builds from a committed model, and
    training says in one line what to install (the autouse fixture blocks both imports here)."""
    from lofipress.music import model

    monkeypatch.setattr(model, "require_training", REQUIRE_TRAINING)  # the real check, on an install without them
    st = make_station(tmp_path / "st")
    (st / "corpus").mkdir(exist_ok=True)
    (st / "corpus" / "piece.mid").write_bytes(b"not MIDI")  # never read: the check comes first
    code = cli.main(["train", "--corpus", str(st / "corpus"), "--out", str(st / "m"),
                     "--station", str(st / "station.toml")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "training needs TensorFlow and Keras" in err[0] and "piece.mid" not in err[0]
    # the packages by name into this very Python: works for a wheel or checkout install, not only an index one
    assert f"{sys.executable} -m pip install 'tensorflow-cpu" in err[0] and "'keras" in err[0]


def test_the_training_hint_names_pipx_inject_in_a_pipx_environment(monkeypatch):
    from lofipress.music import model

    monkeypatch.setattr(sys, "prefix", "/home/me/.local/share/pipx/venvs/lofipress")
    assert model.train_install_hint().startswith("pipx inject lofipress 'tensorflow-cpu")


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


def test_a_missing_model_with_nothing_to_train_on_is_named_at_once(tmp_path, capsys):
    """`[model] name = "nosuch"` in a new station trained for 24 s, then blamed an empty corpus."""
    assert cli.main(["-q", "new", str(tmp_path / "st")]) == 0
    edit(tmp_path / "st" / "station.toml", '# name = "default"', 'name = "nosuch"')
    assert cli.main(["build", "--station", str(tmp_path / "st")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no model 'nosuch'" in err[0] and "default" in err[0] and "no MIDI in" in err[0]
    assert not (tmp_path / "st" / "models" / "nosuch").exists()  # nothing half-trained left behind
