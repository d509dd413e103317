"""Mood words choose mode, tempo and preset; explicit settings win; sad stations are heard minor."""
import dataclasses
from pathlib import Path

import pytest

from lofipress.music import compose, metrics
from lofipress.sound import fx
from lofipress.station import config, mood
from lofipress.core.keys import parse_key

DEFAULT = config.Station()


def station(text: str = "", **sections) -> config.Station:
    """A station from TOML-like tables, with the mood set; 8-bar pieces keep composing fast."""
    data = {k: dict(v) for k, v in sections.items()}
    data.setdefault("station", {})["mood"] = text
    return config.from_dict(data, Path("station.toml"))


def test_words_are_read_through_the_lexicon_and_unknown_ones_reported():
    m = mood.parse("Rainy Sunday, a bit SAD...")
    assert m.used == ("rainy", "sad") and m.ignored == ("sunday",)
    assert m.mode == "minor" and m.preset == "muffled" and m.tempo_shift_bpm < 0
    assert mood.parse("sunny mornings").used == ("sunny", "morning")  # a plural finds its word
    happy = mood.parse("not sad, happy")
    assert happy.ignored == ("not sad",) and happy.mode == "major" and happy.tempo_shift_bpm > 0
    assert mood.parse("no rain").ignored == ("no rain",)
    assert mood.parse("the very") == mood.Mood()  # glue words alone choose nothing and report nothing


def test_a_station_mood_moves_keys_tempo_and_preset_and_says_so_in_one_line():
    s = station("rainy sunday, a bit sad")
    assert {parse_key(k)[1] for k in s.station.keys} == {"minor"} and len(s.station.keys) == 12
    assert s.station.tempo_max_bpm < DEFAULT.station.tempo_max_bpm and s.fx.preset == "muffled"
    assert s.station.tempo_max_bpm - s.station.tempo_min_bpm == DEFAULT.station.tempo_max_bpm - DEFAULT.station.tempo_min_bpm
    line = mood.describe(s)
    assert line.startswith("mood: used rainy, sad; ignored sunday") and "minor keys" in line and "\n" not in line
    assert station("chill study").station.keys == ()  # no lean: all 24 keys stay open


def test_explicit_settings_win_over_the_mood():
    s = station("sad", station={"keys": ["C", "G"], "tempo_min_bpm": 84}, fx={"preset": "clean"})
    assert s.station.keys == ("C", "G") and s.fx.preset == "clean"
    assert (s.station.tempo_min_bpm, s.station.tempo_max_bpm) == (84, DEFAULT.station.tempo_max_bpm)
    assert station("").station == config.StationMeta()  # no mood, no change


def test_the_mood_is_deterministic_and_part_of_the_cache_key():
    a, b = station("melancholy winter night"), station("melancholy winter night")
    assert a == b and a.section_hash("station", "fx") == b.section_hash("station", "fx")
    assert a.section_hash("station") != station("sunny summer").section_hash("station")


def test_no_mood_pushes_tempo_out_of_lofi_range():
    high = dataclasses.replace(DEFAULT.station, tempo_min_bpm=90.0, tempo_max_bpm=98.0, mood="upbeat energetic")
    fast = mood.resolve(dataclasses.replace(DEFAULT, station=high), explicit=set())
    assert (fast.station.tempo_min_bpm, fast.station.tempo_max_bpm) == (92.0, mood.TEMPO_LIMITS_BPM[1])
    low = dataclasses.replace(high, tempo_min_bpm=62.0, tempo_max_bpm=70.0, mood="sleepy")
    slow = mood.resolve(dataclasses.replace(DEFAULT, station=low), explicit=set())
    assert slow.station.tempo_min_bpm == mood.TEMPO_LIMITS_BPM[0] and slow.station.tempo_max_bpm == 68.0


def test_every_preset_in_the_lexicon_exists_and_the_doc_lists_the_lexicon():
    assert {n.preset for n in mood.LEXICON.values()} - {""} <= set(fx.PRESETS)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "mood.md").read_text(encoding="utf-8")
    assert mood.lexicon_table() in doc, "regenerate the table: python -m lofipress.station.mood"


@pytest.mark.parametrize("text, mode", [("sad, lonely night", "minor"), ("happy sunny morning", "major")])
def test_mood_stations_compose_pieces_heard_in_the_mood_mode_and_tempo(text, mode):
    s = station(text, station={"tracks": 6, "bars": 8}, loops={"track_bars": 8})
    pieces = compose.compose(s, log=lambda _: None)
    # from the published notes alone: the arranged keys and melody, as the gate hears them
    heard = [metrics.piece_metrics(sorted(c.parts["keys"]) + sorted(c.parts["melody"]), c.piece.bars)["key"]
             for c in pieces]
    assert [parse_key(k)[1] for k in heard] == [mode] * len(pieces), heard
    assert all(s.station.tempo_min_bpm <= c.tempo_bpm <= s.station.tempo_max_bpm for c in pieces)
    side = -1 if mode == "minor" else 1  # sad is slower than the default range, happy faster
    assert side * (s.station.tempo_min_bpm - DEFAULT.station.tempo_min_bpm) > 0
