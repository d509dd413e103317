"""Read a saved `model.keras` (a zip of config.json and model.weights.h5) without importing TensorFlow.

Keras 3 stores each layer's variables under `layers/<snake_case class name>[_N]`, numbered in the order of the
model's layer list, and a layer's own sublayers under their attribute names. `read` maps them back to the
layer names of the config, so every numpy step model (LSTM, WaveNet, Transformer) finds its weights by name.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from ..core.errors import ModelError


class Layer:
    """One layer's class, config and weights: `vars` in Keras order, and sublayers by attribute name."""

    def __init__(self, kind: str, config: dict, group):
        self.kind, self.config = kind, config
        self.vars = [group["vars"][str(i)][()] for i in range(len(group["vars"]))] if "vars" in group else []
        self.sub = {k: Layer(k, {}, group[k]) for k in group if k != "vars"}


def read(path: Path) -> tuple[dict, dict[str, Layer]]:
    """A model.keras file -> (its config, {layer name: Layer}) in the model's layer order.

    Raises:
        ModelError: not a Keras archive, or weights missing for a layer the config names.
    """
    import h5py

    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
            weights = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
            layers, seen = {}, {}
            for layer in config["config"]["layers"]:
                kind, cfg = layer["class_name"], layer["config"]
                snake = _snake(kind)
                count = seen.get(snake, 0)
                seen[snake] = count + 1
                key = snake if count == 0 else f"{snake}_{count}"
                if kind == "InputLayer" and key not in weights["layers"]:
                    continue  # a Sequential model stores no group for its input
                layers[cfg["name"]] = Layer(kind, cfg, weights["layers"][key])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelError(f"cannot read model weights: {exc}", path, "retrain with `lofipress train`") from None
    return config, layers


def _snake(name: str) -> str:
    """Keras' own snake_case of a class name: LSTM -> lstm, GRUCell -> gru_cell."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_norm(x: np.ndarray, layer: Layer) -> np.ndarray:
    """Keras LayerNormalization over the last axis (its epsilon, its scale and offset)."""
    gamma, beta = layer.vars
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + layer.config.get("epsilon", 1e-3)) * gamma + beta


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free and exact in float math


class TokenStep:
    """What the WaveNet and Transformer step models share: `embed` (vocab, width) in, `logits` [W, b] out, and
    `state`, a list of arrays with the batch first (lofipress.music.model's contract)."""

    embed: np.ndarray
    logits: list

    @property
    def vocab_size(self) -> int:
        return self.embed.shape[0]

    @property
    def output_size(self) -> int:
        return self.logits[0].shape[1]
