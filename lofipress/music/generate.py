"""Batched, stateful sampling: every piece of a station advances one token per step.

The seed articles call `model.predict` on the whole window for every token of
one piece. Here a numpy LSTM step carries (h, c) forward for a batch of pieces,
so one step costs one small matrix product per layer for all of them.

A grammar mask keeps every sequence well formed (pos -> n|m -> d, positions only
move forward inside a bar, the keys before the lead's one note at a position) and
the bar count exact: the bar after the last one becomes <eos>. Sampling:
temperature, top-k, top-p, and a repetition penalty on chord tokens that decays
back ("restore speed") as in the Music Transformer article.

Song form: each request carries its sections; after every bar line the planned
`sec:` token is fed (the model was trained on songs with them), and the section
sets the priors of lofipress.music.priors (loop, return to A, contrast in B); the lead's
notes get a line prior (steps, a register, chord tones on strong beats).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..station.config import SamplingSettings, SongSettings
from .grammar import BAR_LINE, CHORD_DUR, MAX_EVENTS_PER_BAR, POS, Grammar
from .model import StepModel
from .priors import KeyPriors, LeadPriors, SectionPriors, chord_pc_matrix, tonic_chord_ids
from .tokens import BAR, BOS, EOS, LEAD_ON, STEPS_PER_BAR, Section, Vocab

SCALES = {"major": {0, 2, 4, 5, 7, 9, 11},  # scale degrees in semitones above the tonic
          "minor": {0, 2, 3, 5, 7, 8, 10, 11}}  # natural minor plus the leading tone of V7


@dataclass(frozen=True)
class Request:
    """One piece to generate: its mode, optional primer tokens (after the header), its rng seed, its sections."""

    mode: str  # "major" or "minor"
    seed: int
    primer: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()  # (name, first bar, bars); empty = one A loop


def out_of_scale(vocab: Vocab, mode: str) -> np.ndarray:
    """Per token, how many of its notes fall outside the mode's scale (tokens are tonic-relative)."""
    scale = SCALES[mode]
    return np.array([sum((int(r) % 12) not in scale for r in t[2:].split("."))
                     if t.startswith(("n:", "m:")) else 0 for t in vocab.tokens], np.float32)


def sample_rows(logits: np.ndarray, uniforms: np.ndarray, temperature: float, top_k: int, top_p: float,
                shortlist: int = 64) -> np.ndarray:
    """Sample one id per row from logits (masked entries at -inf) with temperature, top-k and top-p.

    Only the `shortlist` most likely tokens are sorted (argpartition is linear); rows whose shortlist
    holds less than top_p of the mass fall back to a full sort, so the result equals a full sort's.
    """
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    v = p.shape[1]
    k = min(v, max(shortlist, top_k))
    if k < v:
        part = np.argpartition(-p, k - 1, axis=1)[:, :k]
        short = np.take_along_axis(p, part, axis=1)
        inner = np.argsort(-short, axis=1, kind="stable")
        order = np.take_along_axis(part, inner, axis=1)
        sorted_p = np.take_along_axis(short, inner, axis=1)
        reaches = (top_k and top_k <= k) or bool((sorted_p.sum(axis=1) >= top_p - 1e-9).all())
        if reaches:
            return _nucleus(order, sorted_p, uniforms, top_k, top_p)
    order = np.argsort(-p, axis=1, kind="stable")  # rare: some nucleus reaches past the shortlist
    return _nucleus(order, np.take_along_axis(p, order, axis=1), uniforms, top_k, top_p)


def _nucleus(order: np.ndarray, sorted_p: np.ndarray, uniforms: np.ndarray, top_k: int, top_p: float) -> np.ndarray:
    cum = np.cumsum(sorted_p, axis=1)
    keep = (cum - sorted_p) < top_p - 1e-9  # the smallest prefix reaching top_p (the first token always stays)
    if top_k > 0:
        keep[:, top_k:] = False
    kept = np.where(keep, sorted_p, 0.0)
    cum = np.cumsum(kept, axis=1)
    target = uniforms[:, None] * cum[:, -1:]
    idx = np.minimum((cum < target).sum(axis=1), order.shape[1] - 1)
    return order[np.arange(len(order)), idx]


