"""A trained model in words and numbers, from its card: how many weights it has and how its layers read a song.

The build asks here (lofipress.build.press) and hands the about page plain data, so the site never imports a model.
"""
from __future__ import annotations

from .model import ARCHS


def describe(card: dict) -> dict | None:
    """{"parameters": "825,243", "layers": a sentence} for the about page, or None when the card cannot say.

    The LSTM's weights are counted from its settings (its card predates the count); WaveNet's and the
    Transformer's cards carry theirs."""
    settings = card.get("settings") or {}
    arch, vocab, embedding = settings.get("arch"), _count(card.get("vocab_size")), _count(settings.get("embedding"))
    if arch in ARCHS and vocab and embedding:
        units = _count(settings.get("units")) or 0
        return {"parameters": f"{n_parameters(arch, vocab, embedding, units):,}",
                "layers": _layers_text(arch, vocab, embedding, units)}
    if arch in ("wavenet", "transformer") and vocab and _count(card.get("parameters")):
        return {"parameters": f"{card['parameters']:,}", "layers": _other_layers_text(arch, vocab, settings)}
    return None


def _count(value) -> int | None:
    """A whole number from the card, or None: a card edited by hand cannot put text where a count goes."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def n_parameters(arch: str, vocab_size: int, embedding: int, units: int = 0) -> int:
    """Weights of the Keras model model.build_keras makes: embedding, LSTM stack, dense layers."""
    widths, hidden = ARCHS[arch]
    if arch == "small" and units:  # build_keras' rule: the small model's width is a setting
        widths = (units,)
    n, width_in = vocab_size * embedding, embedding
    for width in widths:
        n += 4 * (width * (width_in + width) + width)  # four gates, each: input and recurrent weights, a bias
        width_in = width
    for width in ([hidden] if hidden else []) + [vocab_size]:
        n += width_in * width + width
        width_in = width
    return n


def _layers_text(arch: str, vocab_size: int, embedding: int, units: int) -> str:
    widths, hidden = ARCHS[arch]
    widths = (units,) if arch == "small" and units else widths
    lstm = (f"one LSTM layer of {widths[0]} units" if len(widths) == 1 else
            f"{len(widths)} LSTM layers of {', '.join(map(str, widths[:-1]))} and {widths[-1]} units")
    dense = f", a dense layer of {hidden}" if hidden else ""
    return (f"each token becomes a vector of {embedding} numbers, {lstm} reads them in order{dense}, "
            f"and a softmax picks the next token out of {vocab_size:,}")


def _other_layers_text(arch: str, vocab_size: int, settings: dict) -> str:
    from .wavenet import DILATIONS, receptive_field

    width, seq_len = _count(settings.get("width")) or 0, _count(settings.get("seq_len")) or 0
    if arch == "wavenet":
        return (f"each token becomes a vector of {_count(settings.get('embedding')) or 0} numbers, {len(DILATIONS)} "
                f"gated layers of dilated causal convolutions ({width} channels, dilations 1 to {DILATIONS[-1]}) "
                f"look back {receptive_field()} tokens, and a softmax picks the next token out of {vocab_size:,}")
    return (f"each token becomes a vector of {width} numbers, {_count(settings.get('blocks')) or 0} blocks of "
            f"self-attention with {_count(settings.get('heads')) or 0} heads look back up to {seq_len} tokens, "
            f"weighing each by how far back it is, and a softmax picks the next token out of {vocab_size:,}")
