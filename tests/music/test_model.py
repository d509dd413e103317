"""The numpy step model equals Keras; training writes a complete, resumable model folder."""
import json
import os

import numpy as np
import pytest

from lofipress.music import model as model_mod
from lofipress.station.config import ModelSettings
from lofipress.core.errors import ModelError
from midi_kit import write_loops  # noqa: F401 - test_model's own tests and test_compare use it

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["small", "seed"])
def test_numpy_step_equals_keras_within_1e_5(tmp_path, arch):
    import keras

    km = model_mod.build_keras(40, arch, embedding=8, units=24)
    km.save(tmp_path / "m.keras")
    step = model_mod.StepModel.from_file(tmp_path / "m.keras")
    ids = np.random.default_rng(0).integers(1, 40, size=(3, 17))
    ref = km.predict(ids, verbose=0)
    step.reset(3)
    got = np.stack([step.step(ids[:, t]) for t in range(ids.shape[1])], axis=1)
    assert np.abs(got - ref).max() < 1e-5
    del keras


@pytest.mark.parametrize("arch", ["wavenet", "transformer"])
def test_wavenet_and_transformer_steps_equal_keras_within_1e_5(tmp_path, arch):
    """Past the receptive field (WaveNet: 128 tokens) and at the context length (Transformer: 40 here), token by
    token, for a batch whose rows later run on alone."""
    import dataclasses

    settings = dataclasses.replace(ModelSettings(), arch=arch, embedding=8, width=16, heads=2, blocks=2, seq_len=40)
    km = model_mod.build_for(settings, 30)
    km.save(tmp_path / "m.keras")
    step = model_mod.step_from_file(tmp_path / "m.keras")
    length = 140 if arch == "wavenet" else 40
    ids = np.random.default_rng(1).integers(1, 30, size=(3, length))
    ref = km.predict(ids, verbose=0)
    step.reset(3)
    got = np.stack([step.step(ids[:, t]) for t in range(length)], axis=1)
    assert np.abs(got - ref).max() < 1e-5
    # Rows run apart and stacked (as generation replays prompts of different lengths) go on as one batch.
    parts = []
    for row, n in ((0, 12), (1, 7)):
        step.reset(1)
        for t in range(n):
            step.step(ids[row:row + 1, t])
        parts.append(step.state)
    step.state = [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
    nxt = step.step(np.array([ids[0, 12], ids[1, 7]]))
    assert np.abs(nxt[0] - ref[0, 12]).max() < 1e-5 and np.abs(nxt[1] - ref[1, 7]).max() < 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["small", "wavenet", "transformer"])
def test_train_writes_a_complete_resumable_folder(tmp_path, arch):
    from lofipress.music.train import train

    write_loops(tmp_path / "corpus")
    settings = ModelSettings(arch=arch, epochs=2, units=32, embedding=16, width=16, heads=2, blocks=1, seq_len=32,
                             patience=10)
    out = tmp_path / "m"
    card = train(tmp_path / "corpus", out, settings, log=lambda *_: None, melody=False)
    for name in ("model.keras", "vocab.json", "card.json", "loss.png", "checkpoint.keras"):
        assert (out / name).is_file(), name
    assert card["epochs"] == 2 and card["corpus"]["kept"] == 6 and len(card["corpus"]["hash"]) == 16
    step, vocab, _ = model_mod.load(out)
    assert step.vocab_size == len(vocab)
    import dataclasses
    card2 = train(tmp_path / "corpus", out, dataclasses.replace(settings, epochs=3), resume=True, log=lambda *_: None,
                  melody=False)
    assert card2["epochs"] == 3 and len(card2["losses"]["loss"]) == 3
    assert card2["settings"]["arch"] == arch and card2["parameters"] > 0
    assert type(model_mod.load(out)[0]).__name__ == {"small": "StepModel", "wavenet": "WaveNetStep",
                                                     "transformer": "TransformerStep"}[arch]


