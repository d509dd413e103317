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
