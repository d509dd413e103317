"""`pack import` / `pack check`: names, pitch and tempo by ear, a messy third-party folder, SoundFonts, a build."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from lofipress import cli
from lofipress.packs import importer as pack_import, soundfont
from lofipress.packs.listen import ANALYSIS_SR, detect_pitch, detect_tempo
from lofipress.packs.importer import import_folder, midi_to_name, note_from_name, stretch_loop, tempo_from_name
from lofipress.packs import load_pack
from thirdparty_samples import drum_loop, tone, write_thirdparty_folder

REPO = Path(__file__).resolve().parents[2]
SR = ANALYSIS_SR

NAMES = [  # file stem -> (MIDI note, velocity hint)
    ("C4", (60, None)), ("c4", (60, None)), ("Cs4", (61, None)), ("C#4", (61, None)), ("Csharp4", (61, None)),
    ("Db4", (61, None)), ("db4", (61, None)), ("Bb3", (58, None)), ("bb3", (58, None)), ("Eb3", (51, None)),
    ("F#3", (54, None)), ("B0", (23, None)), ("piano-A1", (33, None)), ("Piano_C5", (72, None)),
    ("BASS A1", (33, None)), ("guitar_60", (60, None)), ("bass_40", (40, None)), ("A3_v110", (57, 110)),
    ("a3 soft", (57, 48)), ("Rhodes C3 hard", (48, 112)), ("keys-e2-vel64", (40, 64)),
    ("kick", (None, None)), ("untitled 2", (None, None)), ("mystery", (None, None)), ("soft", (None, None)),
]


@pytest.mark.parametrize("stem,expected", NAMES)
def test_note_names_in_every_spelling(stem, expected):
    assert note_from_name(stem) == expected


def test_note_name_round_trip():
    for midi in range(12, 128):
        name = midi_to_name(midi)
        assert "#" not in name and note_from_name(name)[0] == midi


@pytest.mark.parametrize("stem,bpm", [("lazy 85bpm", 85.0), ("drumloop80_2", 80.0), ("loop_90", 90.0),
                                      ("Break 92.5 BPM", 92.5), ("dusty break", None), ("kick 808", None)])
def test_tempo_in_the_name(stem, bpm):
    assert tempo_from_name(stem) == bpm


@pytest.mark.parametrize("timbre", ["ep", "pluck", "bass", "organ"])
def test_pitch_detection_within_a_semitone(timbre):
    roots = (28, 33, 40, 45) if timbre == "bass" else (48, 57, 64, 71, 79)
    for midi in roots:
        heard, confidence = detect_pitch(tone(midi, 1.0, SR, timbre), SR)
        assert abs(heard - midi) < 0.5, (timbre, midi, heard)
        assert confidence > 0.8


def test_noise_has_no_confident_pitch():
    noise = np.random.default_rng(1).standard_normal(SR).astype(np.float32) * 0.3
    assert detect_pitch(noise, SR)[1] < 0.5


@pytest.mark.parametrize("bpm", [72.0, 80.0, 88.0, 95.0])
def test_tempo_detection_on_loops(bpm):
    loop = drum_loop(bpm, 2, SR, np.random.default_rng(int(bpm)))
    heard, confidence = detect_tempo(loop, SR)
    assert abs(heard - bpm) < 0.5 and confidence > 0.6
    untrimmed = np.concatenate([loop, loop[: int(0.37 * SR)]])  # not a whole number of bars: no snapping
    assert abs(detect_tempo(untrimmed, SR)[0] - bpm) < 0.03 * bpm


def test_stretched_loop_has_the_new_tempo_and_length():
    loop = drum_loop(85.0, 2, SR, np.random.default_rng(0))
    n = round(2 * 240 / 86.0 * SR)
    out = stretch_loop(loop, n)
    assert len(out) == n and abs(detect_tempo(out, SR)[0] - 86.0) < 0.3


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The third-party folder, written and imported once for the tests below."""
    base = tmp_path_factory.mktemp("thirdparty")
    truth = write_thirdparty_folder(base / "src")
    items = import_folder(base / "src", base / "mine")
    return truth, {i.rel: i for i in items}, base / "mine"