def test_vocabulary_mismatch_is_a_clear_error(tmp_path):
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "models" / "default"
    dst = tmp_path / "m"
    shutil.copytree(src, dst)
    tokens = json.loads((dst / "vocab.json").read_text())["tokens"]
    (dst / "vocab.json").write_text(json.dumps({"tokens": tokens[:-3]}))
    with pytest.raises(ModelError, match="vocabulary"):
        model_mod.load(dst)
    (dst / "model.keras").unlink()
    with pytest.raises(ModelError, match="missing model.keras"):
        model_mod.load(dst)


@pytest.mark.slow
def test_a_training_killed_midway_leaves_the_old_model_usable(tmp_path, monkeypatch):
    """A retrain writes beside the model folder and swaps in whole: killed before the end, the old model stays."""
    import pretty_midi as pm_mod

    from lofipress.music import train as train_mod

    write_loops(tmp_path / "corpus")
    settings = ModelSettings(epochs=1, units=16, embedding=8, seq_len=32, patience=10)
    out = tmp_path / "m"
    train_mod.train(tmp_path / "corpus", out, settings, log=lambda *_: None, melody=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # another corpus (another vocabulary), and the run dies at its very end, after every epoch
    extra = pm_mod.PrettyMIDI(initial_tempo=80)
    inst = pm_mod.Instrument(0)
    inst.notes += [pm_mod.Note(70, p, i * 0.5, i * 0.5 + 0.5) for i, p in enumerate(range(30, 94, 2))]
    extra.instruments.append(inst)
    extra.write(str(tmp_path / "corpus" / "wide.mid"))

    def killed(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_mod, "plot_losses", killed)
    with pytest.raises(KeyboardInterrupt):
        train_mod.train(tmp_path / "corpus", out, settings, log=lambda *_: None, melody=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # not one file of the old model changed
    step, vocab, _ = model_mod.load(out)
    assert step.vocab_size == len(vocab)
    monkeypatch.undo()
    train_mod.train(tmp_path / "corpus", out, settings, log=lambda *_: None, melody=False)  # the next run cleans up and swaps in
    assert json.loads((out / "vocab.json").read_text()) != json.loads(before["vocab.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "m"]


@pytest.mark.parametrize("arch", ["small", "wavenet", "transformer"])
def test_every_sampling_control_works_for_every_arch(tmp_path, arch):
    """Temperature, top-k, top-p, the repetition penalty with restore, primers of different lengths (replayed
    row by row) and the section plan, on a small untrained model of each arch and the default vocabulary."""
    import dataclasses
    from pathlib import Path

    from lofipress.station.config import SamplingSettings
    from lofipress.music.generate import Request, generate, primer_tokens
    from lofipress.music.song import plan_sections
    from lofipress.music.tokens import Vocab

    vocab = Vocab.load(Path(__file__).resolve().parents[2] / "models" / "default" / "vocab.json")
    settings = dataclasses.replace(ModelSettings(), arch=arch, embedding=8, units=16, width=16, heads=2, blocks=1,
                                   seq_len=48)
    model_mod.build_for(settings, len(vocab)).save(tmp_path / "m.keras")
    step = model_mod.step_from_file(tmp_path / "m.keras")
    bars = 8
    sections = plan_sections("intro:2 A:4 outro:2", bars)
    primers = [(), primer_tokens("Dm9 G13", "C major", vocab), primer_tokens("Am7 D9 Gmaj7", "C major", vocab)]
    requests = [Request("minor" if i == 1 else "major", 7 + i, p, sections) for i, p in enumerate(primers)]
    sampling = SamplingSettings(temperature=0.9, top_k=8, top_p=0.9, repetition_penalty=1.3, penalty_restore=0.8)
    out = generate(step, vocab, requests, bars, sampling)
    again = generate(step, vocab, requests, bars, sampling)
    assert out == again  # each piece is its own seed's, whatever the arch
    for words, primer in zip(out, primers):
        assert words[-1] == "<eos>" and words.count("bar") == bars
        body = words[words.index("bar"):]
        marks = [body[i + 1] for i, w in enumerate(body[:-1]) if w == "bar"]
        given = primer.count("bar")  # the primer's own bars come as they are; the plan rules every bar after
        assert marks[given:] == (["sec:intro"] * 2 + ["sec:A"] * 4 + ["sec:outro"] * 2)[given:]
        if primer:
            assert " ".join(primer) in " ".join(words)
