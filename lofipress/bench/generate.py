"""`lofipress bench generate`: the seed articles' sampling loop against batched stateful numpy steps.

Seed method: for every token, `model.predict` on the whole window (one piece).
Ours: one numpy LSTM step per token for a batch of pieces, state carried along.
Both run the same trained model in the same process.
"""
from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from . import report
from ..music.compose import compose
from ..music.generate import Request, generate
from ..music.model import MODEL_FILE, load
from ..music.song import plan_sections

SEED_TOKENS = 24  # each costs tens of milliseconds: enough for a stable rate


def seed_method_rate(model_dir, vocab, seq_len: int, n_tokens: int = SEED_TOKENS) -> float:
    """Tokens per second of window-per-token `model.predict` sampling (one piece)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    model = keras.models.load_model(model_dir / MODEL_FILE)
    rng = np.random.default_rng(0)
    window = [vocab.index["<bos>"], vocab.index["mode:minor"], vocab.index["bar"]]
    model.predict(np.array([window]), verbose=0)  # warm-up: graph tracing is start-up, not sampling
    started = time.perf_counter()
    for _ in range(n_tokens):
        logits = model.predict(np.array([window[-seq_len:]]), verbose=0)[0, -1]
        p = np.exp(logits - logits.max())
        window.append(int(rng.choice(len(p), p=p / p.sum())))
    return n_tokens / (time.perf_counter() - started)


def batched_rate(step, vocab, n: int, bars: int, sampling) -> tuple[float, int]:
    """Tokens per second of batched stateful generation of n pieces."""
    sections = plan_sections("song", bars)
    requests = [Request("minor" if i % 2 else "major", 1000 + i, (), sections) for i in range(n)]
    started = time.perf_counter()
    seqs = generate(step, vocab, requests, bars, sampling)
    elapsed = time.perf_counter() - started
    tokens = sum(len(s) for s in seqs)
    return tokens / elapsed, tokens


def run(station, as_json: bool) -> int:
    model_dir = station.path(station.model.dir) / station.model.name
    step, vocab, _ = load(model_dir)
    bars, sampling = station.station.bars, station.sampling
    rate24, tok24 = batched_rate(step, vocab, 24, bars, sampling)
    rate64, tok64 = batched_rate(step, vocab, 64, bars, sampling)
    started = time.perf_counter()
    compose(station, 24, log=lambda *_: None)
    compose_s = time.perf_counter() - started
    once = dataclasses.replace(station, sampling=dataclasses.replace(sampling, max_redraws=0))
    started = time.perf_counter()
    compose(once, 24, log=lambda *_: None)
    first_s = time.perf_counter() - started
    seed_rate = seed_method_rate(model_dir, vocab, station.model.seq_len)
    data = {
        "seed_method_tokens_per_s": round(seed_rate, 2),
        "batched_24_tokens_per_s": round(rate24, 1),
        "batched_tokens_per_s": round(rate64, 1),
        "speedup_vs_seed_method": round(rate64 / seed_rate, 1),
        "speedup_24_vs_seed_method": round(rate24 / seed_rate, 1),
        "compose_24x30_s": round(compose_s, 3),
        "compose_24x30_first_draw_s": round(first_s, 3),
        "tokens_per_piece": round(tok64 / 64, 1),
        "seed_method_s_per_piece": round(tok64 / 64 / seed_rate, 1),
    }
    rows = [
        ("seed method (predict on window, 1 piece)", f"{seed_rate:,.1f} tokens/s  (1.0x)"),
        ("batched stateful numpy, 24 pieces", f"{rate24:,.0f} tokens/s  ({rate24 / seed_rate:,.0f}x)"),
        ("batched stateful numpy, 64 pieces", f"{rate64:,.0f} tokens/s  ({rate64 / seed_rate:,.0f}x)"),
        (f"compose 24 songs x {bars} bars, one draw (sample, arrange, gate)", f"{first_s:.2f} s"),
        (f"compose 24 songs x {bars} bars (sample, arrange, gate, redraw)", f"{compose_s:.2f} s"),
        ("seed method, one piece", f"{data['seed_method_s_per_piece']:.0f} s ({data['tokens_per_piece']:.0f} tokens)"),
    ]
    report("bench generate (same model, same process)", rows, data, as_json)
    return 0
