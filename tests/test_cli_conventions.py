"""What users of static-site generators expect of the command line: --version, true help, a quiet clean."""
import importlib.metadata

import pytest

import lofipress
from lofipress import cli


def test_version_is_the_package_s(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"lofipress {importlib.metadata.version('lofipress')}"
    assert importlib.metadata.version("lofipress") == lofipress.__version__


@pytest.mark.parametrize("command,lineup", [("build", True), ("serve", True), ("clean", True), ("compose", False),
                                            ("eval", False), ("train", False), ("bench", False)])
def test_every_station_help_is_true(capsys, command, lineup):
    """Only build, serve and clean take a stations/ folder, and only their help says so."""
    args = [command, "--help"] if command not in ("bench",) else ["bench", "--help"]
    with pytest.raises(SystemExit):
        cli.main(args)
    text = " ".join(capsys.readouterr().out.split())
    assert "--station" in text
    assert ("a stations/ folder" in text) is lineup


def test_clean_says_what_it_removed_and_nothing_else(tmp_path, capsys):
    (tmp_path / "station.toml").write_text('[station]\nmood = "rainy sunday, a bit sad"\n')
    (tmp_path / ".cache").mkdir()
    assert cli.main(["clean", "--station", str(tmp_path / "station.toml")]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [f"removed {tmp_path / '.cache'}"]


def _every_command(parser, prefix=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from _every_command(sub, (*prefix, name))


def test_every_command_takes_q_and_v(capsys):
    commands = dict(_every_command(cli._parser()))
    assert len(commands) >= 12  # build, serve, train, models compare, compose, eval, bench, new, pack..., clean
    for path, sub in commands.items():
        options = {opt for action in sub._actions for opt in action.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= options, path


def test_q_leaves_out_the_preamble_and_v_shows_a_bug_s_traceback(tmp_path, capsys, monkeypatch):
    assert cli.main(["new", str(tmp_path / "a")]) == 0
    assert "next: lofipress build" in capsys.readouterr().out
    assert cli.main(["new", str(tmp_path / "b"), "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("made ") and "next:" not in out  # the result stays, the advice goes

    def broken(*args, **kwargs):
        raise RuntimeError("exploded")

    monkeypatch.setattr("lofipress.scaffold.scaffold", broken)
    assert cli.main(["new", str(tmp_path / "c")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert cli.main(["new", str(tmp_path / "c"), "-v"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "exploded" in err
