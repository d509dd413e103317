"""Role balance: a pack whose roles differ by 15 dB is imported balanced, the build says when roles are far apart."""
import re

import numpy as np
import pytest
import soundfile as sf

from lofipress.packs import balance
from lofipress import packs
from lofipress.core.notes import Note
from lofipress.packs.importer import import_folder
from lofipress.sound.render import render_track

ROOT = packs.Path(__file__).resolve().parents[2]
SR = 44100


def tone(midi: int, amp: float, seconds: float = 1.5) -> np.ndarray:
    """A plucked tone with a few harmonics: what a one-shot of a keys, bass or lead library looks like."""
    t = np.arange(int(seconds * SR)) / SR
    f = 440.0 * 2 ** ((midi - 69) / 12)
    x = sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 2, 3)) * np.exp(-2.5 * t)
    return (amp * x / np.abs(x).max()).astype(np.float32)


@pytest.fixture(scope="module")
def unbalanced(tmp_path_factory):
    """A library whose bass one-shots sit 15 dB over its keys and its lead (the red-team's third-party case)."""
    src = tmp_path_factory.mktemp("library")
    for folder, notes, amp in (("Keys", ("C3", "C4", "C5"), 0.1), ("Bass", ("E1", "E2"), 0.1 * 10 ** (15 / 20)),
                               ("Lead Guitar", ("C4", "C5", "C6"), 0.1)):
        (src / folder).mkdir()
        for name in notes:
            midi = 12 * (int(name[1]) + 1) + {"C": 0, "E": 4}[name[0]]
            sf.write(src / folder / f"{name}.wav", tone(midi, amp), SR)
    out = tmp_path_factory.mktemp("packs") / "unbalanced"
    import_folder(src, out)
    return out


def part_levels_db(pack) -> dict[str, float]:
    """RMS level of each part of a short track, each part rendered alone: what a listener hears of each."""
    notes = {"keys": [(60, 0.0, 2.0), (64, 0.0, 2.0), (67, 0.0, 2.0)], "bass": [(40, 0.0, 1.0), (43, 1.0, 2.0)],
             "melody": [(72, 0.0, 0.5), (74, 0.5, 1.0), (76, 1.0, 2.0)]}
    out = {}
    for part, rows in notes.items():
        audio = render_track([Note(s, e, p, 90, part) for p, s, e in rows], pack, 120.0, 1, SR,
                             np.random.default_rng(0))
        out[part] = 20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    return out


def test_the_default_pack_sits_on_the_documented_levels():
    pack = packs.load_pack(ROOT / "samples" / "default")
    off = balance.offsets(balance.reference_levels(pack, balance.played_roles(pack)))
    assert all(abs(v) <= balance.BALANCE_TOLERANCE_DB for v in off.values()), off
    assert balance.apart_warning(pack) is None


def test_a_library_with_roles_15_db_apart_is_imported_balanced(unbalanced):
    text = (unbalanced / "pack.toml").read_text()
    gains = dict(re.findall(r"\[instruments\.(\w+)\]\ngain_db = (-?[\d.]+)", text))
    assert float(gains["bass"]) == pytest.approx(-15.0 + balance.TARGET_DB["bass"] - balance.TARGET_DB["keys"], abs=1.5)
    pack = packs.load_pack(unbalanced)
    off = balance.offsets(balance.reference_levels(pack))
    assert all(abs(v) <= balance.BALANCE_TOLERANCE_DB for v in off.values()), off
    assert balance.apart_warning(pack) is None
    raw = packs.Pack(pack.name, pack.license, pack.root, {r: packs.Instrument(r, i.zones) for r, i in
                                                          pack.instruments.items()})  # the same pack, no gains
    warning = balance.apart_warning(raw)
    assert warning and "bass +" in warning and "gain_db" in warning and "pack.toml" in warning
    before, after = part_levels_db(raw), part_levels_db(pack)
    assert before["bass"] - before["keys"] > 12  # the bass buried everything
    assert abs(after["bass"] - after["keys"]) < 5 and abs(after["melody"] - after["keys"]) < 5, (before, after)


def test_a_gain_outside_its_bounds_names_the_key(tmp_path):
    import shutil

    shutil.copytree(ROOT / "samples" / "default", tmp_path / "p")
    toml = tmp_path / "p" / "pack.toml"
    toml.write_text(toml.read_text().replace("gain_db = 6.0", "gain_db = 90.0"))
    with pytest.raises(packs.PackError, match="instruments.piano.gain_db"):
        packs.load_pack(tmp_path / "p")


def test_a_near_silent_file_is_never_taken_for_a_bed(tmp_path):
    from lofipress.packs.importer import report

    rng = np.random.default_rng(0)
    (tmp_path / "lib").mkdir()
    for name, dbfs in (("Rain.wav", -82.0), ("Wind.wav", -24.0), ("C4.wav", -20.0)):
        noise = rng.normal(0, 1, 8 * SR) if name != "C4.wav" else tone(60, 1.0)
        noise = noise / np.sqrt(np.mean(noise ** 2)) * 10 ** (dbfs / 20)
        sf.write(tmp_path / "lib" / name, noise.astype(np.float32), SR)
    items = import_folder(tmp_path / "lib", tmp_path / "pack")
    beds = [a.id for a in packs.load_pack(tmp_path / "pack").ambience]
    assert beds == ["wind"]
    rain = next(i for i in items if i.rel == "Rain.wav")
    assert rain.kind == "skip" and re.match(r"near silent \(peak -[67]\d dBFS", rain.info["why"]), rain.info
    assert rain.info["why"] in report(items)  # by the analysis rate's band


def test_the_build_says_the_balance_warning_from_its_cache_once_measured(unbalanced, tmp_path, monkeypatch):
    """A no-op rebuild must not decode the reference zones again (about 2 s of imports and decoding)."""
    from lofipress.build import pipeline
    from lofipress.build.cache import Cache

    raw = packs.load_pack(unbalanced)
    raw = packs.Pack(raw.name, raw.license, raw.root, {r: packs.Instrument(r, i.zones) for r, i in
                                                       raw.instruments.items()})
    cache = Cache(tmp_path / "cache")
    first = pipeline._balance_warning(raw, cache)
    assert first == balance.apart_warning(raw) and "bass +" in first
    monkeypatch.setattr(balance, "apart_warning", lambda pack: pytest.fail("measured again"))
    assert pipeline._balance_warning(raw, cache) == first
    balanced = packs.load_pack(unbalanced)  # its gains are another key: measured, and fine
    monkeypatch.undo()
    assert pipeline._balance_warning(balanced, cache) is None
