"""The LSTM: a Keras model for training, a numpy step function for generation.

Generation never imports TensorFlow: `StepModel` reads the weights straight out
of the saved `model.keras` (a zip holding config.json and model.weights.h5) and
runs one token per step for a whole batch, carrying (h, c) between steps.
tests/test_model.py checks it equals Keras within 1e-5.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelError
from .tokens import Vocab

MODEL_FILE, VOCAB_FILE, CARD_FILE, LOSS_PNG = "model.keras", "vocab.json", "card.json", "loss.png"

ARCHS = {
    # name: (LSTM widths, dense hidden width or 0). "small" trains on 2 CPU cores in minutes.
    "small": ((256,), 0),
    # The seed articles' stack: LSTM 256 -> 512 -> 256, dense 256, dropout 0.3, softmax.
    "seed": ((256, 512, 256), 256),
}


def build_keras(vocab_size: int, arch: str = "small", embedding: int = 96, units: int = 0,
                dropout: float = 0.3, learning_rate: float = 0.002):
    """A compiled Keras next-token model: ids (batch, time) -> logits (batch, time, vocab)."""
    import keras

    widths, hidden = ARCHS[arch]
    if arch == "small" and units:
        widths = (units,)
    layers = [keras.Input((None,), dtype="int32", name="ids"),
              keras.layers.Embedding(vocab_size, embedding, name="embed")]
    for i, width in enumerate(widths):
        layers += [keras.layers.LSTM(width, return_sequences=True, name=f"lstm{i}"),
                   keras.layers.Dropout(dropout, name=f"drop{i}")]
    if hidden:
        layers += [keras.layers.Dense(hidden, name="hidden"), keras.layers.Dropout(dropout, name="drop_hidden")]
    layers.append(keras.layers.Dense(vocab_size, name="logits"))
    model = keras.Sequential(layers, name=f"lofi_{arch}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free and exact in float math


class StepModel:
    """Numpy inference: one token per step for a batch, state carried between calls."""

    def __init__(self, layers: list[tuple[str, dict]]):
        self.layers = layers  # ("embed", {W}) / ("lstm", {W, U, b}) / ("dense", {W, b, act})
        self.state: list[tuple[np.ndarray, np.ndarray]] = []

    @property
    def vocab_size(self) -> int:
        return self.layers[0][1]["W"].shape[0]

    @property
    def output_size(self) -> int:
        return self.layers[-1][1]["W"].shape[1]

    def reset(self, batch: int) -> None:
        """Zero state for `batch` parallel sequences."""
        self.state = [(np.zeros((batch, p["U"].shape[0]), np.float32), np.zeros((batch, p["U"].shape[0]), np.float32))
                      for kind, p in self.layers if kind == "lstm"]

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Feed one token per sequence; returns logits (batch, vocab) for the next token."""
        x = None
        li = 0
        for kind, p in self.layers:
            if kind == "embed":
                x = p["W"][ids]
            elif kind == "lstm":
                h, c = self.state[li]
                z = x @ p["W"] + h @ p["U"] + p["b"]
                i, f, g, o = np.split(z, 4, axis=1)  # Keras gate order: input, forget, cell, output
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                self.state[li] = (h, c)
                x = h
                li += 1
            else:
                x = x @ p["W"] + p["b"]
                if p["act"] == "relu":
                    x = np.maximum(x, 0.0)
        return x

    @classmethod
    def from_file(cls, path: Path) -> "StepModel":
        """Read a saved model.keras without importing TensorFlow."""
        import h5py

        try:
            with zipfile.ZipFile(path) as z:
                config = json.loads(z.read("config.json"))
                weights = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
                layers, seen = [], {}
                for layer in config["config"]["layers"]:
                    kind, cfg = layer["class_name"], layer["config"]
                    if kind == "InputLayer":
                        continue
                    # Keras 3 stores weights under snake_case class names numbered in order: dense, dense_1...
                    snake = _snake(kind)
                    count = seen.get(snake, 0)
                    seen[snake] = count + 1
                    if kind == "Dropout":
                        continue
                    group = weights["layers"][snake if count == 0 else f"{snake}_{count}"]
                    if kind == "Embedding":
                        layers.append(("embed", {"W": group["vars"]["0"][()]}))
                    elif kind == "LSTM":
                        v = group["cell"]["vars"]
                        layers.append(("lstm", {"W": v["0"][()], "U": v["1"][()], "b": v["2"][()]}))
                    elif kind == "Dense":
                        act = cfg.get("activation", "linear")
                        if act not in ("linear", "relu"):
                            raise ModelError(f"unsupported activation {act}", path)
                        v = group["vars"]
                        layers.append(("dense", {"W": v["0"][()], "b": v["1"][()], "act": act}))
                    else:
                        raise ModelError(f"unsupported layer {kind}", path, "retrain with `lofipress train`")
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ModelError(f"cannot read model weights: {exc}", path, "retrain with `lofipress train`") from None
        return cls(layers)


def _snake(name: str) -> str:
    """Keras' own snake_case of a class name: LSTM -> lstm, GRUCell -> gru_cell."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def save_inference(model, path: Path) -> None:
    """Save weights and architecture without optimizer state (half the size of a checkpoint)."""
    import keras

    bare = model.__class__.from_config(model.get_config())  # never compiled: no optimizer variables
    bare.set_weights(model.get_weights())
    bare.save(path)


def load(model_dir: str | Path) -> tuple[StepModel, Vocab, dict]:
    """A trained model folder -> (numpy step model, vocabulary, card).

    Raises:
        ModelError: the folder or a file is missing, or the vocabulary does not match the weights.
    """
    model_dir = Path(model_dir)
    for name in (MODEL_FILE, VOCAB_FILE, CARD_FILE):
        if not (model_dir / name).is_file():
            raise ModelError(f"missing {name}", model_dir,
                             f"train it: lofipress train --corpus corpus --out {model_dir}")
    vocab = Vocab.load(model_dir / VOCAB_FILE)
    step = StepModel.from_file(model_dir / MODEL_FILE)
    if step.vocab_size != len(vocab) or step.output_size != len(vocab):
        raise ModelError(f"vocabulary has {len(vocab)} tokens but the model was trained on {step.vocab_size}",
                         model_dir / VOCAB_FILE, "retrain the model or restore its vocab.json")
    try:
        card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(f"card.json is not JSON: {exc}", model_dir / CARD_FILE) from None
    return step, vocab, card
