"""A model in words and numbers (lofipress.music.model_card): its weights counted from its settings, as Keras counts them."""
from pathlib import Path

import numpy as np
import pytest

from lofipress.music import model_card
from lofipress.music.model import StepModel

ROOT = Path(__file__).resolve().parents[2]


def test_parameter_count_matches_the_saved_default_model():
    step = StepModel.from_file(ROOT / "models" / "default" / "model.keras")
    stored = sum(w.size for _, layer in step.layers for w in layer.values() if isinstance(w, np.ndarray))
    embed = step.layers[0][1]["W"]
    units = next(layer["U"].shape[0] for kind, layer in step.layers if kind == "lstm")
    assert model_card.n_parameters("small", embed.shape[0], embed.shape[1], units) == stored == 825_243


def test_parameter_count_of_the_seed_stack_by_hand():
    # vocab 10, embedding 4: 40 + LSTMs 4*(256*260+256) + 4*(512*768+512) + 4*(256*768+256) + dense 256*256+256
    # + logits 256*10+10
    assert model_card.n_parameters("seed", 10, 4) == 40 + 267_264 + 1_574_912 + 787_456 + 65_792 + 2_570


@pytest.mark.slow
@pytest.mark.parametrize("arch,units", [("small", 48), ("seed", 0)])
def test_parameter_count_matches_keras(arch, units):
    from lofipress.music.model import build_keras

    assert model_card.n_parameters(arch, 37, 12, units) == build_keras(37, arch, 12, units).count_params()
