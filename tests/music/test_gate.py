"""The gate means it: redraws, the draw missing the fewest targets kept, and a build leaving out what still fails.

The rule that fails pieces is scripted here (a gate that fails on purpose), so the redraw and keep-best logic is
driven exactly; the songs themselves come from the committed model.
"""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from lofipress.music import compose as compose_mod
from lofipress.station import config
from lofipress.core.errors import ModelError

ROOT = Path(__file__).resolve().parents[2]


def station(tracks: int, redraws: int):
    st = config.load(ROOT / "station.toml")
    return dataclasses.replace(st, station=dataclasses.replace(st.station, tracks=tracks, bars=8),
                               sampling=dataclasses.replace(st.sampling, max_redraws=redraws))


def run(monkeypatch, script, redraws=2, drop=False, log=None):
    """Compose len(script) songs with failures_of scripted per piece and per draw."""
    calls = {"draw": 0}
    seen: dict[int, int] = {}
    real_generate = compose_mod.generate
    pending: list[int] = []

    def generate(step, vocab, requests, *args, **kwargs):
        # compose asks for the failing pieces again, in index order: work out which from the script so far
        if calls["draw"] == 0:
            pending[:] = list(range(len(script)))
        else:
            pending[:] = [i for i in pending if script[i][min(seen[i] - 1, len(script[i]) - 1)]]
        calls["draw"] += 1
        assert len(pending) == len(requests)
        return real_generate(step, vocab, requests, *args, **kwargs)

    queue: list[int] = []

    def failures_of(m):
        if not queue:
            queue.extend(pending)
        i = queue.pop(0)
        draw = seen.get(i, 0)
        seen[i] = draw + 1
        return list(script[i][min(draw, len(script[i]) - 1)])

    monkeypatch.setattr(compose_mod, "generate", generate)
    monkeypatch.setattr(compose_mod, "failures_of", failures_of)
    said = [] if log is None else log
    pieces = compose_mod.compose(station(len(script), redraws), log=said.append, drop_failing=drop)
    return pieces, said, calls["draw"]


def test_failing_pieces_are_redrawn_and_the_draw_missing_fewest_targets_is_kept(monkeypatch):
    script = {0: [["a", "b"], []],  # passes on its first redraw
              1: [["a", "b", "c"], ["a"], ["a", "b"]],  # never passes: its second draw misses least
              2: [[]]}  # passes at once
    pieces, said, draws = run(monkeypatch, script)
    assert draws == 3  # the first draw and two redraws, the last for piece 1 alone
    assert [(p.id, p.draws, p.failures) for p in pieces] == [("t01", 2, []), ("t02", 3, ["a"]), ("t03", 1, [])]
    assert pieces[1].seed == compose_mod.derive_seed(station(3, 2).station.seed, "track", 1, 1)  # the 2nd draw's
    assert "1 passed on the first draw, 2 redrawn, 1 still missing a target after 2 redraws" in said[-1]


def test_a_build_leaves_out_what_still_fails_and_says_so(monkeypatch):
    script = {0: [[]], 1: [["key_consistency 0.50 < 0.75", "melody: step_share 0.3 outside 0.44-0.96"]], 2: [[]]}
    pieces, said, _ = run(monkeypatch, script, redraws=1, drop=True)
    assert [p.id for p in pieces] == ["t01", "t03"]
    assert any(line.startswith("t02 '") and "left out: after 2 draws it still misses key_consistency 0.50 < 0.75 "
               "and 1 more" in line for line in said), said


def test_a_station_where_nothing_passes_is_an_error_not_an_empty_site(monkeypatch):
    with pytest.raises(ModelError, match="none of the 2 songs met the quality targets in 2 draws"):
        run(monkeypatch, {0: [["x"]], 1: [["y"]]}, redraws=1, drop=True)


def test_the_committed_model_s_station_passes_the_gate_with_its_redraws():
    st = config.load(ROOT / "station.toml")
    pieces = compose_mod.compose(st, log=lambda *_: None, drop_failing=True)
    assert len(pieces) == st.station.tracks and not any(p.failures for p in pieces)


@pytest.fixture(scope="module")
def passing_song():
    """A 30-bar song the committed model composed and the gate passed, with its arranged parts."""
    st = config.load(ROOT / "station.toml")
    st = dataclasses.replace(st, station=dataclasses.replace(st.station, tracks=2, bars=30),
                             sampling=dataclasses.replace(st.sampling, max_redraws=4))
    return next(s for s in compose_mod.compose(st, log=lambda *a: None) if not s.failures)


def _section(notes, first_bar, last_bar):
    return [n for n in notes if first_bar * 16 <= n[0] < last_bar * 16]


def _repeat_a(parts):
    """B and A2 replaced by copies of A (bars 2-9): a song whose form is only in its labels."""
    out = {}
    for part, notes in parts.items():
        a = _section(notes, 2, 10)
        out[part] = [n for n in notes if not 10 * 16 <= n[0] < 26 * 16] + \
            [(n[0] + 8 * 16, *n[1:]) for n in a] + [(n[0] + 16 * 16, *n[1:]) for n in a]
    return out


def _top_voice(keys):
    """The comping's top note at each of its onsets, as a 'melody'."""
    top = {}
    for t, d, p in keys:
        top[t] = max(top.get(t, (0, 0)), (p, d))
    return [(t, d, p) for t, (p, d) in sorted(top.items())]


MISSES = {  # a passing song changed to miss targets -> words its failures must hold
    "no melody": (lambda p, rng: {**p, "melody": []}, ["melody: missing"]),
    "atonal": (lambda p, rng: {k: [(n[0], n[1], int(48 + rng.integers(0, 24)), *n[3:]) for n in v]
                               for k, v in p.items()}, ["key_consistency", "in_key", "pc_entropy_bits"]),
    "a bass drone": (lambda p, rng: {**p, "bass": [(0, 30 * 16, 36)]}, ["bass: holds a note 30.0 bars"]),
    "form in labels only": (lambda p, rng: _repeat_a(p), ["form: B is 1.00 like A",
                                                          "A->B at bar 11 not heard", "B->A2 at bar 19 not heard",
                                                          "1 progression by content"]),
    "a melody doubling the comping": (lambda p, rng: {**p, "melody": _top_voice(p["keys"])}, ["melody: rides the keys"]),
    "an 8-bar repeated bass note": (lambda p, rng: {**p, "bass": [n for n in p["bass"] if not 10 * 16 <= n[0] < 18 * 16]
                                                    + [(t, 4, 36) for t in range(10 * 16, 18 * 16, 8)]},
                                    ["bass: one pitch for 8"]),
    "a leaping melody": (lambda p, rng: {**p, "melody": [(n[0], n[1], n[2] + (24 if i % 2 else -12), *n[3:])
                                                         for i, n in enumerate(p["melody"])]},
                         ["melody: range_semitones", "melody: step_share"]),
}


def test_the_real_gate_passes_what_it_passed(passing_song):
    s = passing_song
    assert compose_mod.failures_of(compose_mod.score(s.parts, s.key, s.piece.bars, s.piece.sections, None)) == []


@pytest.mark.parametrize("case", sorted(MISSES))
def test_the_real_gate_fails_a_song_made_to_miss(passing_song, case):
    """The real measures (no scripted rule), on the notes alone: each change fails the targets it should."""
    s = passing_song
    change, words = MISSES[case]
    parts = change(s.parts, np.random.default_rng(7))
    failures = compose_mod.failures_of(compose_mod.score(parts, s.key, s.piece.bars, s.piece.sections, None))
    for word in words:
        assert any(word in f for f in failures), (word, failures)
