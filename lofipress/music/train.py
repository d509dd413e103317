"""Train the LSTM on a corpus folder: `lofipress train --corpus DIR --out models/NAME`.

Training sequences are songs put together from the corpus loops (lofipress.music.song:
intro, A, B, A2, outro with section tokens), each in a key drawn from the 12;
validation songs come from held-out pieces only (not windows, so a loop never
leaks into its own validation); early stopping on validation
loss with the best weights kept; a checkpoint every epoch for `--resume`; a
loss-curve PNG and card.json beside the model.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from . import corpus as corpus_mod
from ..station.config import CorpusSettings, ModelSettings
from ..core.errors import CorpusError, ModelError
from .model import CARD_FILE, LOSS_PNG, MODEL_FILE, VOCAB_FILE
from .song import training_songs
from .tokens import Piece, Vocab, augment_keys, encode

CHECKPOINT, HISTORY, EVENTS_FILE = "checkpoint.keras", "history.json", "corpus_events.json.gz"
SONGS_PER_PIECE = 2  # each loop is the A of two songs (other partners, forms and keys): ~120k tokens, ~15 min


def part_sequences(piece: Piece) -> dict[str, list[str]]:
    """The keys and the lead of a piece as transposition-invariant event strings (lofipress.music.copying)."""
    from .copying import keys_events, lead_events

    return {"keys": keys_events(piece.notes), "lead": lead_events(piece.lead)}


def split_pieces(pieces: list[Piece], share: float, seed: int) -> tuple[list[Piece], list[Piece]]:
    """Hold out whole pieces for validation (at least one when there are two or more)."""
    order = np.random.default_rng(seed).permutation(len(pieces))
    n_val = max(1, int(round(len(pieces) * share))) if len(pieces) >= 2 else 0
    val_idx = set(order[:n_val].tolist())
    return ([p for i, p in enumerate(pieces) if i not in val_idx],
            [p for i, p in enumerate(pieces) if i in val_idx])


def windows(sequences: list[list[int]], seq_len: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut (x, y) next-token windows from the sequences laid end to end."""
    stream = np.concatenate([np.asarray(s, np.int32) for s in sequences])
    if len(stream) < seq_len + 1:
        stream = np.concatenate([stream] * ((seq_len + 1) // len(stream) + 1))
    starts = np.arange(0, len(stream) - seq_len - 1 + 1, stride)
    x = np.stack([stream[s:s + seq_len] for s in starts])
    y = np.stack([stream[s + 1:s + seq_len + 1] for s in starts])
    return x, y


def in_a_key(songs: list[Piece], seed: int) -> list[Piece]:
    """Each song moved into one of its 12 keys, drawn from `seed` (tokens are tonic-relative, so this moves
    the register the way a station's keys do)."""
    rng = np.random.default_rng(seed)
    out = []
    for song in songs:
        options = augment_keys(song)
        out.append(options[int(rng.integers(len(options)))] if options else song)
    return out


def prepare(pieces: list[Piece], settings: ModelSettings, seed: int):
    """Pieces -> (vocab, train windows, validation windows)."""
    train_p, val_p = split_pieces(pieces, settings.validation_split, seed)
    train_aug = in_a_key(training_songs(train_p, seed, SONGS_PER_PIECE), seed + 1)
    val_aug = in_a_key(training_songs(val_p, seed + 2, SONGS_PER_PIECE), seed + 3)
    # Every key variant of every piece feeds the vocabulary, so a chord voicing in any register has a token.
    vocab = Vocab.build([a for p in pieces for a in augment_keys(p)] + train_aug + val_aug, settings.min_chord_count)
    known = vocab.chords
    enc = lambda ps: [vocab.ids(encode(p, known)) for p in ps]  # noqa: E731
    stride = max(1, settings.seq_len // 2)
    xt, yt = windows(enc(train_aug), settings.seq_len, stride)
    xv, yv = windows(enc(val_aug) or enc(train_aug[:1]), settings.seq_len, stride)
    return vocab, (xt, yt), (xv, yv), (train_p, val_p)


def train(corpus_dir: str | Path, out_dir: str | Path, settings: ModelSettings = ModelSettings(),
          corpus_settings: CorpusSettings = CorpusSettings(), resume: bool = False, seed: int = 1234,
          log=print, budget_s: float | None = None, melody: bool = True) -> dict:
    """Train (or resume) a model folder from a corpus folder.

    Args:
        corpus_dir: folder of MIDI/ABC files.
        out_dir: the model folder (created); holds model.keras, vocab.json, card.json, loss.png.
        settings: architecture and training knobs (config.ModelSettings).
        resume: continue from out_dir's checkpoint and history instead of starting over.
        budget_s: stop after the epoch that ends past this many seconds (`models compare` gives every arch the
            same time); None trains until early stopping or `settings.epochs`.
        melody: train the melody model too (lofipress.music.melody_model: the corpus's leads and music21's
            folk songs and chorales), into the same folder.
    Returns:
        The model card (also written to card.json).
    Raises:
        CorpusError: nothing usable in the corpus. MidiError: a bad corpus file (unless skip_bad).
        ModelError: --resume without a checkpoint. All of these come before TensorFlow is imported.
    """
    from .model import require_training

    require_training()  # before the corpus is read: minutes of parsing for nothing otherwise
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, resume)
    pieces, report = corpus_mod.load_corpus(corpus_dir, corpus_settings.max_file_mb, corpus_settings.max_bars,
                                            corpus_settings.min_notes, corpus_settings.skip_bad)
    log(report.summary())
    log(report.lead_summary())
    if sum(len(p.notes) + len(p.lead) for p in pieces) < 64:
        raise CorpusError("the corpus has fewer than 64 notes in all: too little to learn from", corpus_dir,
                          "add more MIDI files")
    vocab, (xt, yt), (xv, yv), (train_p, val_p) = prepare(pieces, settings, seed)
    log(f"vocabulary {len(vocab)} tokens; {len(xt)} training and {len(xv)} validation windows "
        f"of {settings.seq_len} tokens ({len(train_p)}/{len(val_p)} pieces)")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from .model import build_for, require_keras, save_inference

    keras = require_keras()

    keras.utils.set_random_seed(seed)
    final_dir, out_dir = out_dir, _work_dir(out_dir)  # everything is written beside, then swapped in whole
    if resume and not (out_dir / CHECKPOINT).is_file():
        shutil.copytree(final_dir, out_dir, dirs_exist_ok=True)  # resume a finished model: from its copy
    elif not resume:
        shutil.rmtree(out_dir, ignore_errors=True)  # a killed run's leftovers
    out_dir.mkdir(parents=True, exist_ok=True)
    history = {"loss": [], "val_loss": [], "sparse_categorical_accuracy": [], "val_sparse_categorical_accuracy": []}
    if resume:
        old_vocab = Vocab.load(out_dir / VOCAB_FILE)
        if old_vocab.tokens != vocab.tokens:
            raise ModelError("the corpus changed since the checkpoint (vocabulary differs)", out_dir,
                             "train from scratch without --resume")
        if settings.arch == "transformer":
            from . import transformer_keras  # noqa: F401  registers its attention layer for load_model
        model = keras.models.load_model(out_dir / CHECKPOINT)
        history = json.loads((out_dir / HISTORY).read_text())
    else:
        model = build_for(settings, len(vocab))
    vocab.save(out_dir / VOCAB_FILE)
    done = len(history["loss"])
    started = time.time()

    class Keep(keras.callbacks.Callback):
        """Append each epoch to history.json and save a resumable checkpoint."""

        def on_epoch_end(self, epoch, logs=None):
            for k in history:
                history[k].append(float(logs.get(k, float("nan"))))
            self.model.save(out_dir / CHECKPOINT)
            (out_dir / HISTORY).write_text(json.dumps(history))
            best = int(np.argmin(history["val_loss"]))
            if best == len(history["val_loss"]) - 1:
                save_inference(self.model, out_dir / MODEL_FILE)
            log(f"epoch {epoch + 1}: loss {logs['loss']:.3f} val_loss {logs['val_loss']:.3f} "
                f"({time.time() - started:.0f} s)")
            if len(history["val_loss"]) - 1 - best >= settings.patience:
                self.model.stop_training = True
            if budget_s is not None and time.time() - started >= budget_s:
                self.model.stop_training = True

    if done < settings.epochs and not _stopped_early(history, settings.patience):
        model.fit(xt, yt, validation_data=(xv, yv), batch_size=settings.batch_size, epochs=settings.epochs,
                  initial_epoch=done, shuffle=True, verbose=0, callbacks=[Keep()])
    if melody:
        from .melody_model import train_from

        train_from(pieces, out_dir, seed=seed, log=log)
    with gzip.GzipFile(out_dir / EVENTS_FILE, "wb", mtime=0) as fh:
        fh.write(json.dumps({p.name: part_sequences(p) for p in pieces}, sort_keys=True).encode())
    card = _card(corpus_dir, settings, corpus_settings, vocab, history, report, len(xt), len(xv), seed,
                 time.time() - started)
    card["parameters"] = int(model.count_params())
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    plot_losses(history, out_dir / LOSS_PNG)
    _swap_in(out_dir, final_dir)
    return card


def _work_dir(out_dir: Path) -> Path:
    """Where a training writes: beside the model folder, so a killed run leaves the old model whole (and a
    `--resume` finds this run's checkpoint here)."""
    return out_dir.parent / f".{out_dir.name}.training"


def _swap_in(work: Path, out_dir: Path) -> None:
    """Replace out_dir by the finished work folder: two renames, the old model kept until the new one is in."""
    old = out_dir.parent / f".{out_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    work.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _check_out_dir(out_dir: Path, resume: bool) -> None:
    """Refuse a model folder that cannot work before the corpus is read and TensorFlow imported."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ModelError("the model folder is a file", out_dir, "give --out a folder path")
    if resume and not (out_dir / CHECKPOINT).is_file() and not (_work_dir(out_dir) / CHECKPOINT).is_file():
        raise ModelError("nothing to resume (no checkpoint.keras)", out_dir, "train without --resume first")


def _stopped_early(history: dict, patience: int) -> bool:
    v = history["val_loss"]
    return bool(v) and len(v) - 1 - int(np.argmin(v)) >= patience


def _card(corpus_dir, settings, corpus_settings, vocab, history, report, n_train, n_val, seed, seconds) -> dict:
    import keras

    best = int(np.argmin(history["val_loss"]))
    return {
        "corpus": {"dir": Path(corpus_dir).name, "hash": corpus_mod.corpus_hash(Path(corpus_dir)),
                   "kept": len(report.kept), "skipped": [list(s) for s in report.skipped],
                   "with_lead": report.leads, "lead_from_skyline": report.skyline},
        "settings": dataclasses.asdict(settings),
        "seed": seed,
        "vocab_size": len(vocab),
        "windows": {"train": n_train, "validation": n_val},
        "epochs": len(history["loss"]),
        "best_epoch": best + 1,
        "losses": {k: [round(x, 5) for x in v] for k, v in history.items()},
        "metrics": {"val_loss": round(history["val_loss"][best], 5),
                    "val_perplexity": round(float(np.exp(history["val_loss"][best])), 3),
                    "val_accuracy": round(history["val_sparse_categorical_accuracy"][best], 5)},
        "train_seconds_last_run": round(seconds, 1),
        "keras": keras.__version__,
        "date": time.strftime("%Y-%m-%d", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())))),
    }


def plot_losses(history: dict, path: Path) -> None:
    """Training and validation loss per epoch, best epoch marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], label="training", color="#e07a5f")
    ax.plot(epochs, history["val_loss"], label="validation", color="#3d5a80")
    best = int(np.argmin(history["val_loss"]))
    ax.axvline(best + 1, color="#81b29a", linestyle="--", label=f"best (epoch {best + 1})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def cli_train(args) -> int:
    """`lofipress train`: settings from the station file when there is one, flags on top."""
    from ..station import config

    station = config.load(args.station) if Path(args.station).exists() else config.Station()
    if args.melody_only:
        return _cli_train_melody(args, station)
    settings = station.model
    overrides = {k: v for k, v in (("arch", args.arch), ("epochs", args.epochs)) if v is not None}
    settings = dataclasses.replace(settings, **overrides)
    corpus_settings = dataclasses.replace(station.corpus, skip_bad=station.corpus.skip_bad or args.skip_bad)
    card = train(args.corpus, args.out, settings, corpus_settings, args.resume, station.station.seed)
    print(f"wrote {args.out}: {card['epochs']} epochs, best val_loss {card['metrics']['val_loss']} "
          f"(perplexity {card['metrics']['val_perplexity']}), vocabulary {card['vocab_size']}")
    return 0


def _cli_train_melody(args, station) -> int:
    """`lofipress train --melody-only`: the melody model alone, into an existing model folder, swapped in whole."""
    from .melody_model import MELODY_CARD, MELODY_FILE, train_from
    from .model import require_training

    require_training()
    out = Path(args.out)
    if not out.is_dir():
        raise ModelError("is not a model folder", out, "train the model first: lofipress train --corpus DIR --out DIR")
    pieces, report = corpus_mod.load_corpus(args.corpus, station.corpus.max_file_mb, station.corpus.max_bars,
                                            station.corpus.min_notes, station.corpus.skip_bad or args.skip_bad)
    print(report.lead_summary())
    work = out / ".melody-work"
    shutil.rmtree(work, ignore_errors=True)
    card = train_from(pieces, work, seed=station.station.seed)
    for name in (MELODY_FILE, MELODY_CARD):
        os.replace(work / name, out / name)
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out / MELODY_FILE}: best epoch {card['best_epoch']}, val_loss {card['val_loss']} "
          f"on {card['melodies']} melodies")
    return 0