def test_import_takes_each_file_for_what_it_is(imported):
    truth, items, _ = imported
    assert set(items) == set(truth)
    for rel, want in truth.items():
        got = items[rel]
        if want["kind"] == "zone":
            assert (got.kind, got.info["root"]) == ("zone", want["root"]), rel
        elif want["kind"] == "kit" and want["voice"] not in ("clap", "conga"):  # extras: their voices are taken
            assert (got.kind, got.info["voice"]) == ("kit", want["voice"]), rel
        elif want["kind"] == "loop":
            assert got.kind == "loop" and got.info["bars"] == want["bars"], rel
            assert abs(got.info["tempo_bpm"] - want["tempo_bpm"]) < 0.5, rel
        elif want["kind"] in ("ambience", "quote", "skip"):
            assert got.kind == want["kind"], rel
    assert items["Keys/G4.wav"].human and "A4" in items["Keys/G4.wav"].human  # the wrong name is reported
    assert items["FX/rain_window.ogg"].info["visual"] == "rain"
    assert items["Loops/dusty break.flac"].how.startswith("detected")
    assert {items[f"guitar_{n}.wav"].info["role"] for n in (60, 64)} == {"lead"}  # plays the melody, not dropped
    assert items["Drums/clap.wav"].kind == "skip" and "snare" in items["Drums/clap.wav"].human  # a person may prefer it


def test_imported_pack_loads_and_plays_every_note(imported):
    truth, _, out = imported
    pack = load_pack(out)
    assert set(pack.instruments) == {"keys", "piano", "bass", "lead"}
    assert [z.root for z in pack.instruments["lead"].zones] == [60, 64]
    assert pack.quotes[0].text == truth["Voice/quote_night.wav"]["text"]
    assert {d.tempo_bpm for d in pack.drum_loops} == {80.0, 85.0, 88.0}
    assert pack.patterns and all("kick" in p.grid for p in pack.patterns.values())
    for inst in pack.instruments.values():
        for pitch in range(128):
            for velocity in (1, 40, 64, 80, 100, 127):
                hits = [z for z in inst.zones if z.lo <= pitch <= z.hi and z.vel_lo <= velocity <= z.vel_hi]
                assert len(hits) == 1, (inst.role, pitch, velocity)
    soft, hard = (z for z in pack.instruments["keys"].zones if z.root == 57)
    assert soft.vel_hi < hard.vel_lo and sf.info(str(soft.file)).channels == 2
    files = [p for p in out.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(out.resolve()) and " " not in p.name and "#" not in p.name for p in files)


def test_pack_check_passes_and_warns_about_credits(imported, capsys):
    _, _, out = imported
    assert cli.main(["pack", "check", str(out)]) == 0
    text = capsys.readouterr().out
    assert "credits need a human" in text and "quote 'speech-2' needs its text" in text
    assert "kit/kick.wav" in text and text.rstrip().endswith("warning(s)")
    assert "# needs a human: Keys/G4.wav" in (out / "pack.toml").read_text()


@pytest.mark.parametrize("group,role", [
    *((g, "lead") for g in ("guitar", "gtr", "e-guitar", "jazz guitar", "vibraphone", "vibes", "flute", "harp",
                            "marimba", "bells", "lead", "synth lead", "sax", "trumpet", "whistle", "kalimba",
                            "music box", "glockenspiel")),
    ("rhodes", "keys"), ("keys", "keys"), ("wurli", "keys"), ("pads", "keys"), ("piano", "piano"),
    ("upright", "piano"), ("bass guitar", "bass"), ("808", "bass")])
def test_role_by_the_words_of_a_group(group, role):
    item = pack_import.Item(f"{group}/C4.wav", Path(f"{group}/C4.wav"), "zone", info={"group": group, "root": 64,
                                                                                        "velocity": None})
    pack_import._assign_roles([item])
    assert (item.kind, item.info["role"]) == ("zone", role) and not item.human  # by its words: nothing to check


