"""Sampling priors: soft logit nudges that shape a song while the model samples it.

`SectionPriors`: inside a section a bar leans toward the bar a loop earlier
(`loop_bias`), A2 and the outro's opening lean toward A's bars more gently
(`return_bias`, less for the melody: A comes back varied), and B's first loop is
pushed away from A's chords and notes (`contrast_bias`); the outro's last two
bars lean to the tonic chord (`cadence_bias`).

`LeadPriors`: the lead's next note pays for a leap past a whole tone
(`lead_leap_bias` a semitone), for leaving an octave around the line's own
centre (`lead_range_bias` a semitone), and for a note outside the chord struck
under it on beats 1 and 3 (`lead_chord_bias`). The costs only choose among the
lead's notes: the chance that a note sounds at all stays the model's, so the
line keeps its density. The model proposes; these keep its line singable, like
the scale prior keeps its notes in the key.
"""
from __future__ import annotations

import numpy as np

from ..station.config import SamplingSettings, SongSettings
from .grammar import Grammar
from .tokens import Vocab, section_names

FREE_LEAP = 2  # a whole tone is a step: free
MOSTLY_HEARD = 0.7  # a chord with more of its pitch classes in A's bar than this adds too little to be heard as new
FREE_RANGE = 7  # half an octave and a bit either side of the line's centre: free


class SectionPriors:
    """What each bar of one piece leans toward: its section token, a reference bar and a bar to avoid."""

    def __init__(self, sections, bars: int, settings: SamplingSettings, song: SongSettings, vocab: Vocab,
                 tonic_ids: np.ndarray, chord_pcs: np.ndarray | None = None):
        names = section_names(sections, bars, "A")
        self.sec_ids = [vocab.index.get(f"sec:{name}", vocab.index.get("sec:A", 0)) for name in names]
        first_of = {name: first for name, first, _ in sections}
        size_of = {name: count for name, _, count in sections}
        loop = settings.loop_bars if settings.loop_bias > 0 else 0
        a0, a_bars = first_of.get("A"), size_of.get("A", 0)
        self.lean: list[tuple[int, float, float] | None] = [None] * bars  # (bar, bias, bias of lead notes)
        self.avoid: list[int | None] = [None] * bars
        for b, name in enumerate(names):
            first = first_of.get(name, 0)
            k = b - first
            if name in ("A2", "outro") and a0 is not None and a_bars and song.return_bias > 0:
                opening = size_of[name] - 2 if name == "outro" else size_of[name]
                if k < opening:  # the outro's last two bars are the cadence: no lean
                    self.lean[b] = (a0 + k % a_bars, song.return_bias, song.return_lead_bias)
            elif loop and k >= loop and name != "intro":
                self.lean[b] = (b - loop, settings.loop_bias, settings.loop_bias)
            if name == "B" and a0 is not None and k < loop and k < a_bars and song.contrast_bias > 0:
                self.avoid[b] = a0 + k
        self.contrast = song.contrast_bias
        # Per chord token, its pitch classes (tonic-relative): B is pushed off A's *harmony*, not only off A's
        # tokens, since a revoiced chord is a new token that a listener hears as the same chord.
        self.chord_pcs = chord_pcs
        self._off_harmony: dict[int, np.ndarray] = {}
        # The outro's last two bars lean to the tonic chord (root position: tokens are tonic-relative, so a chord
        # whose lowest note is a tonic and that holds a third over it), so the song resolves before the seam.
        self.cadence = {b for b, name in enumerate(names) if name == "outro" and b >= first_of["outro"]
                        + size_of["outro"] - 2} if song.cadence_bias > 0 and "outro" in first_of else set()
        self.tonic_ids = tonic_ids  # tonic_chord_ids(vocab), made once for the batch
        self.cadence_bias = song.cadence_bias

    def recalls(self, bar: int) -> bool:
        """Whether the bar leans toward an earlier bar (a loop or a return) rather than being new."""
        return 0 <= bar < len(self.lean) and self.lean[bar] is not None

    def section_id(self, bar: int) -> int:
        return self.sec_ids[min(max(bar, 0), len(self.sec_ids) - 1)]

    def nudge(self, z: np.ndarray, bars_so_far: list[list[int]], g: Grammar) -> None:
        """Add the priors of the bar being written to one row of logits, in place."""
        b = len(bars_so_far) - 1
        if b < 0 or b >= len(self.lean):
            return
        j = len(bars_so_far[-1])
        lean = self.lean[b]
        if lean is not None and lean[0] < b:
            ref_bar = bars_so_far[lean[0]]
            ref = ref_bar[j] if j < len(ref_bar) else g.bar_id  # the old bar ended: lean to a bar line
            z[ref] += lean[2] if g.is_lead[ref] else lean[1]
        if b in self.cadence and len(self.tonic_ids):
            z[self.tonic_ids] += self.cadence_bias
        avoid = self.avoid[b]
        if avoid is not None and avoid < b:
            old = bars_so_far[avoid]
            if j < len(old) and g.is_note[old[j]]:
                z[old[j]] -= self.contrast
            if self.chord_pcs is not None:
                z[self._same_harmony(avoid, old)] -= self.contrast


    def _same_harmony(self, bar: int, old: list[int]) -> np.ndarray:
        """Ids of the chord tokens with over 70 % of their pitch classes among those of bar `bar`'s chords (a B bar
        of such chords shares 60 % of A's and is heard as A's progression: form_content's rule)."""
        hit = self._off_harmony.get(bar)
        if hit is None:
            pcs = self.chord_pcs
            heard = pcs[[t for t in old if pcs[t].any()]].any(axis=0) if old else np.zeros(12, bool)
            inter, size = (pcs & heard).sum(axis=1), pcs.sum(axis=1)
            hit = np.flatnonzero((size > 0) & heard.any() & (inter > MOSTLY_HEARD * size))
            self._off_harmony[bar] = hit
        return hit


