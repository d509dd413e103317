"""Song form: the sections that fill a track's bars, and training songs built from corpus loops.

A track is planned as sections, for example intro (2) · A (8) · B (8) · A2 (8) ·
outro (4) over 30 bars. A is a loop, B a contrasting progression, A2 brings A
back varied, and the outro cadences into the intro at the loop seam. The plan
is data, `(name, first_bar, bars)`, carried by the composed piece, the cache,
the manifest and the track page.

The corpus holds loops, not songs, so the model learns sections from songs put
together here: the intro is the A loop's last two bars on the keys alone (a
turnaround into A), B is another loop of the same mode moved into A's key, A2
is A again, the outro opens like A and then holds the tonic chord. Section
tokens (`sec:A` after each bar line) let the model tell the parts apart.
"""
from __future__ import annotations


import numpy as np

from .chords import parse_symbol, root_of, voice
from ..station.form import FORMS, Form
from .tokens import STEPS_PER_BAR, Piece, QNote, Section, quantize, tonic_reference
from ..core.keys import parse_key

BODY = ("A", "B", "A2")  # the sections that share what intro and outro leave, in whole loops
EDGE = ("intro", "outro")


def plan_sections(form: str | Form, bars: int, loop_bars: int = 4) -> tuple[Section, ...]:
    """The sections of a track of `bars` bars: edges keep their size, the body shares the rest.

    Body sections get whole loops of `loop_bars` (at least one each) in the form's proportions; what is
    left over goes to A, the loop a listener should hear most. Sections that do not fit are dropped, B
    first, then the edges, so a 4-bar track is one A.
    """
    f = form if isinstance(form, Form) else Form.parse(form)
    items = list(f.items)
    while True:
        edges = sum(b for n, b in items if n in EDGE)
        body = [(n, b) for n, b in items if n in BODY]
        if bars - edges >= loop_bars * len(body) or len(items) == 1:
            break
        drop = next((n for n in ("B", "intro", "outro", "A2") if n in dict(items)), None)
        items = [(n, b) for n, b in items if n != drop]
    edges = sum(b for n, b in items if n in EDGE)
    room = max(bars - edges, 0)
    body = [(n, b) for n, b in items if n in BODY]
    weight = sum(b for _, b in body)
    sizes = {n: max(loop_bars, int(room * b / weight) // loop_bars * loop_bars) for n, b in body}
    while sum(sizes.values()) > room and any(v > loop_bars for v in sizes.values()):
        biggest = max((n for n in sizes if sizes[n] > loop_bars), key=lambda n: sizes[n])
        sizes[biggest] -= loop_bars
    sizes["A"] = sizes.get("A", 0) + room - sum(sizes.values())
    out, first = [], 0
    for name, b in items:
        n = sizes[name] if name in BODY else b
        if n > 0:
            out.append((name, first, n))
            first += n
    if first != bars:  # only when the edges alone overflow a very short track
        out = [("A", 0, bars)]
    return tuple(out)


# ---- training songs ---------------------------------------------------------------------------------

def _bars_of(piece: Piece, bars: range, notes: tuple[QNote, ...], to_bar: int) -> list[QNote]:
    """The notes starting in `bars` of a loop (taken modulo its length), moved to start at bar `to_bar`."""
    out = []
    span = piece.bars * STEPS_PER_BAR
    for k, b in enumerate(bars):
        src = (b % piece.bars) * STEPS_PER_BAR
        for s, d, p in notes:
            if src <= s < src + STEPS_PER_BAR:
                out.append(((to_bar + k) * STEPS_PER_BAR + s - src, min(d, span), p))
    return out


def _loop_into(piece: Piece, n_bars: int, to_bar: int) -> tuple[list[QNote], list[QNote]]:
    """The loop repeated over `n_bars` bars from `to_bar`: (keys, lead)."""
    r = range(n_bars)
    return _bars_of(piece, r, piece.notes, to_bar), _bars_of(piece, r, piece.lead, to_bar)


def _tonic_chord(a: Piece) -> list[int]:
    """A voicing of the tonic chord: A's own when a bar of A starts on it, else a voiced I maj9 / i m9."""
    tonic, mode = parse_key(a.key)
    for b in range(a.bars):
        struck = [p for s, _, p in a.notes if s == b * STEPS_PER_BAR]
        found = root_of(struck) if len(struck) >= 3 else None
        if found and found[0] == tonic:
            return sorted(struck)
    names = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    return list(voice(parse_symbol(names[tonic] + ("m9" if mode == "minor" else "maj9"))))


def _move_to_key(b: Piece, key: str) -> Piece:
    """B in A's key, by the smallest shift (tokens are tonic-relative, so only the register moves)."""
    shift = (parse_key(key)[0] - parse_key(b.key)[0]) % 12
    shift = shift - 12 if shift > 6 else shift
    move = lambda ns: tuple((s, d, p + shift) for s, d, p in ns)  # noqa: E731
    return Piece(b.name, move(b.notes), key, b.bars, b.meta, move(b.lead))


def training_song(a: Piece, b: Piece, form: str = "song", bars: int = 30, loop_bars: int = 4) -> Piece:
    """A song made of two corpus loops of one mode: intro, A, B, A2, outro as planned by `form`."""
    b = _move_to_key(b, a.key)
    sections = plan_sections(form, bars, loop_bars)
    keys: list[QNote] = []
    lead: list[QNote] = []
    for name, first, n in sections:
        if name in ("A", "A2"):
            k, m = _loop_into(a, n, first)
        elif name == "B":
            k, m = _loop_into(b, n, first)
        elif name == "intro":  # the loop's last bars lead into its first: a turnaround on the keys alone
            k, m = _bars_of(a, range(a.bars * 8 - n, a.bars * 8), a.notes, first), []
        else:  # outro: A's opening, then the tonic held and the melody resting on a tone of it
            opening = max(n - 2, 0)
            k, m = _bars_of(a, range(opening), a.notes, first), _bars_of(a, range(opening), a.lead, first)
            hold = _tonic_chord(a)
            at = (first + opening) * STEPS_PER_BAR
            length = (n - opening) * STEPS_PER_BAR
            k += [(at, min(length, 32), p) for p in hold]
            if a.lead and n - opening >= 1:
                last = sorted(a.lead)[-1][2]
                ref = tonic_reference(parse_key(a.key)[0])
                tones = [p for p in range(ref - 12, ref + 36) if p % 12 in {x % 12 for x in hold}]
                m = m + [(at, min(length - 4, 16) or 4, min(tones, key=lambda p: (abs(p - last), p)))]
        keys += k
        lead += m
    total = bars * STEPS_PER_BAR
    keys = [(s, min(d, total - s), p) for s, d, p in keys]
    lead = [(s, min(d, total - s), p) for s, d, p in lead]
    return Piece(f"{a.name}+{b.name}", quantize(keys, bars), a.key, bars, a.meta, quantize(lead, bars), sections)


def training_songs(pieces: list[Piece], seed: int, per_piece: int = 1) -> list[Piece]:
    """Songs from a list of loops: each loop is A once per `per_piece`, with a B of the same mode and lead status.

    Partners and forms are drawn from `seed`; a loop with no partner is its own B (the model still learns the
    section tokens, and the sampler's contrast prior keeps a generated B apart from A).
    """
    rng = np.random.default_rng(seed)
    forms = list(FORMS)
    groups: dict[tuple[str, bool], list[int]] = {}
    for i, p in enumerate(pieces):
        groups.setdefault((parse_key(p.key)[1], bool(p.lead)), []).append(i)
    out = []
    for i, a in enumerate(pieces):
        mates = [j for j in groups[(parse_key(a.key)[1], bool(a.lead))] if j != i] or [i]
        for _ in range(per_piece):
            b = pieces[mates[int(rng.integers(len(mates)))]]
            form = forms[0] if rng.random() < 0.6 else forms[int(rng.integers(len(forms)))]
            out.append(training_song(a, b, form))
    return out