def test_a_guitar_folder_becomes_the_lead(tmp_path, capsys):
    src = tmp_path / "src"
    for rel, midi in (("guitar/C4.wav", 60), ("guitar/G4.wav", 67), ("guitar/C5.wav", 72), ("Rhodes/C3.wav", 48),
                      ("Rhodes/G3.wav", 55)):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(src / rel, tone(midi, 1.0, 44100, "pluck"), 44100)
    assert cli.main(["pack", "import", str(src), str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "instruments: keys <- 'rhodes' (2); lead <- 'guitar' (3)" in out and "no lead" not in out
    pack = load_pack(tmp_path / "p")
    assert set(pack.instruments) == {"keys", "lead"} and [z.root for z in pack.instruments["lead"].zones] == [60, 67, 72]
    assert all(z.file.parent.name == "lead" for z in pack.instruments["lead"].zones)
    assert cli.main(["pack", "check", str(tmp_path / "p")]) == 0 and "no lead" not in capsys.readouterr().out


def test_aac_files_from_a_phone_are_decoded_by_pydub_and_kept_as_flac(tmp_path, capsys):
    """.m4a (AAC) is no format libsndfile reads: pydub decodes it, the pack gets FLAC at the same pitch."""
    import subprocess

    from lofipress.sound.encode import ffmpeg_exe

    src = tmp_path / "src" / "guitar"
    src.mkdir(parents=True)
    for name, midi in (("C4", 60), ("G4", 67), ("C5", 72)):
        sf.write(tmp_path / f"{name}.wav", tone(midi, 1.0, 44100, "pluck"), 44100)
        subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(tmp_path / f"{name}.wav"),
                        "-c:a", "aac", "-b:a", "128k", str(src / f"{name}.m4a")], check=True)
    assert cli.main(["pack", "import", str(tmp_path / "src"), str(tmp_path / "p")]) == 0
    pack = load_pack(tmp_path / "p")
    zones = pack.instruments["lead"].zones
    assert [z.root for z in zones] == [60, 67, 72] and all(z.file.suffix == ".flac" for z in zones)
    for z in zones:
        x, sr = sf.read(z.file, always_2d=True)
        assert abs(detect_pitch(x.mean(axis=1), sr)[0] - z.root) < 0.5
    assert cli.main(["pack", "check", str(tmp_path / "p")]) == 0


