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

    monkeypatch.setattr("lofipress.cli.scaffold.scaffold", broken)
    assert cli.main(["new", str(tmp_path / "c")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert cli.main(["new", str(tmp_path / "c"), "-v"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "exploded" in err


def test_every_command_and_argument_explains_itself():
    """A one-line description for each command (`lofipress --help`, and at the top of its own help), a help line
    for every argument and option: `new DIR`, `audiocheck SITE`, `pack import SRC DIR`, `--port`..."""
    import argparse

    commands = dict(_every_command(cli._parser()))
    for path, sub in commands.items():
        assert sub.description and "\n" not in sub.description, path
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (path, action.dest)
            if not action.option_strings:
                assert action.metavar and action.metavar.isupper(), (path, action.dest)  # DIR, not dir
        listed = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for action in listed:
            assert all(choice.help for choice in action._choices_actions), path


def test_global_flags_work_before_the_command(tmp_path, capsys, monkeypatch):
    assert cli.main(["-q", "new", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("made ") and "next:" not in out

    def broken(*args, **kwargs):
        raise RuntimeError("exploded")

    monkeypatch.setattr("lofipress.cli.scaffold.scaffold", broken)
    assert cli.main(["-v", "new", str(tmp_path / "c")]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert cli.main(["--debug", "pack", "-q", "check", str(tmp_path / "none")]) == 2  # nested, flags both sides


def test_bench_site_without_a_browser_says_what_to_install(tmp_path, capsys, monkeypatch):
    from lofipress.bench import site as bench_site

    monkeypatch.setattr(bench_site, "CHROMIUM", str(tmp_path / "no-chromium"))
    (tmp_path / "station.toml").write_text("")
    assert cli.main(["bench", "site", "--station", str(tmp_path / "station.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "apt-get install chromium" in err[0]

    real = bench_site.importlib.util.find_spec
    monkeypatch.setattr(bench_site.importlib.util, "find_spec", lambda n, *a: None if n == "playwright" else real(n))
    assert cli.main(["bench", "site", "--station", str(tmp_path / "station.toml")]) == 2
    assert "-m pip install playwright" in capsys.readouterr().err


def test_a_new_station_points_only_at_help_its_user_has(tmp_path):
    """No DESIGN.md, no docs/ of the repository: a wheel or pipx install has neither."""
    assert cli.main(["new", str(tmp_path / "st"), "-q"]) == 0
    for name in ("station.toml", "README.md", "corpus/README.md"):
        text = (tmp_path / "st" / name).read_text(encoding="utf-8")
        assert "DESIGN" not in text and "docs/" not in text, name
    readme = (tmp_path / "st" / "README.md").read_text(encoding="utf-8")
    assert "| rainy |" in readme  # the mood words, from the lexicon itself
