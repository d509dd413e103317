"""The melody model: an LSTM that writes a lead one 16th at a time over the chords it is given.

In the spirit of Magenta's ImprovRNN. Input at each step: the event before (an
onset, hold or rest; lofipress.music.melody_data) and the condition (the chord's
pitch classes, the step in the bar, the bar in its phrase); output: the next event.
It learns from melodies, not from the corpus's loops as such: the corpus's own leads
where it has them, and real tunes from music21's corpus (folk songs and chorale
sopranos, lofipress.music.melody_sources), so a corpus of bare chord loops still gets
a melody that was learned, not written by rules.

Training is Keras (`build_keras`, `train_melody`); writing is numpy (`MelodyStep`),
like every model here: the saved `melody.keras` is read without TensorFlow.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from . import keras_file, melody_data as md
from .keras_file import sigmoid
from ..core.errors import ModelError

MELODY_FILE, MELODY_CARD = "melody.keras", "melody.json"
WINDOW_STEPS = 128  # 8 bars a training window: two 4-bar phrases, so the model hears one answer another
STRIDE_STEPS = 64


def build_keras(embedding: int = 32, units: int = 192, dropout: float = 0.2, learning_rate: float = 0.003):
    """The compiled Keras model: (events (batch, time) int, conditions (batch, time, CONDITION)) -> logits."""
    import keras

    ids = keras.Input((None,), dtype="int32", name="events")
    cond = keras.Input((None, md.CONDITION), name="conditions")
    x = keras.layers.Embedding(md.EVENTS + 1, embedding, name="embed")(ids)
    x = keras.layers.Concatenate(name="join")([x, cond])
    x = keras.layers.LSTM(units, return_sequences=True, name="lstm")(x)
    x = keras.layers.Dropout(dropout, name="drop")(x)
    out = keras.layers.Dense(md.EVENTS, name="logits")(x)
    model = keras.Model([ids, cond], out, name="lofi_melody")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model


class MelodyStep:
    """The melody LSTM in numpy: `reset(batch)`, then `step(events, conditions) -> logits` per 16th."""

    def __init__(self, embed: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray, out_W: np.ndarray,
                 out_b: np.ndarray):
        self.embed, self.W, self.U, self.b, self.out_W, self.out_b = embed, W, U, b, out_W, out_b
        self.h = self.c = np.zeros((0, U.shape[0]), np.float32)

    @classmethod
    def from_file(cls, path: Path) -> "MelodyStep":
        """Read a saved melody.keras without importing TensorFlow."""
        _, layers = keras_file.read(path)
        try:
            lstm = layers["lstm"].sub["cell"].vars
            return cls(layers["embed"].vars[0], *lstm, *layers["logits"].vars)
        except (KeyError, IndexError, ValueError) as exc:
            raise ModelError(f"the melody model lacks {exc}", path, "retrain it: lofipress train --melody-only") from None

    def reset(self, batch: int) -> None:
        self.h = np.zeros((batch, self.U.shape[0]), np.float32)
        self.c = np.zeros_like(self.h)

    def step(self, events: np.ndarray, cond: np.ndarray) -> np.ndarray:
        x = np.concatenate([self.embed[events], cond], axis=1)
        z = x @ self.W + self.h @ self.U + self.b
        i, f, g, o = np.split(z, 4, axis=1)  # Keras gate order: input, forget, cell, output
        self.c = sigmoid(f) * self.c + sigmoid(i) * np.tanh(g)
        self.h = sigmoid(o) * np.tanh(self.c)
        return self.h @ self.out_W + self.out_b


def load(model_dir: Path) -> MelodyStep | None:
    """The model folder's melody model, or None where it has none (the corpus's own lead is used then)."""
    path = Path(model_dir) / MELODY_FILE
    return MelodyStep.from_file(path) if path.is_file() else None


def windows(examples: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs, conditions, targets) windows of WINDOW_STEPS: inputs are the targets one step late (START first)."""
    xs, cs, ys = [], [], []
    for ev, cond in examples:
        inputs = np.concatenate([[md.START], ev[:-1]]).astype(np.int32)
        n = len(ev)
        starts = list(range(0, max(n - WINDOW_STEPS, 0) + 1, STRIDE_STEPS))
        for s in starts:
            e = min(s + WINDOW_STEPS, n)
            pad = WINDOW_STEPS - (e - s)
            xs.append(np.pad(inputs[s:e], (0, pad), constant_values=md.START))
            cs.append(np.pad(cond[s:e], ((0, pad), (0, 0))))
            ys.append(np.pad(ev[s:e], (0, pad), constant_values=-1))  # -1: padding, weighed 0 below
    return np.stack(xs), np.stack(cs), np.stack(ys)


