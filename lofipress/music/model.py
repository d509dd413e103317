"""The models: a Keras model for training, a numpy step model for generation, for every arch.

Archs: the LSTM (`small`, the default, and `seed`, the articles' stack; here), `wavenet`
(lofipress.music.wavenet) and `transformer` (lofipress.music.transformer_keras / lofipress.music.transformer).
Generation never imports TensorFlow: `step_from_file` reads the weights straight out of the
saved `model.keras` (a zip holding config.json and model.weights.h5) and returns a step model
that runs one token per step for a whole batch. Every step model has the same contract:
`reset(batch)`, `step(ids) -> logits`, and `state`, a list of arrays with the batch first, so a
caller can drop finished rows or stack rows run apart. tests/test_model.py checks each equals
Keras within 1e-5.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import platform
import re
import shlex
import sys
from pathlib import Path

import numpy as np

from . import keras_file
from .keras_file import sigmoid
from ..core.errors import ModelError
from .tokens import Vocab

MODEL_FILE, VOCAB_FILE, CARD_FILE, LOSS_PNG = "model.keras", "vocab.json", "card.json", "loss.png"

ARCHS = {
    # name: (LSTM widths, dense hidden width or 0). "small" trains on 2 CPU cores in minutes.
    "small": ((256,), 0),
    # The seed articles' stack: LSTM 256 -> 512 -> 256, dense 256, dropout 0.3, softmax.
    "seed": ((256, 512, 256), 256),
}
ALL_ARCHS = (*ARCHS, "wavenet", "transformer")


def build_for(settings, vocab_size: int):
    """The compiled Keras model of `settings.arch` (config.ModelSettings) for a vocabulary."""
    if settings.arch == "wavenet":
        from .wavenet import build_keras as wavenet

        return wavenet(vocab_size, settings.embedding, settings.width, dropout=settings.dropout,
                       learning_rate=settings.learning_rate)
    if settings.arch == "transformer":
        from .transformer_keras import build_keras as transformer

        return transformer(vocab_size, settings.seq_len, settings.width, settings.heads, settings.blocks,
                           2 * settings.width, settings.dropout, settings.learning_rate)
    return build_keras(vocab_size, settings.arch, settings.embedding, settings.units, settings.dropout,
                       settings.learning_rate)


def train_install_hint() -> str:
    """The command that adds training to the install running now: the `train` extra's packages by name,
    into this very Python (`pip install 'lofipress[train]'` works only for an index install, not a wheel
    or a checkout), or `pipx inject` where pipx made the environment."""
    try:
        required = importlib.metadata.requires("lofipress") or []
    except importlib.metadata.PackageNotFoundError:
        required = []
    packages = []
    for line in required:
        spec, _, marker = line.partition(";")
        system = re.search(r'platform_system\s*(==|!=)\s*"(\w+)"', marker)
        if 'extra == "train"' in marker and not (system and (platform.system() == system.group(2)) !=
                                                  (system.group(1) == "==")):
            packages.append(shlex.quote(spec.replace(" ", "")))
    names = " ".join(packages) or "tensorflow-cpu keras"
    if "pipx" in Path(sys.prefix).parts:
        return f"pipx inject lofipress {names}"
    return f"{shlex.quote(sys.executable)} -m pip install {names}"


def require_training() -> None:
    """Refuse to train, in one line with the command that fixes it, where TensorFlow or Keras is not installed.

    Looks without importing either (seconds of start-up), so it runs before the corpus is read."""
    if any(importlib.util.find_spec(name) is None for name in ("tensorflow", "keras")):
        raise ModelError("training needs TensorFlow and Keras, which this install lacks", None, train_install_hint())


def require_keras():
    """Keras (TensorFlow under it), or ModelError in one line: training is an extra of the install, which a
    build from a committed model never needs."""
    try:
        import keras
    except ImportError:
        raise ModelError("training needs TensorFlow and Keras, which this install lacks", None,
                         train_install_hint()) from None
    return keras


def build_keras(vocab_size: int, arch: str = "small", embedding: int = 96, units: int = 0,
                dropout: float = 0.3, learning_rate: float = 0.002):
    """A compiled Keras LSTM next-token model: ids (batch, time) -> logits (batch, time, vocab)."""
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


class StepModel:
    """The LSTM in numpy: one token per step for a batch; `state` is [h, c] of each LSTM layer, batch first."""

    def __init__(self, layers: list[tuple[str, dict]]):
        self.layers = layers  # ("embed", {W}) / ("lstm", {W, U, b}) / ("dense", {W, b, act})
        self.state: list[np.ndarray] = []

    @property
    def vocab_size(self) -> int:
        return self.layers[0][1]["W"].shape[0]

    @property
    def output_size(self) -> int:
        return self.layers[-1][1]["W"].shape[1]

    def reset(self, batch: int) -> None:
        """Zero state for `batch` parallel sequences."""
        self.state = [np.zeros((batch, p["U"].shape[0]), np.float32)
                      for kind, p in self.layers if kind == "lstm" for _ in "hc"]

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Feed one token per sequence; returns logits (batch, vocab) for the next token."""
        x = None
        li = 0
        for kind, p in self.layers:
            if kind == "embed":
                x = p["W"][ids]
            elif kind == "lstm":
                h, c = self.state[li], self.state[li + 1]
                z = x @ p["W"] + h @ p["U"] + p["b"]
                i, f, g, o = np.split(z, 4, axis=1)  # Keras gate order: input, forget, cell, output
                c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
                h = sigmoid(o) * np.tanh(c)
                self.state[li], self.state[li + 1] = h, c
                x = h
                li += 2
            else:
                x = x @ p["W"] + p["b"]
                if p["act"] == "relu":
                    x = np.maximum(x, 0.0)
        return x

    @classmethod
    def from_layers(cls, path: Path, layers: dict[str, keras_file.Layer]) -> "StepModel":
        out = []
        for layer in layers.values():
            if layer.kind in ("InputLayer", "Dropout"):
                continue
            if layer.kind == "Embedding":
                out.append(("embed", {"W": layer.vars[0]}))
            elif layer.kind == "LSTM":
                w = layer.sub["cell"].vars
                out.append(("lstm", {"W": w[0], "U": w[1], "b": w[2]}))
            elif layer.kind == "Dense":
                act = layer.config.get("activation", "linear")
                if act not in ("linear", "relu"):
                    raise ModelError(f"unsupported activation {act}", path)
                out.append(("dense", {"W": layer.vars[0], "b": layer.vars[1], "act": act}))
            else:
                raise ModelError(f"unsupported layer {layer.kind}", path, "retrain with `lofipress train`")
        return cls(out)

    @classmethod
    def from_file(cls, path: Path) -> "StepModel":
        """Read a saved LSTM model.keras without importing TensorFlow."""
        return cls.from_layers(path, keras_file.read(path)[1])


