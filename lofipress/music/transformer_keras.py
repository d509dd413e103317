"""`--arch transformer` for training: a small decoder-only Music Transformer in Keras (imports Keras).

Huang et al. 2018 ("Music Transformer"): self-attention whose logits add a learned embedding of the
*relative* distance between query and key, so a motif is recognised wherever it recurs. Their
memory-efficient "skewing" turns Q·Erᵀ (one column per distance) into the (query, key) layout with one pad
and one reshape, instead of an L x L x d tensor of gathered embeddings. Pre-layer-norm blocks (attention,
then a ReLU feed-forward), no absolute positions. Generation never imports this: lofipress.music.transformer runs
the same weights in numpy with a key/value cache.
"""
from __future__ import annotations

import keras
from keras import layers as L
from keras import ops


@keras.saving.register_keras_serializable(package="lofipress")
class RelativeSelfAttention(L.Layer):
    """Causal multi-head self-attention with learned relative-distance embeddings, one table per head."""

    def __init__(self, width: int, heads: int, max_len: int, dropout: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.width, self.heads, self.max_len, self.dropout = width, heads, max_len, dropout
        self.depth = width // heads
        self.q, self.k, self.v = (L.Dense(width, name=n) for n in ("q", "k", "v"))
        self.out = L.Dense(width, name="out")
        self.drop = L.Dropout(dropout)

    def build(self, shape):
        for dense in (self.q, self.k, self.v):
            dense.build(shape)
        self.out.build(tuple(shape[:-1]) + (self.width,))  # a list when the layer is loaded from a file
        # Row r holds relative position r - (max_len - 1): distance max_len - 1 - r back, the last row distance 0.
        self.rel = self.add_weight(shape=(self.heads, self.max_len, self.depth), name="rel",
                                   initializer=keras.initializers.RandomNormal(stddev=self.depth ** -0.5))

    def _split(self, x, batch, length):
        return ops.transpose(ops.reshape(x, (batch, length, self.heads, self.depth)), (0, 2, 1, 3))

    def call(self, x, training=None):
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        q, k, v = (self._split(d(x), batch, length) for d in (self.q, self.k, self.v))
        content = ops.einsum("bhid,bhjd->bhij", q, k)
        rel = self.rel[:, self.max_len - length:, :]  # relative positions -(length - 1) .. 0
        qe = ops.einsum("bhid,hrd->bhir", q, rel)
        # Skewing: pad one column on the left, read the (L, L+1) block as (L+1, L), drop the first row; entry
        # (i, j) is then qe[i, j - i + L - 1], query i against the key j - i positions away (for j <= i).
        padded = ops.pad(qe, ((0, 0), (0, 0), (0, 0), (1, 0)))
        skewed = ops.reshape(padded, (batch, self.heads, length + 1, length))[:, :, 1:, :]
        logits = (content + skewed) * (self.depth ** -0.5)
        causal = ops.tril(ops.ones((length, length), "bool"))
        logits = ops.where(causal[None, None], logits, ops.full_like(logits, -1e9))
        weights = self.drop(ops.softmax(logits, axis=-1), training=training)
        mixed = ops.reshape(ops.transpose(ops.einsum("bhij,bhjd->bhid", weights, v), (0, 2, 1, 3)),
                            (batch, length, self.width))
        return self.out(mixed)

    def get_config(self):
        return {**super().get_config(), "width": self.width, "heads": self.heads, "max_len": self.max_len,
                "dropout": self.dropout}


def build_keras(vocab_size: int, max_len: int, width: int = 128, heads: int = 4, blocks: int = 3, ff: int = 256,
                dropout: float = 0.1, learning_rate: float = 0.001):
    """A compiled Keras Music Transformer: ids (batch, time <= max_len) -> logits (batch, time, vocab)."""
    ids = keras.Input((None,), dtype="int32", name="ids")
    x = L.Embedding(vocab_size, width, name="embed")(ids)
    for i in range(blocks):
        h = RelativeSelfAttention(width, heads, max_len, dropout, name=f"attn{i}")(L.LayerNormalization(name=f"ln_a{i}")(x))
        x = L.Add(name=f"res_a{i}")([x, L.Dropout(dropout, name=f"drop_a{i}")(h)])
        h = L.Dense(ff, activation="relu", name=f"ff_in{i}")(L.LayerNormalization(name=f"ln_f{i}")(x))
        h = L.Dense(width, name=f"ff_out{i}")(h)
        x = L.Add(name=f"res_f{i}")([x, L.Dropout(dropout, name=f"drop_f{i}")(h)])
    x = L.LayerNormalization(name="ln_out")(x)
    model = keras.Model(ids, L.Dense(vocab_size, name="logits")(x), name="lofi_transformer")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model
