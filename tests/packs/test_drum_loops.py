"""A pack's finished drum loops: varispeeded onto the station's tempos, tiled to the drum bars, pressed to MP3.

Loops are made in code (`thirdparty_samples.drum_loop`: kicks on 16ths 0 and 10, swung, of
every bar) and measured after MP3 decoding: length, kick positions (the tempo),
the seam and the loudness. A tiny station build lists them in its manifest, and
a loop that cannot fit the station is one line naming pack.toml, exit 2.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, sosfilt

from build_fixture import PACK_NAME, build, make_station, site_dir, write_station
from thirdparty_samples import drum_loop
from lofipress import cli, packs
from lofipress.sound import encode, master as mastering, render, seams
from lofipress.build.audio import press_drum_loop
from lofipress.station.config import MasterSettings
from lofipress.core.errors import PackError, SiteError
from lofipress.site.manifest import check_tempos
from lofipress.core.notes import loop_n_samples

SR = 44100
LOOP_BPM = 85.0  # the loop's own tempo; the station tempos below are within 8 % of it
CREDIT = 'title = "t", author = "a", source = "made in numpy", license = "CC0-1.0"'


def loop_toml(loops: list[dict]) -> tuple[str, str]:
    """(credit lines, [[drum_loops]] tables) for some loops."""
    tables = "".join(f'\n[[drum_loops]]\nid = "{d["id"]}"\ntitle = "{d["title"]}"\nfile = "{d["file"]}"\n'
                     f'tempo_bpm = {d["tempo_bpm"]}\nbars = {d["bars"]}\n' for d in loops)
    credits = "".join(f'{{file = "{d["file"]}", {CREDIT}}},\n' for d in loops)
    return credits, tables


def write_loop(pack: Path, name: str, tempo_bpm: float, bars: int) -> str:
    """A made-in-code loop of exactly `bars` bars at tempo_bpm in pack/loops/; its path in the pack."""
    (pack / "loops").mkdir(parents=True, exist_ok=True)
    sf.write(pack / "loops" / name, drum_loop(tempo_bpm, bars, SR, np.random.default_rng(1)), SR)
    return f"loops/{name}"


def loop_pack(root: Path, loops: list[dict]) -> Path:
    """A pack of drum loops only (each: id, title, tempo_bpm, bars; a file, else one is made that plays `plays`)."""
    for d in loops:
        if "file" not in d:
            d["file"] = write_loop(root, f"{d['id']}.wav", d["tempo_bpm"], d.get("plays", d["bars"]))
    credits, tables = loop_toml(loops)
    (root / "pack.toml").write_text(f'name = "t"\nlicense = "CC0-1.0"\ncredits = [\n{credits}]\n{tables}',
                                    encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def lazy(tmp_path_factory) -> packs.Pack:
    root = tmp_path_factory.mktemp("pack")
    return packs.load_pack(loop_pack(root, [{"id": "lazy", "title": "Lazy", "tempo_bpm": LOOP_BPM, "bars": 2}]))


def kick_times_s(audio: np.ndarray, sample_rate: int = SR) -> np.ndarray:
    """Onsets of the low band (below 120 Hz: the kick, not the snare's 190 Hz body), in seconds."""
    low = sosfilt(butter(4, 120, fs=sample_rate, output="sos"), audio.mean(axis=1))
    win = int(0.02 * sample_rate)  # a 50 Hz cycle: smooth the ripple, keep the attack
    env = np.convolve(np.abs(low), np.ones(win) / win, mode="same")
    above = env > 0.3 * env.max()
    rising = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    onsets = [rising[0]] if len(rising) else []
    for i in rising[1:]:
        if i - onsets[-1] > 0.3 * sample_rate:  # one kick, however its envelope wobbles (kicks are 1 s apart)
            onsets.append(i)
    return np.array(onsets) / sample_rate


@pytest.mark.parametrize("tempo_bpm", [80.0, 90.0])
def test_a_loop_is_exactly_the_drum_bars_and_plays_at_the_station_tempo(lazy, tempo_bpm):
    bars = 4
    audio = render.render_drum_loop(lazy, "lazy", tempo_bpm, bars, SR)
    assert audio.shape == (loop_n_samples(bars, tempo_bpm, SR), 2) and audio.dtype == np.float32
    step_s = 15.0 / tempo_bpm  # a 16th note
    want = np.array([(bar * 16 + s) * step_s for bar in range(bars) for s in (0, 10.08)])  # 10: swung 8 %
    got = kick_times_s(audio)
    assert len(got) == len(want), got
    assert np.abs(got - want).max() < 0.006, (got - want)  # at 85 BPM they would drift by 0.18 s a bar


def test_the_pressed_mp3_is_seamless_exact_and_at_the_drum_level(lazy, tmp_path):
    master = MasterSettings()
    out = tmp_path / "lazy-80.mp3"
    meta = press_drum_loop(str(lazy.root), "lazy", 80.0, 2, master, out)
    decoded, sr = encode.decode(out)
    assert sr == SR and len(decoded) == meta["samples"] == loop_n_samples(2, 80.0, SR)
    steps = np.abs(np.diff(decoded, axis=0)).max(axis=1)
    seam = np.abs(decoded[-1] - decoded[0]).max()
    assert seam <= np.percentile(steps, 99.9), (seam, np.percentile(steps, 99.9))  # no click where it wraps
    assert seams.clicks(*seams.seam_ratios(decoded, SR)) is None, seams.seam_ratios(decoded, SR)
    loud = mastering.measure(decoded, SR)
    assert abs(loud["lufs"] - master.drums_lufs) <= 0.5 and loud["true_peak_dbtp"] <= master.ceiling_dbtp


def test_the_tail_past_the_last_bar_wraps_onto_the_start(tmp_path):
    x = drum_loop(LOOP_BPM, 1, SR, np.random.default_rng(2))
    ring = np.zeros(len(x) // 4, dtype=np.float32)
    ring[:2000] = 0.5 * np.sin(2 * np.pi * 60 * np.arange(2000) / SR)  # a low boom only in the tail
    sf.write(tmp_path / "tail.wav", np.concatenate([x, ring]), SR)
    pack = packs.load_pack(loop_pack(tmp_path, [{"id": "tail", "title": "Tail", "tempo_bpm": LOOP_BPM, "bars": 1,
                                                 "file": "tail.wav"}]))
    audio = render.render_drum_loop(pack, "tail", LOOP_BPM, 1, SR)
    assert len(audio) == loop_n_samples(1, LOOP_BPM, SR)
    diff = audio.mean(axis=1) - x[: len(audio)]
    assert np.abs(diff[:2000]).max() > 0.3 and np.abs(diff[4000:]).max() < 1e-3  # the boom, at the start


def test_a_file_that_does_not_last_its_bars_is_refused_by_the_pack(tmp_path):
    with pytest.raises(PackError, match=r"drum_loops\[0\].*lasts .* holds 2\.00 bars") as err:
        packs.load_pack(loop_pack(tmp_path, [{"id": "x", "title": "X", "tempo_bpm": 90, "bars": 1, "plays": 2}]))
    assert err.value.path.endswith("pack.toml")


def test_a_loop_id_may_not_take_a_pattern_id(tmp_path):
    from audio_helpers import make_pack

    root = make_pack(tmp_path / "p")
    file = write_loop(root, "basic.wav", LOOP_BPM, 1)
    credits, tables = loop_toml([{"id": "basic", "title": "B", "file": file, "tempo_bpm": LOOP_BPM, "bars": 1}])
    text = (root / "pack.toml").read_text().replace("credits = [", "credits = [" + credits, 1)
    (root / "pack.toml").write_text(text.replace("[instruments.keys]", tables + "\n[instruments.keys]"))
    with pytest.raises(PackError, match="'basic' is already a pattern"):
        packs.load_pack(root)


def test_the_manifest_lets_a_loop_skip_far_tempos_but_never_leaves_a_track_without_drums():
    tracks = [{"id": "a", "bpm": 80}, {"id": "b", "bpm": 90}]
    loop = {"id": "lazy", "loop_bpm": 84.0, "by_bpm": {80: {}}}  # rendered at 80 only, in this press
    check_tempos({"tracks": tracks, "drums": [{"id": "boombap", "by_bpm": {80: {}, 90: {}}}, loop]})
    with pytest.raises(SiteError, match=r"no drums have a render at 90 BPM \(track b\)"):
        check_tempos({"tracks": tracks, "drums": [loop]})
    with pytest.raises(SiteError, match="drums 'boombap' has no render at 90 BPM"):  # a pattern plays at every tempo
        check_tempos({"tracks": tracks, "drums": [{"id": "boombap", "by_bpm": {80: {}}}, loop]})


def add_loops(station: Path, loops: list[dict]) -> None:
    """Put drum loops into the tiny station's pack."""
    pack = station / "samples" / PACK_NAME
    for d in loops:
        d["file"] = write_loop(pack, f"{d['id']}.wav", d["tempo_bpm"], d["bars"])
    credits, tables = loop_toml(loops)
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace("credits = [\n", "credits = [\n" + credits, 1) + tables)


@pytest.mark.slow
def test_a_build_offers_each_loop_at_the_track_tempos_near_its_own(tmp_path):
    st = make_station(tmp_path / "st")  # one track tempo, 80 BPM, drums every 2 bars
    add_loops(st, [{"id": "lazy", "title": "Lazy loop", "tempo_bpm": 84, "bars": 1},
                   {"id": "fast", "title": "Too fast", "tempo_bpm": 100, "bars": 2}])
    build(st)
    site = site_dir(st)
    m = json.loads((site / "manifest.json").read_text())
    assert [d["id"] for d in m["drums"]] == ["boombap", "lazy"]  # a pattern first: it plays at every tempo
    lazy = m["drums"][1]
    assert lazy["title"] == "Lazy loop" and lazy["bars"] == 2 and set(lazy["by_bpm"]) == {"80"}
    decoded, _ = encode.decode(site / lazy["by_bpm"]["80"]["src"])
    assert len(decoded) == lazy["by_bpm"]["80"]["samples"] == loop_n_samples(2, 80, SR)
    assert not list((site / "audio" / "drums").glob("fast-*"))  # 100 BPM is 20 % away: not offered


def refused(st: Path, capsys) -> str:
    """Build through the CLI; the one stderr line of a refusal with exit 2."""
    code = cli.main(["build", "--station", str(st / "station.toml"), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    return err


def test_a_loop_whose_bars_do_not_divide_the_drum_bars_is_one_line(tmp_path, capsys):
    st = make_station(tmp_path / "st")
    write_station(st, loops={"drums_bars": 8})
    add_loops(st, [{"id": "odd", "title": "Three bars", "tempo_bpm": 80, "bars": 3}])
    err = refused(st, capsys)
    assert re.search(r"samples/tiny/pack\.toml: drum loop 'odd' is 3 bars.*8-bar.*drums_bars to a multiple of 3",
                     err), err
    assert not (st / "site").exists() and not (st / ".cache").exists()  # refused before composing anything


def test_a_track_tempo_no_drum_loop_reaches_is_one_line(tmp_path, capsys):
    st = make_station(tmp_path / "st")
    pack = st / "samples" / PACK_NAME / "pack.toml"  # drop the kit pattern: loops are the only drums
    pack.write_text(re.sub(r"\[patterns\.boombap\].*", "", pack.read_text(), flags=re.S))
    add_loops(st, [{"id": "fast", "title": "Too fast", "tempo_bpm": 100, "bars": 2}])
    err = refused(st, capsys)
    assert re.search(r"pack\.toml: no drum loop is within 8% of the track tempo 80 BPM \(add a loop", err), err