def chord_pc_matrix(vocab: Vocab) -> np.ndarray:
    """(vocab, 12) booleans: the pitch classes of each keys chord token (all False for other tokens)."""
    out = np.zeros((len(vocab.tokens), 12), bool)
    for i, t in enumerate(vocab.tokens):
        if t.startswith("n:"):
            out[i, [int(r) % 12 for r in t[2:].split(".")]] = True
    return out


def tonic_chord_ids(vocab: Vocab) -> np.ndarray:
    """Ids of the chord tokens on the tonic (see _tonic_chord): where the outro and a wandering window lean."""
    return np.array([i for i, t in enumerate(vocab.tokens) if t.startswith("n:") and _tonic_chord(t)], int)


def _tonic_chord(token: str) -> bool:
    """A chord token (tonic-relative pitches) on the tonic: its lowest note a tonic, a third above it."""
    rel = [int(r) for r in token[2:].split(".")]
    pcs = {(r - rel[0]) % 12 for r in rel}
    return len(rel) >= 3 and rel[0] % 12 == 0 and bool(pcs & {3, 4})


class LeadPriors:
    """Every piece's lead line so far (last note, centre) and the chord struck under it, as arrays over the batch."""

    def __init__(self, vocab: Vocab, settings: SamplingSettings, n: int):
        tokens = vocab.tokens
        self.lead_ids = np.array([i for i, t in enumerate(tokens) if t.startswith("m:")], int)
        self.lead_rel = np.array([int(tokens[i][2:]) for i in self.lead_ids], float)
        self.rel_of = np.full(len(tokens), np.nan)  # per token id: the lead note's pitch (tonic-relative), or nan
        self.rel_of[self.lead_ids] = self.lead_rel
        self.pcs_of = chord_pc_matrix(vocab)  # per token id: the pitch classes of a keys chord
        self.is_chord = self.pcs_of.any(axis=1)
        self.lead_pc = np.mod(self.lead_rel, 12).astype(int)
        self.leap, self.range, self.chord = settings.lead_leap_bias, settings.lead_range_bias, settings.lead_chord_bias
        self.own_rhythm = settings.lead_own_rhythm_bias
        self.last = np.full(n, np.nan)
        self.total, self.count = np.zeros(n), np.zeros(n)
        self.struck = np.zeros((n, 12), bool)
        self.struck_at = np.full(n, -1)

    def saw(self, ids: np.ndarray, pos: np.ndarray, live: np.ndarray) -> None:
        """Follow the pieces `live` that emitted `ids` at `pos`: a chord sets the harmony, a lead note moves the line."""
        chord = self.is_chord[ids]
        if chord.any():
            rows, at = live[chord], pos[chord]
            same = (self.struck_at[rows] == at)[:, None]
            self.struck[rows] = self.pcs_of[ids[chord]] | (self.struck[rows] & same)
            self.struck_at[rows] = at
        rel = self.rel_of[ids]
        lead = ~np.isnan(rel)
        if lead.any():
            rows = live[lead]
            self.last[rows] = rel[lead]
            self.total[rows] += rel[lead]
            self.count[rows] += 1

    def own_rhythm_cost(self, z: np.ndarray, after_keys: np.ndarray) -> None:
        """A lead note where the keys were just struck costs `own_rhythm` (rows `after_keys`), so the melody
        finds onsets of its own instead of riding the comping's top voice."""
        if self.own_rhythm and len(after_keys) and len(self.lead_ids):
            z[np.ix_(after_keys, self.lead_ids)] -= self.own_rhythm

    def nudge(self, z: np.ndarray, pos: np.ndarray, rows: np.ndarray, live: np.ndarray) -> None:
        """Costs on the lead's tokens of batch rows `rows` (about to place a note at `pos`), in place."""
        if not len(self.lead_ids) or not len(rows) or not (self.leap or self.range or self.chord):
            return
        who = live[rows]
        last = self.last[who][:, None]
        seen = ~np.isnan(last)
        centre = np.where(seen, self.total[who][:, None] / np.maximum(self.count[who][:, None], 1), 0.0)
        rel = self.lead_rel[None, :]
        cost = np.where(seen, self.leap * np.maximum(np.abs(rel - np.nan_to_num(last)) - FREE_LEAP, 0)
                        + self.range * np.maximum(np.abs(rel - centre) - FREE_RANGE, 0), 0.0)
        strong = (pos[rows] % 8 == 0) & self.struck[who].any(axis=1)  # beats 1 and 3: steps 0 and 8
        outside = ~self.struck[who][:, self.lead_pc]  # (rows, lead notes): not a tone of the chord struck
        cost += self.chord * (strong[:, None] & outside)
        # Reshape which note, not whether: the lead keeps the share of probability the model gives it now.
        before = z[np.ix_(rows, self.lead_ids)]
        after = before - cost
        z[np.ix_(rows, self.lead_ids)] = after + (logsumexp_rows(before) - logsumexp_rows(after))[:, None]


