"""`--arch transformer` for generation: the Music Transformer's weights run in numpy with a key/value cache.

Each block keeps, per row of the batch, the keys and values of the last `max_len` tokens in a ring buffer,
and each row its own position, so rows of different prompt lengths share one batch. A query at position p
meets the key in slot s at distance (p - s) mod max_len and adds that distance's learned embedding: the
same sum the Keras layer (lofipress.music.transformer_keras) computes by skewing, here one gather per step. Past
`max_len` tokens the window slides: the model never saw a longer context in training.
"""
from __future__ import annotations

import numpy as np

from .keras_file import Layer, TokenStep, layer_norm


class TransformerStep(TokenStep):
    """Numpy inference: one token per step for a batch; `state` is [positions, then keys and values per block]."""

    def __init__(self, config: dict, layers: dict[str, Layer]):
        self.embed = layers["embed"].vars[0]
        self.blocks = []
        i = 0
        while f"attn{i}" in layers:
            att = layers[f"attn{i}"]
            self.blocks.append({"ln_a": layers[f"ln_a{i}"], "ln_f": layers[f"ln_f{i}"], "rel": att.vars[0],
                                **{n: att.sub[n].vars for n in ("q", "k", "v", "out")},
                                "ff_in": layers[f"ff_in{i}"].vars, "ff_out": layers[f"ff_out{i}"].vars})
            i += 1
        self.heads = layers["attn0"].config["heads"]
        self.max_len = layers["attn0"].config["max_len"]
        self.ln_out, self.logits = layers["ln_out"], layers["logits"].vars
        self.state: list[np.ndarray] = []

    def reset(self, batch: int) -> None:
        width = self.embed.shape[1]
        shape = (batch, self.heads, self.max_len, width // self.heads)
        self.state = [np.zeros(batch, np.int64)] + [np.zeros(shape, np.float32) for _ in range(2 * len(self.blocks))]

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Feed one token per sequence; returns logits (batch, vocab) for the next token."""
        pos = self.state[0]
        rows = np.arange(len(ids))
        slot = pos % self.max_len
        dist = (pos[:, None] - np.arange(self.max_len)[None, :]) % self.max_len  # (batch, slots): tokens back
        seen = dist <= pos[:, None]  # a slot not yet written holds nothing
        rel_row = self.max_len - 1 - dist  # the embedding row of each slot's distance
        x = self.embed[ids]
        for b, blk in enumerate(self.blocks):
            keys, values = self.state[1 + 2 * b], self.state[2 + 2 * b]
            h = layer_norm(x, blk["ln_a"])
            q, k, v = (self._heads(h @ blk[n][0] + blk[n][1]) for n in ("q", "k", "v"))
            keys[rows, :, slot] = k
            values[rows, :, slot] = v
            depth = q.shape[-1]
            content = np.einsum("bhd,bhsd->bhs", q, keys)
            qe = np.einsum("bhd,hrd->bhr", q, blk["rel"])  # q against every distance's embedding
            rel = np.take_along_axis(qe, np.broadcast_to(rel_row[:, None, :], content.shape), axis=2)
            logits = np.where(seen[:, None, :], (content + rel) * depth ** -0.5, -np.inf)
            w = np.exp(logits - logits.max(axis=-1, keepdims=True))
            w /= w.sum(axis=-1, keepdims=True)
            mixed = np.einsum("bhs,bhsd->bhd", w, values).reshape(len(ids), -1)
            x = x + mixed @ blk["out"][0] + blk["out"][1]
            h = np.maximum(layer_norm(x, blk["ln_f"]) @ blk["ff_in"][0] + blk["ff_in"][1], 0.0)
            x = x + h @ blk["ff_out"][0] + blk["ff_out"][1]
        self.state[0] = pos + 1
        return layer_norm(x, self.ln_out) @ self.logits[0] + self.logits[1]

    def _heads(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), self.heads, -1)
