"""The build cache: each input, changed in turn, redoes exactly what depends on it, and never serves stale bytes.

Every test starts from a settled copy of the tiny built station (tests/build_fixture.py),
changes one thing, rebuilds, and reads which cache artifacts were written.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import build_fixture as bf
from build_fixture import site_sources  # noqa: F401 - a fixture
from lofipress.build import cache as lcache
from lofipress.core import files

ALL = {"compose": 1, "arrange": 1, "midi": 2, "audio/track": 2, "audio/drums": 1, "audio/ambience": 1, "audio/quote": 1,
       "audio/sample": 3, "balance": 1}  # every artifact of the tiny station (browser zones: keys, bass and the lead)
TRACK_MP3S = ("audio/tracks/t01.mp3", "audio/tracks/t02.mp3")



def test_a_sealed_artifact_is_trusted_only_while_it_has_its_bytes(tmp_path):
    artifact, meta = tmp_path / "a.mp3", tmp_path / "a.json"
    data = bytes(range(256)) * 40
    artifact.write_bytes(data)
    lcache.seal(artifact, meta, {"samples": 1})
    assert lcache.intact(artifact, meta) and json.loads(meta.read_text())["samples"] == 1

    later = artifact.stat().st_mtime_ns + 10**9
    os.utime(artifact, ns=(later, later))  # copied without its mtime: same bytes, still good
    assert lcache.intact(artifact, meta)
    artifact.write_bytes(data[:100] + b"\x00" + data[101:])  # one byte, same size, touched later
    os.utime(artifact, ns=(later + 1, later + 1))
    assert not lcache.intact(artifact, meta)
    artifact.write_bytes(data[:-1])  # truncated
    assert not lcache.intact(artifact, meta)
    artifact.write_bytes(data)
    for damaged in ("", "{", "[]", '{"samples": 1}'):  # empty, cut, not an object, never sealed
        meta.write_text(damaged)
        assert not lcache.intact(artifact, meta)
    assert not lcache.intact(tmp_path / "missing.mp3", tmp_path / "missing.json")


def test_an_artifact_is_intact_only_with_every_part_it_was_sealed_with(tmp_path):
    """A track MP3 and its segments are one artifact: a lost or damaged segment makes all of it a miss."""
    artifact, meta = tmp_path / "a.mp3", tmp_path / "a.json"
    artifact.write_bytes(b"whole" * 100)
    parts = [files.part_path(artifact, i) for i in range(3)]
    assert [p.name for p in parts] == ["a.0.mp3", "a.1.mp3", "a.2.mp3"]
    for i, part in enumerate(parts):
        part.write_bytes(bytes([i]) * 50)
    lcache.seal(artifact, meta, {"segments": [{}, {}, {}]}, parts=3)
    assert lcache.intact(artifact, meta)
    later = parts[1].stat().st_mtime_ns + 10**9
    parts[1].write_bytes(b"\x09" * 50)  # same size, other bytes, touched later
    os.utime(parts[1], ns=(later, later))
    assert not lcache.intact(artifact, meta)
    parts[1].write_bytes(bytes([1]) * 50)
    assert lcache.intact(artifact, meta)  # its bytes back: trusted again (hashed, since touched)
    parts[2].unlink()
    assert not lcache.intact(artifact, meta)


@pytest.fixture
def station(tmp_path):
    """A settled copy of the tiny built station (each test using it builds: slow; the first builds golden)."""
    return bf.settled_copy(tmp_path / "station")


def rebuild(station, **kwargs) -> tuple[dict, dict, dict, dict]:
    """Build; return (what was remade, the build summary, site digests before, after)."""
    site_before, before = bf.tree_digest(bf.site_dir(station)), bf.cache_state(station)
    summary = bf.build(station, **kwargs)
    return bf.remade(before, bf.cache_state(station)), summary, site_before, bf.tree_digest(bf.site_dir(station))


def changed(a: dict, b: dict) -> set[str]:
    return {rel for rel in set(a) | set(b) if a.get(rel) != b.get(rel)} - {".lofipress-build.json"}


@pytest.mark.slow
def test_an_fx_setting_redoes_only_the_track_renders(station):
    bf.write_station(station, fx={"preset": "dusty", "lowpass_hz": 5000.0})
    remade, summary, before, after = rebuild(station)
    assert remade == {"audio/track": 2}
    assert summary["rebuilt"]
    assert set(TRACK_MP3S) <= changed(before, after)
    assert not any(rel.startswith(("audio/drums", "audio/ambience", "audio/quotes", "audio/samples", "midi/"))
                   for rel in changed(before, after))


@pytest.mark.slow
def test_the_seed_redoes_composition_and_what_follows(station):
    bf.write_station(station, station={**bf.SETTINGS["station"], "seed": 8})
    remade, summary, before, after = rebuild(station)
    # drum hits are humanized from the station seed; ambience, quotes and sampler zones do not depend on it
    assert remade == {"compose": 1, "arrange": 1, "midi": 2, "audio/track": 2, "audio/drums": 1}
    assert set(TRACK_MP3S) <= changed(before, after)
    assert "audio/ambience/rain-80.mp3" not in changed(before, after)


@pytest.mark.slow
def test_a_pack_file_redoes_the_audio_that_plays_it(station):
    import soundfile as sf

    kick = station / "samples" / bf.PACK_NAME / "kit" / "kick.ogg"
    audio, rate = sf.read(str(kick))
    sf.write(str(kick), audio * 0.5, rate, format="OGG")
    remade, summary, before, after = rebuild(station)
    assert remade == {"audio/drums": 1}
    assert changed(before, after) == {"audio/drums/boombap-80.mp3"}

    keys = station / "samples" / bf.PACK_NAME / "keys" / "60-v112.ogg"
    audio, rate = sf.read(str(keys))
    sf.write(str(keys), np.roll(audio, 50, axis=0), rate, format="OGG")
    remade, *_ = rebuild(station)
    # both tracks play the keys; one browser zone is them; it is the keys' reference note, so the balance is measured
    assert remade == {"audio/track": 2, "audio/sample": 1, "balance": 1}

    toml = station / "samples" / bf.PACK_NAME / "pack.toml"  # a role's balance: its notes and its browser zones
    toml.write_text(toml.read_text(encoding="utf-8").replace("[instruments.keys]\n",
                                                             "[instruments.keys]\ngain_db = -3.0\n"),
                    encoding="utf-8")
    remade, *_ = rebuild(station)
    assert remade == {"audio/track": 2, "audio/sample": 1, "balance": 1}  # the fixture's keys have one zone


@pytest.mark.slow
def test_templates_and_static_files_rewrite_the_site_and_no_audio(station, site_sources):  # noqa: F811
    templates, static = site_sources
    remade, summary, *_ = rebuild(station)
    assert not summary["rebuilt"] and remade == {}  # same bytes elsewhere: the key holds content, not places

    base = templates / "_base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- template-edit -->\n</body>"))
    remade, summary, before, after = rebuild(station)
    assert summary["rebuilt"] and remade == {}
    assert "<!-- template-edit -->" in (bf.site_dir(station) / "index.html").read_text()

    (static / "player" / "main.js").write_text((static / "player" / "main.js").read_text() + "\n// static-edit\n")
    remade, summary, before, after = rebuild(station)
    assert summary["rebuilt"] and remade == {}
    assert changed(before, after) == {"static/player/main.js"}


@pytest.mark.slow
def test_the_title_rewrites_the_site_only(station):
    bf.write_station(station, station={**bf.SETTINGS["station"], "title": "a brand new title"})
    remade, summary, before, after = rebuild(station)
    assert summary["rebuilt"] and remade == {}
    assert "a brand new title" in (bf.site_dir(station) / "index.html").read_text()
    assert not any(rel.endswith(".mp3") for rel in changed(before, after))


NOOP = """
import json, sys
from lofipress.build import pipeline
from lofipress.station import config
summary = pipeline.build(config.load(sys.argv[1]), jobs=1, quiet=True)
print(json.dumps({"rebuilt": summary["rebuilt"],
                  "tensorflow": any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)}))