class KeyPriors:
    """Each piece's current 4-bar window (the quality gate's windows), heard as the gate hears it (pitch classes
    weighted by duration). A chord that would make the window so far sound in another key costs `window_key_bias`
    (looking ahead, from the window's second bar on), and a window already heard in another key leans to the
    tonic chord from its second bar on (from its second half, 17 first draws in 288 missed key consistency; from
    its second bar, 9: scripts/first_draw.py), so no window wanders off."""

    NOMINAL_CHORD_16THS = 8.0  # a candidate chord is weighed as if it lasted half a bar: its length is not yet drawn

    def __init__(self, vocab: Vocab, settings: SamplingSettings, modes: list[str], bar_id: int):
        from .metrics import _PROFILES, _scale_id

        self.profiles = _PROFILES
        self.scale_of_key = np.array([_scale_id(k) for k in range(24)])
        tokens = vocab.tokens
        self.pcs_of = np.zeros((len(tokens), 12))  # per token id: its notes' pitch classes (tonic-relative)
        self.dur_of = np.zeros(len(tokens))  # per token id: the 16ths of a duration token
        for i, t in enumerate(tokens):
            if t.startswith(("n:", "m:")):
                for r in t[2:].split("."):
                    self.pcs_of[i, int(r) % 12] += 1
            elif t.startswith("d:"):
                self.dur_of[i] = float(t[2:])
        self.chord_ids = np.array([i for i, t in enumerate(tokens) if t.startswith("n:")], int)
        self.chord_scores = self._centred(self.pcs_of[self.chord_ids]) @ self.profiles.T  # (chords, 24 keys)
        self.tonic_ids = tonic_chord_ids(vocab)
        self.want = np.array([0 if m == "major" else _scale_id(12) for m in modes])  # the scale of tonic 0 in mode
        self.bias, self.bar_id = settings.window_key_bias, bar_id
        n = len(modes)
        self.hist, self.pending = np.zeros((n, 12)), np.zeros((n, 12))
        self.bars, self.lean = np.zeros(n, int), np.zeros(n, bool)

    def saw(self, ids: np.ndarray, live: np.ndarray) -> None:
        """Count the notes into each window by duration; at a bar line, start a window or check the one running."""
        notes = self.pcs_of[ids]
        has_note = notes.any(axis=1)
        self.pending[live[has_note]] = notes[has_note]
        dur = self.dur_of[ids]
        timed = np.flatnonzero(dur > 0)
        self.hist[live[timed]] += self.pending[live[timed]] * dur[timed, None]
        self.pending[live[timed]] = 0.0
        for r in np.flatnonzero(ids == self.bar_id):
            i = live[r]
            self.bars[i] += 1
            within = (self.bars[i] - 1) % 4  # 0..3: the new bar's place in its window
            if within == 0:
                self.hist[i] = 0.0
            self.lean[i] = within >= 1 and self.hist[i].any() and \
                self._scale(self.hist[i]) != self.want[i]

    def nudge(self, z: np.ndarray, live: np.ndarray, before_note: np.ndarray) -> None:
        """`before_note`: the batch rows whose next token may be a chord."""
        if not self.bias:
            return
        rows = np.flatnonzero(self.lean[live])
        if len(rows) and len(self.tonic_ids):
            z[np.ix_(rows, self.tonic_ids)] += self.bias
        ahead = before_note[((self.bars[live[before_note]] - 1) % 4 >= 1) & self.hist[live[before_note]].any(axis=1)]
        if not len(ahead) or not len(self.chord_ids):
            return
        who = live[ahead]
        home = self._scale(self.hist[who]) == self.want[who]
        ahead, who = ahead[home], who[home]  # a window already away leans home (above); one at home stays there
        if len(ahead):
            # Correlation is linear in the centred histogram: score the window once, add each chord's score.
            now = self._centred(self.hist[who]) @ self.profiles.T
            key = np.argmax(now[:, None, :] + self.NOMINAL_CHORD_16THS * self.chord_scores[None], axis=-1)
            off = self.scale_of_key[key] != self.want[who][:, None]
            z[np.ix_(ahead, self.chord_ids)] -= self.bias * off

    @staticmethod
    def _centred(x: np.ndarray) -> np.ndarray:
        return x - x.mean(axis=-1, keepdims=True)

    def _scale(self, x: np.ndarray) -> np.ndarray:
        """The scale id of the key heard in each (..., 12) histogram; profiles are unit-norm, so the best dot
        product of the centred histogram is the best correlation."""
        return self.scale_of_key[np.argmax(self._centred(x) @ self.profiles.T, axis=-1)]


def logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp of a (rows, n) array."""
    top = x.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]