def generate(model: StepModel, vocab: Vocab, requests: list[Request], bars: int,
             settings: SamplingSettings, song: SongSettings = SongSettings()) -> list[list[str]]:
    """Generate one token sequence of exactly `bars` bars per request, all in one batch.

    Args:
        model: numpy step model (its state is reset).
        vocab: the model's vocabulary.
        requests: mode, seed, optional primer and sections per piece; each piece draws from its own rng,
            so a piece depends only on its own request.
        bars: bars per piece.
        settings: temperature, top-k, top-p, repetition penalty and its restore speed, loop prior.
        song: the priors between sections (return and contrast biases).
    Returns:
        Token lists, each starting <bos> mode:... and ending <eos>.
    """
    from threadpoolctl import threadpool_limits

    # One BLAS thread: a step is a (batch x 320) product, too small to share; on a busy machine threads fight
    # for the cores (measured 24 ms a step with OpenBLAS's default threads under load, 0.9 ms with one).
    with threadpool_limits(limits=1, user_api="blas"):
        return _generate(model, vocab, requests, bars, settings, song)


def _generate(model: StepModel, vocab: Vocab, requests: list[Request], bars: int, settings: SamplingSettings,
              song: SongSettings) -> list[list[str]]:
    n = len(requests)
    g = Grammar(vocab)
    rngs = [np.random.default_rng(r.seed) for r in requests]
    header = [LEAD_ON] if LEAD_ON in vocab.index and vocab.has_lead else []
    prompts = [[BOS, f"mode:{r.mode}", *header, *r.primer] for r in requests]
    prompt_ids = [vocab.ids(p) for p in prompts]
    out = [list(p) for p in prompt_ids]
    tonic_ids = tonic_chord_ids(vocab)
    chord_pcs = chord_pc_matrix(vocab)
    plans = [SectionPriors(r.sections or (("A", 0, bars),), bars, settings, song, vocab, tonic_ids, chord_pcs)
             for r in requests]
    lines = LeadPriors(vocab, settings, n)
    keys = KeyPriors(vocab, settings, [r.mode for r in requests], g.bar_id)
    model.reset(n)
    penalty = np.ones((n, len(vocab)), np.float32)
    log_penalty = np.zeros_like(penalty)
    penalize = settings.repetition_penalty != 1.0  # at 1.0 the penalty stays 1: skip its per-step upkeep
    # Key-aware sampling: each note outside the scale costs `scale_bias` in logits (soft, so color tones remain).
    outside = {m: out_of_scale(vocab, m) for m in {r.mode for r in requests}}
    scale_cost = settings.scale_bias * np.stack([outside[r.mode] for r in requests])
    # Replay the prompts (teacher forcing): together when they are the same length, else one by one.
    if len({len(p) for p in prompt_ids}) == 1:
        for t in range(len(prompt_ids[0])):
            logits = model.step(np.array([p[t] for p in prompt_ids]))
    else:
        logits = _replay_exact(model, prompt_ids)
    bars_done, pos, events, last_kind = _grammar_state(g, prompt_ids)
    # Per row, the ids of each bar so far, so a bar can lean toward (or away from) an earlier one token by token.
    bar_tokens: list[list[list[int]]] = [_split_bars(seq, g.bar_id) for seq in out]
    live = np.arange(n)  # rows still sampling; finished rows leave the batch so they cost nothing
    max_steps = bars * (3 * MAX_EVENTS_PER_BAR + 3) + 8
    for _ in range(max_steps):
        mask = g.allowed(last_kind, pos, events, bars_done)
        z = logits - log_penalty - scale_cost
        for r, i in enumerate(live):
            plans[i].nudge(z[r], bar_tokens[i], g)
        lines.nudge(z, pos, np.flatnonzero((last_kind == POS) | (last_kind == CHORD_DUR)), live)  # a lead note next?
        lines.own_rhythm_cost(z, np.flatnonzero(last_kind == CHORD_DUR))
        fresh = np.array([not plans[i].recalls(len(bar_tokens[i]) - 1) for i in live], bool)
        keys.nudge(z, live, np.flatnonzero((last_kind == POS) & fresh))
        z = np.where(mask, z, -np.inf)
        u = np.array([rngs[i].random() for i in live])
        ids = sample_rows(z, u, settings.temperature, settings.top_k, settings.top_p)
        if g.has_sections:  # after a bar line, the plan's section token
            after_bar = np.flatnonzero(last_kind == BAR_LINE)
            for r in after_bar:
                ids[r] = plans[live[r]].section_id(int(bars_done[r]) - 1)
        is_bar = ids == g.bar_id
        ending = is_bar & (bars_done >= bars)
        ids = np.where(ending, g.eos_id, ids)
        for r, i in enumerate(live):
            tok = int(ids[r])
            out[i].append(tok)
            if tok == g.bar_id:
                bar_tokens[i].append([])
            elif bar_tokens[i]:
                bar_tokens[i][-1].append(tok)
        lines.saw(ids, pos, live)  # `pos` is still the position these tokens were placed at
        keys.saw(ids, live)
        bars_done, pos, events, last_kind = _advance(g, ids, bars_done, pos, events, last_kind)
        if penalize:  # a used chord is penalized, then recovers at the restore speed
            penalty = 1.0 + (penalty - 1.0) * settings.penalty_restore
            used = g.is_chord[ids]
            penalty[np.flatnonzero(used), ids[used]] *= settings.repetition_penalty  # only chords ever leave 1.0
            log_penalty = np.log(penalty)
        if ending.any():
            keep = ~ending
            live, ids, bars_done, pos, events, last_kind = (a[keep] for a in (live, ids, bars_done, pos, events,
                                                                               last_kind))
            penalty, log_penalty, scale_cost = penalty[keep], log_penalty[keep], scale_cost[keep]
            model.state = [s[keep] for s in model.state]  # every step model keeps its batch first
            if not len(live):
                break
        logits = model.step(ids)
    result = []
    for i, seq in enumerate(out):
        words = vocab.words(seq)
        if words[-1] != EOS:  # safety net: the step budget ran out; close the piece
            words += [BAR] * max(0, bars - words.count(BAR)) + [EOS]
        result.append(words)
    return result