"""


@pytest.mark.slow
def test_nothing_changed_is_a_no_op_without_tensorflow(station):
    before = bf.cache_state(station), bf.tree_digest(bf.site_dir(station))
    run = subprocess.run([sys.executable, "-c", NOOP, str(station / "station.toml")], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["rebuilt"] is False and result["tensorflow"] is False
    assert (bf.cache_state(station), bf.tree_digest(bf.site_dir(station))) == before


@pytest.mark.slow
def test_force_redoes_everything_and_gives_the_same_bytes(station):
    remade, summary, before, after = rebuild(station, force=True)
    assert remade == ALL and summary["rebuilt"]
    assert bf.first_difference(before, after) is None


@pytest.mark.slow
def test_an_interrupted_build_keeps_the_old_site_and_what_it_finished(station, monkeypatch):
    from lofipress.build import audio

    real, calls = audio.press_track, []

    def dies_on_the_second_track(*args):
        calls.append(args)
        if len(calls) == 2:
            with open(args[6], "wb") as fh:  # half an MP3 under the job's temporary name, then Ctrl-C
                fh.write(b"\xff\xfb" * 1000)
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(audio, "press_track", dies_on_the_second_track)
    bf.write_station(station, fx={"preset": "dusty", "lowpass_hz": 5000.0})
    site_before, state_before = bf.tree_digest(bf.site_dir(station)), bf.cache_state(station)
    with pytest.raises(KeyboardInterrupt):
        bf.build(station)
    assert bf.tree_digest(bf.site_dir(station)) == site_before  # the previous site, untouched
    assert bf.remade(state_before, bf.cache_state(station)) == {"audio/track": 1}  # the finished track survives
    assert all(lcache.intact(m.with_suffix(".mp3"), m) for m in (station / ".cache" / "audio").rglob("*.json"))

    monkeypatch.setattr(audio, "press_track", real)
    remade, summary, before, after = rebuild(station)
    assert remade == {"audio/track": 1} and summary["rebuilt"]  # only the track that was cut off
    assert set(TRACK_MP3S) <= changed(site_before, after)


@pytest.mark.slow
def test_a_lost_segment_in_the_cache_redoes_its_track_alone(station):
    cached = _site_track_source(station, TRACK_MP3S[1])
    segment = files.part_path(cached, 1)
    good = segment.read_bytes()
    segment.unlink()
    remade, summary, before, after = rebuild(station)
    assert remade == {"audio/track": 1} and not summary["rebuilt"]  # the same bytes again: the same site
    assert segment.read_bytes() == good and bf.first_difference(before, after) is None


def _site_track_source(station, track_mp3: str):
    """The cache MP3 whose bytes the site's track file has."""
    data = (bf.site_dir(station) / track_mp3).read_bytes()
    return next(p for p in (station / ".cache" / "audio" / "track").glob("*.mp3") if p.read_bytes() == data)