def train_melody(examples: list[tuple[np.ndarray, np.ndarray]], out_dir: Path, sources: dict, seed: int = 1234,
                 epochs: int = 40, patience: int = 3, units: int = 192, log=print) -> dict:
    """Train the melody model on (events, conditions) examples; write melody.keras and melody.json to out_dir.

    A tenth of the examples (whole melodies) is held out for validation; early stopping keeps the best epoch."""
    from .model import require_keras, save_inference

    if len(examples) < 4:
        raise ModelError(f"{len(examples)} melodies are too few to learn a melody from", out_dir,
                         "add melodies (corpus leads) or keep the music21 sources on")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = require_keras()
    keras.utils.set_random_seed(seed)
    order = np.random.default_rng(seed).permutation(len(examples))
    n_val = max(1, len(examples) // 10)
    val = [examples[i] for i in order[:n_val]]
    fit = [examples[i] for i in order[n_val:]]
    xt, ct, yt = windows(fit)
    xv, cv, yv = windows(val)
    model = build_keras(units=units)
    started = time.time()
    best = {"val_loss": float("inf"), "epoch": 0}
    history: dict[str, list[float]] = {"loss": [], "val_loss": []}
    out_dir.mkdir(parents=True, exist_ok=True)
    for epoch in range(epochs):
        h = model.fit([xt, ct], np.maximum(yt, 0), sample_weight=(yt >= 0).astype(np.float32), batch_size=64,
                      epochs=1, shuffle=True, verbose=0,
                      validation_data=([xv, cv], np.maximum(yv, 0), (yv >= 0).astype(np.float32)))
        loss, val_loss = float(h.history["loss"][0]), float(h.history["val_loss"][0])
        history["loss"].append(loss)
        history["val_loss"].append(val_loss)
        log(f"melody epoch {epoch + 1}: loss {loss:.3f} val_loss {val_loss:.3f} ({time.time() - started:.0f} s)")
        if val_loss < best["val_loss"]:
            best = {"val_loss": val_loss, "epoch": epoch + 1}
            save_inference(model, out_dir / MELODY_FILE)
        elif epoch + 1 - best["epoch"] >= patience:
            break
    card = {"model": "lofi_melody", "units": units, "events": md.EVENTS, "condition": md.CONDITION,
            "melodies": len(examples), "training_windows": int(len(xt)), "validation_windows": int(len(xv)),
            "best_epoch": best["epoch"], "val_loss": round(best["val_loss"], 4),
            "history": {k: [round(v, 4) for v in vs] for k, vs in history.items()}, "sources": sources,
            "seed": seed, "seconds": round(time.time() - started, 1)}
    (out_dir / MELODY_CARD).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return card


def corpus_examples(pieces) -> list[tuple[np.ndarray, np.ndarray]]:
    """(events, conditions) of every corpus piece that has a lead, over its own keys."""
    from ..core.keys import parse_key

    return [md.piece_example(list(p.notes), list(p.lead), *parse_key(p.key), p.bars) for p in pieces if p.lead]


def train_from(pieces, out_dir: Path, use_music21: bool = True, folk_limit: int | None = None, seed: int = 1234,
               log=print, **kwargs) -> dict:
    """Gather the melodies (the corpus's leads; with `use_music21`, folk songs and chorales too) and train."""
    from .melody_sources import training_melodies

    examples = corpus_examples(pieces)
    sources = {"corpus_leads": len(examples)}
    if use_music21:
        real = training_melodies(limit=folk_limit, log=log)
        examples += [md.example(m) for m in real]
        sources["music21_folk"] = sum(1 for m in real if m.below is None)
        sources["music21_chorales"] = sum(1 for m in real if m.below is not None)
    log(f"melody model: {len(examples)} melodies ({', '.join(f'{k} {v}' for k, v in sources.items())})")
    return train_melody(examples, Path(out_dir), sources, seed=seed, log=log, **kwargs)
