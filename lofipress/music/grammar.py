"""The token grammar generation follows: which kind of token may come after which, as masks over a vocabulary.

Shared by the sampler (lofipress.music.generate) and its priors (lofipress.music.priors), below both.
"""
from __future__ import annotations

import numpy as np

from .tokens import BAR, EOS, Vocab

MAX_EVENTS_PER_BAR = 24  # a bar with more note events than this is noise: force the bar line


# Last-token kinds the grammar tracks.
OTHER, POS, CHORD, CHORD_DUR, LEAD, LEAD_DUR, BAR_LINE = range(7)


class Grammar:
    """Boolean masks of which token may follow which, over the vocabulary."""

    def __init__(self, vocab: Vocab):
        kinds = np.array([_kind(t) for t in vocab.tokens])
        self.is_pos = kinds == "pos"
        self.is_chord = kinds == "n"
        self.is_lead = kinds == "m"
        self.is_note = self.is_chord | self.is_lead
        self.is_dur = kinds == "d"
        self.is_sec = kinds == "sec"
        self.has_sections = bool(self.is_sec.any())
        self.bar_id = vocab.index[BAR]
        self.eos_id = vocab.index[EOS]
        self.pos_value = np.array([int(t[4:]) if t.startswith("pos:") else -1 for t in vocab.tokens])
        self.size = len(vocab)
        ids = np.arange(self.size)
        self.kind_table = np.select([ids == self.bar_id, self.is_pos, self.is_chord, self.is_lead, self.is_dur],
                                    [BAR_LINE, POS, CHORD, LEAD, CHORD_DUR], OTHER)  # a duration: whose, below

    def kind_of(self, ids: np.ndarray, last_kind: np.ndarray) -> np.ndarray:
        """The grammar kind of each token just emitted (a duration is the keys' or the lead's)."""
        kind = self.kind_table[ids]
        return np.where((kind == CHORD_DUR) & (last_kind == LEAD), LEAD_DUR, kind)

    def allowed(self, last_kind: np.ndarray, pos: np.ndarray, events: np.ndarray, bars_done: np.ndarray) -> np.ndarray:
        """Mask (batch, vocab) given each sequence's last token kind, position, events in the bar, bars begun."""
        b = len(last_kind)
        mask = np.zeros((b, self.size), bool)
        mask[last_kind == POS] = self.is_note  # a position is followed by a chord or the lead's note
        mask[(last_kind == CHORD) | (last_kind == LEAD)] = self.is_dur  # a note by its duration
        after_bar = (last_kind == BAR_LINE) & self.has_sections
        mask[after_bar] = self.is_sec  # the section token (forced to the plan's)
        free = (last_kind == OTHER) | (last_kind == CHORD_DUR) | (last_kind == LEAD_DUR)
        if not self.has_sections:
            free |= last_kind == BAR_LINE
        if free.any():
            later = self.is_pos[None, :] & (self.pos_value[None, :] > pos[:, None])
            rows = free[:, None] & later
            rows[:, self.bar_id] = free
            # Another event at the same position only after a keys' duration: more keys, or the lead's note.
            rows |= (last_kind == CHORD_DUR)[:, None] & self.is_note[None, :]
            full = (events >= MAX_EVENTS_PER_BAR) | (bars_done == 0)  # the first token after the header is a bar
            rows[full & free] = False
            rows[full & free, self.bar_id] = True
            mask |= rows
        return mask


def _kind(token: str) -> str:
    return token.split(":")[0] if ":" in token else token