@pytest.mark.slow
def test_a_truncated_mp3_in_the_cache_is_redone_not_served(station):
    cached = _site_track_source(station, TRACK_MP3S[0])
    good = cached.read_bytes()
    cached.write_bytes(good[: len(good) // 2])
    bf.write_station(station, station={**bf.SETTINGS["station"], "title": "the site is rewritten"})
    remade, summary, before, after = rebuild(station)
    assert remade == {"audio/track": 1} and summary["rebuilt"]
    assert cached.read_bytes() == good  # rendered again, byte for byte
    assert after[TRACK_MP3S[0]] == before[TRACK_MP3S[0]]


@pytest.mark.slow
def test_damaged_metadata_and_composition_are_redone(station):
    meta = _site_track_source(station, TRACK_MP3S[1]).with_suffix(".json")
    meta.write_text(meta.read_text()[:20])
    composed = next((station / ".cache" / "compose").glob("*.json"))
    pieces = composed.read_text()
    composed.write_text(pieces[: len(pieces) // 3])
    remade, summary, before, after = rebuild(station)
    assert remade == {"compose": 1, "audio/track": 1}
    assert composed.read_text() == pieces and not summary["rebuilt"]  # same pieces, same site
    assert bf.first_difference(before, after) is None


def test_audio_cache_keys_cover_every_module_the_audio_jobs_run():
    """A change to any module the workers' audio code runs must re-render: its source is in the jobs' key."""
    import subprocess
    import sys

    from lofipress.build.audio_jobs import AUDIO_CODE

    def loaded(module):
        code = (f"import sys, {module}; print(' '.join(sorted(m.removeprefix('lofipress.') for m in sys.modules "
                "if m.startswith('lofipress.'))))")
        return set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())

    # what parsing station.toml needs (config and its imports) reaches the jobs as settings, which are in each key
    import lofipress

    folders = {p.name for p in Path(lofipress.__file__).parent.iterdir() if (p / "__init__.py").is_file()}
    rooms = {f for f in folders if not (set((Path(lofipress.__file__).parent / f / "__init__.py").read_text()
                                            .split('"""')[2:]) - {"", "\n"})}  # a folder that only says what it is
    assert rooms >= {"core", "music", "sound", "station", "build"}
    assert loaded("lofipress.build.audio") - loaded("lofipress.station.config") - rooms <= set(AUDIO_CODE)


def test_a_job_that_fails_leaves_no_temporary_file(tmp_path, monkeypatch):
    """A render that writes its MP3 and then fails a check must not leave the half-made file in the cache."""
    from lofipress.build import audio, audio_jobs
    from lofipress.core.errors import AudioError

    def writes_then_fails(out_path):
        Path(out_path).write_bytes(b"half an mp3")
        for i in range(2):  # and segments beside it, as press_track writes them
            files.part_path(out_path, i).write_bytes(b"a segment")
        raise AudioError("decoded MP3 too loud", out_path)

    monkeypatch.setattr(audio, "writes_then_fails", writes_then_fails, raising=False)
    with pytest.raises(AudioError):
        audio_jobs._run_job("writes_then_fails", (None,), str(tmp_path / "a.mp3"), str(tmp_path / "a.json"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["truncate a segment", "delete manifest.json", "edit a page"])
def test_a_damaged_site_is_rewritten_not_declared_unchanged(tmp_path, capsys, damage):
    """The stamp records every file's size and hash: the next build checks them before "site unchanged"."""
    from lofipress import cli

    station = bf.copy_station(bf.golden(), tmp_path / "station")
    site = station / "site"
    before = bf.tree_digest(site)
    segment = sorted((site / "audio" / "tracks").glob("*/*.mp3"))[1]  # a track's second segment
    if damage == "truncate a segment":
        segment.write_bytes(segment.read_bytes()[:1000])
    elif damage == "delete manifest.json":
        (site / "manifest.json").unlink()
    else:
        (site / "about.html").write_text("defaced")
    assert cli.main(["build", "--station", str(station / "station.toml")]) == 0
    assert "site unchanged" not in capsys.readouterr().out
    assert bf.first_difference(before, bf.tree_digest(site)) is None  # whole again
    assert cli.main(["build", "--station", str(station / "station.toml")]) == 0
    assert "site unchanged" in capsys.readouterr().out  # and an intact site is left alone