def _split_bars(ids: list[int], bar_id: int) -> list[list[int]]:
    """The ids after each bar line, one list per bar begun (tokens before the first bar line are dropped)."""
    bars: list[list[int]] = []
    for t in ids:
        if t == bar_id:
            bars.append([])
        elif bars:
            bars[-1].append(t)
    return bars


def _replay_exact(model: StepModel, prompt_ids: list[list[int]]) -> np.ndarray:
    """Run each prompt on its own so every row's state ends exactly at its last prompt token."""
    states, logits = [], []
    for p in prompt_ids:
        model.reset(1)
        for tok in p:
            lg = model.step(np.array([tok]))
        states.append(model.state)
        logits.append(lg[0])
    model.state = [np.concatenate([s[i] for s in states]) for i in range(len(states[0]))]
    return np.stack(logits)


def _advance(g: Grammar, ids: np.ndarray, bars_done, pos, events, last_kind):
    """Grammar state after each row emits `ids`: bars begun, position, events in the bar, last token kind."""
    is_bar = ids == g.bar_id
    bars_done = bars_done + is_bar
    pos = np.where(is_bar, -1, np.where(g.is_pos[ids], g.pos_value[ids], pos))
    events = np.where(is_bar, 0, events + g.is_note[ids])
    return bars_done, pos, events, g.kind_of(ids, last_kind)


def _grammar_state(g: Grammar, prompt_ids: list[list[int]]):
    """Grammar state after each prompt, by the same rules as sampling (prompts may differ in length)."""
    n = len(prompt_ids)
    bars_done, pos, events, last_kind = np.zeros(n, int), np.full(n, -1), np.zeros(n, int), np.zeros(n, int)
    for t in range(max(len(p) for p in prompt_ids)):
        rows = np.array([i for i, p in enumerate(prompt_ids) if t < len(p)])
        ids = np.array([prompt_ids[i][t] for i in rows])
        bars_done[rows], pos[rows], events[rows], last_kind[rows] = _advance(
            g, ids, bars_done[rows], pos[rows], events[rows], last_kind[rows])
    return bars_done, pos, events, last_kind


def primer_tokens(chord_symbols: str, key: str, vocab: Vocab, steps_per_chord: int = STEPS_PER_BAR) -> tuple[str, ...]:
    """Chord symbols ("Dm9 G13 Cmaj9 A7b9") -> primer tokens in `key`, one voiced chord per bar.

    Voicings the model never saw are split into single notes; notes outside its range are dropped.
    """
    from .chords import parse_progression, voice_progression
    from .tokens import Piece, encode

    chords = parse_progression(chord_symbols)
    voicings = voice_progression(chords)
    notes = [(i * steps_per_chord, steps_per_chord, p) for i, v in enumerate(voicings) for p in v]
    bars = (len(chords) * steps_per_chord + STEPS_PER_BAR - 1) // STEPS_PER_BAR
    toks = encode(Piece("primer", tuple(sorted(notes)), key, bars), vocab.chords)[3:-1]  # no header, no <eos>
    kept: list[str] = []
    for tok in toks:
        if tok.startswith("d:") and (not kept or not kept[-1].startswith("n:")):
            continue  # its chord was dropped
        if tok.startswith("sec:"):
            tok = "sec:A"  # a primer is the song's first loop
        if tok in vocab.index:
            kept.append(tok)
    return tuple(kept)
