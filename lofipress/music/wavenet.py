"""`--arch wavenet`: causal dilated convolutions with gated activations and residual and skip connections.

After the WaveNet paper (van den Oord et al. 2016), on tokens instead of audio samples: each layer is a
kernel-2 causal convolution with dilation 1, 2, 4 ... 64, split into a tanh filter and a sigmoid gate; their
product feeds a 1x1 residual connection (into the next layer) and a 1x1 skip connection (summed into the
output head). The receptive field is 1 + 1 + 2 + ... + 64 = 128 tokens, about 9.5 bars at ~13.5 tokens a bar,
so the model sees the whole 8-bar section it is writing.

Generation runs `WaveNetStep` in numpy: each layer keeps a queue of its last `dilation` inputs (the "fast
WaveNet" cache), so a step costs one matrix product per layer whatever the position.
"""
from __future__ import annotations

import numpy as np

from .keras_file import Layer, TokenStep, sigmoid

DILATIONS = (1, 2, 4, 8, 16, 32, 64)
KERNEL = 2


def receptive_field(dilations=DILATIONS) -> int:
    """Tokens one output sees: the current one and (kernel - 1) x dilation more per layer."""
    return 1 + (KERNEL - 1) * sum(dilations)


def build_keras(vocab_size: int, embedding: int = 96, channels: int = 96, skip: int = 128, dropout: float = 0.2,
                learning_rate: float = 0.002):
    """A compiled Keras WaveNet: ids (batch, time) -> logits (batch, time, vocab)."""
    import keras
    from keras import layers as L

    ids = keras.Input((None,), dtype="int32", name="ids")
    x = L.Dense(channels, name="inproj")(L.Embedding(vocab_size, embedding, name="embed")(ids))
    skips = []
    for i, d in enumerate(DILATIONS):
        f = L.Conv1D(channels, KERNEL, dilation_rate=d, padding="causal", activation="tanh", name=f"filter{i}")(x)
        g = L.Conv1D(channels, KERNEL, dilation_rate=d, padding="causal", activation="sigmoid", name=f"gate{i}")(x)
        z = L.Dropout(dropout, name=f"drop{i}")(L.Multiply(name=f"gated{i}")([f, g]))
        skips.append(L.Dense(skip, name=f"skip{i}")(z))
        if i < len(DILATIONS) - 1:  # the last layer's residual would feed nothing
            x = L.Add(name=f"res{i}")([x, L.Dense(channels, name=f"resid{i}")(z)])
    h = L.Activation("relu", name="skip_relu")(L.Add(name="skips")(skips))
    h = L.Dense(skip, activation="relu", name="post")(h)
    model = keras.Model(ids, L.Dense(vocab_size, name="logits")(h), name="lofi_wavenet")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model


def n_parameters(vocab_size: int, embedding: int, channels: int, skip: int = 128) -> int:
    n = vocab_size * embedding + embedding * channels + channels
    per_layer = 2 * (KERNEL * channels * channels + channels) + (channels * skip + skip)
    n += len(DILATIONS) * per_layer + (len(DILATIONS) - 1) * (channels * channels + channels)
    return n + skip * skip + skip + skip * vocab_size + vocab_size


class WaveNetStep(TokenStep):
    """Numpy inference: one token per step for a batch; `state` holds each layer's input queue (batch first)."""

    def __init__(self, layers: dict[str, Layer]):
        self.embed = layers["embed"].vars[0]
        self.inproj = layers["inproj"].vars
        self.convs = []  # per layer: dilation, fused filter|gate kernels for x[t - d] and x[t], bias
        for i, d in enumerate(DILATIONS):
            (kf, bf), (kg, bg) = layers[f"filter{i}"].vars, layers[f"gate{i}"].vars
            self.convs.append((d, np.concatenate([kf[0], kg[0]], 1), np.concatenate([kf[1], kg[1]], 1),
                               np.concatenate([bf, bg])))
        self.skip = [layers[f"skip{i}"].vars for i in range(len(DILATIONS))]
        self.resid = [layers[f"resid{i}"].vars for i in range(len(DILATIONS) - 1)]
        self.post, self.logits = layers["post"].vars, layers["logits"].vars
        self.state: list[np.ndarray] = []

    def reset(self, batch: int) -> None:
        """Empty queues: Keras' causal padding feeds every layer zeros before the first token."""
        width = self.inproj[0].shape[1]
        self.state = [np.zeros((batch, d, width), np.float32) for d, *_ in self.convs]

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Feed one token per sequence; returns logits (batch, vocab) for the next token."""
        x = self.embed[ids] @ self.inproj[0] + self.inproj[1]
        total = 0.0
        for i, (d, k_past, k_now, b) in enumerate(self.convs):
            queue = self.state[i]
            fg = queue[:, 0] @ k_past + x @ k_now + b  # the input d steps ago (oldest in the queue) and now
            half = fg.shape[1] // 2
            z = np.tanh(fg[:, :half]) * sigmoid(fg[:, half:])
            self.state[i] = np.concatenate([queue[:, 1:], x[:, None]], axis=1)
            total = total + z @ self.skip[i][0] + self.skip[i][1]
            if i < len(self.resid):
                x = x + z @ self.resid[i][0] + self.resid[i][1]
        h = np.maximum(np.maximum(total, 0.0) @ self.post[0] + self.post[1], 0.0)
        return h @ self.logits[0] + self.logits[1]