def step_from_file(path: Path):
    """The numpy step model of a saved model.keras, whatever its arch (the Keras model's name says which)."""
    config, layers = keras_file.read(path)
    name = config["config"].get("name", "")
    try:
        if name == "lofi_wavenet":
            from .wavenet import WaveNetStep

            return WaveNetStep(layers)
        if name == "lofi_transformer":
            from .transformer import TransformerStep

            return TransformerStep(config, layers)
    except (KeyError, IndexError) as exc:
        raise ModelError(f"the {name} weights lack {exc}", path, "retrain with `lofipress train`") from None
    return StepModel.from_layers(path, layers)


def save_inference(model, path: Path) -> None:
    """Save weights and architecture without optimizer state (half the size of a checkpoint)."""
    import keras

    bare = model.__class__.from_config(model.get_config())  # never compiled: no optimizer variables
    bare.set_weights(model.get_weights())
    bare.save(path)


def load(model_dir: str | Path) -> tuple:
    """A trained model folder -> (numpy step model of its arch, vocabulary, card).

    Raises:
        ModelError: the folder or a file is missing, or the vocabulary does not match the weights.
    """
    model_dir = Path(model_dir)
    for name in (MODEL_FILE, VOCAB_FILE, CARD_FILE):
        if not (model_dir / name).is_file():
            raise ModelError(f"missing {name}", model_dir,
                             f"train it: lofipress train --corpus corpus --out {model_dir}")
    vocab = Vocab.load(model_dir / VOCAB_FILE)
    step = step_from_file(model_dir / MODEL_FILE)
    if step.vocab_size != len(vocab) or step.output_size != len(vocab):
        raise ModelError(f"vocabulary has {len(vocab)} tokens but the model was trained on {step.vocab_size}",
                         model_dir / VOCAB_FILE, "retrain the model or restore its vocab.json")
    try:
        card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(f"card.json is not JSON: {exc}", model_dir / CARD_FILE) from None
    return step, vocab, card