def test_license_stated_in_the_folder_fills_the_credits(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    sf.write(src / "Rhodes_C3.wav", tone(48, 1.0, 44100), 44100)
    sf.write(src / "Rhodes_G3.wav", tone(55, 1.0, 44100), 44100)
    (src / "LICENSE.txt").write_text("Copyright (c) 2024 Ada Sampler. Released under CC0 1.0 (public domain dedication).")
    assert cli.main(["pack", "import", str(src), str(tmp_path / "p")]) == 0
    assert "no lead: the melody plays on keys" in capsys.readouterr().out
    pack = load_pack(tmp_path / "p")
    assert {(c.license, c.author) for c in pack.credits} == {("CC0-1.0", "Ada Sampler")}
    assert [(z.root, z.lo, z.hi) for z in pack.instruments["keys"].zones] == [(48, 0, 51), (55, 52, 127)]
    capsys.readouterr()
    assert cli.main(["pack", "check", str(tmp_path / "p")]) == 0
    assert "credits need a human (a field says TODO" in capsys.readouterr().out  # the source still needs a person


def _one_line_error(capsys, argv) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err
    return err


def test_unusable_src_is_one_line_exit_2(tmp_path, capsys):
    assert "no such folder" in _one_line_error(capsys, ["pack", "import", str(tmp_path / "nope"), str(tmp_path / "a")])
    (tmp_path / "empty").mkdir()
    assert "no audio" in _one_line_error(capsys, ["pack", "import", str(tmp_path / "empty"), str(tmp_path / "a")])
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("hi")
    (tmp_path / "docs" / "fake.wav").write_bytes(b"not audio at all")
    assert "could be used" in _one_line_error(capsys, ["pack", "import", str(tmp_path / "docs"), str(tmp_path / "a")])
    assert not (tmp_path / "a").exists()


def test_existing_dir_is_refused_and_left_alone(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    sf.write(src / "C4.wav", tone(60, 0.5, 44100), 44100)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    assert "not empty" in _one_line_error(capsys, ["pack", "import", str(src), str(tmp_path / "out")])
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine.txt"]
    assert "--stretch" in _one_line_error(capsys, ["pack", "import", str(src), str(tmp_path / "new"), "--stretch", "x"])


def test_bad_pack_check_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "p").mkdir()
    assert "pack.toml" in _one_line_error(capsys, ["pack", "check", str(tmp_path / "p")])


@pytest.mark.slow
def test_thirdparty_folder_is_deterministic(tmp_path):
    def digest(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    write_thirdparty_folder(tmp_path / "a")
    write_thirdparty_folder(tmp_path / "b")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


@pytest.mark.slow
def test_soundfont_import_gives_a_loadable_pack(tmp_path, capsys):
    assert shutil.which("fluidsynth") and soundfont.SF2.is_file(), \
        "needs fluidsynth and FluidR3_GM.sf2: run `make system` (installs fluidsynth and fluid-soundfont-gm)"
    assert cli.main(["pack", "import", str(soundfont.SF2), str(tmp_path / "gm")]) == 0
    pack = load_pack(tmp_path / "gm")
    assert "keys, piano, bass, lead" in capsys.readouterr().out
    assert min(z.root for z in pack.instruments["lead"].zones) == 60
    for role in ("keys", "piano", "bass", "lead"):
        zones = pack.instruments[role].zones
        roots = sorted({z.root for z in zones})
        assert max(np.diff(roots)) <= 3 and len({(z.vel_lo, z.vel_hi) for z in zones}) == 2
        assert all(z.file.suffix == ".ogg" for z in zones)
    assert len(pack.kit) == 7 and {c.license for c in pack.credits} == {"MIT"}  # from the SoundFont's INFO chunk


def test_soundfont_import_without_fluidsynth_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "fluidsynth is not installed" in _one_line_error(capsys, ["pack", "import", str(tmp_path / "x.sf2"),
                                                                     str(tmp_path / "p")])


@pytest.mark.slow
def test_station_with_the_imported_pack_builds(imported, tmp_path):
    from lofipress.station import config
    from lofipress.build.pipeline import build

    _, _, out = imported
    (tmp_path / "samples").mkdir()
    shutil.copytree(out, tmp_path / "samples" / "mine")
    (tmp_path / "station.toml").write_text(f'''[station]
name = "thirdparty"
tracks = 2
bars = 8
tempo_min_bpm = 80
tempo_max_bpm = 84
[loops]
track_bars = 8
[corpus]
dir = "{REPO / 'corpus'}"
[model]
dir = "{REPO / 'models'}"
[pack]
name = "mine"
''')
    summary = build(config.load(tmp_path / "station.toml"), jobs=2, quiet=True, out=str(tmp_path / "site"))
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text())
    assert summary["rebuilt"] and len(manifest["tracks"]) == 2
    assert {a["id"] for a in manifest["ambience"]} == {"rain-window", "texture-01"}
    assert any("TODO" in c["license"] for c in manifest["credits"])  # the draft's credits show until a human fills them


@pytest.mark.parametrize("text,expected", [
    ("Copyright 2019-2021 Lo Fi Larry. Licensed under CC-BY 4.0.", ("CC-BY-4.0", "Lo Fi Larry")),
    ("Made with love. Released under the MIT License.", ("MIT", "TODO")),
    ("Instruments: MIT license. Ambience: CC0.", ("TODO (the folder names CC0-1.0, MIT: say which applies to which "
                                                  "file)", "TODO")),
    ("Sounds I made on a rainy weekend.", ("TODO", "TODO")),
])
def test_license_is_read_only_when_unambiguous(text, expected):
    assert pack_import.license_in(text) == expected


def test_imported_beds_get_listener_titles_in_natural_order(tmp_path, capsys):
    """The player's drop-downs list a pack's beds as named for a listener, 2 before 10 (not rain-1, rain-10...)."""
    src = tmp_path / "src"
    rng = np.random.default_rng(3)
    for stem in ("rain-10", "rain-2", "rain_loop_80bpm-1", "Rain-11"):
        (src / "ambience").mkdir(parents=True, exist_ok=True)
        sf.write(src / "ambience" / f"{stem}.wav", 0.1 * rng.standard_normal(44100 * 6), 44100)
    for rel, midi in (("Rhodes/C3.wav", 48), ("Rhodes/G3.wav", 55)):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(src / rel, tone(midi, 1.0, 44100, "pluck"), 44100)
    assert cli.main(["pack", "import", str(src), str(tmp_path / "p")]) == 0
    capsys.readouterr()
    titles = [a.title for a in load_pack(tmp_path / "p").ambience]
    assert titles == ["Rain 1", "Rain 2", "Rain 10", "Rain 11"]
