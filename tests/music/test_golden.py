"""Pinned determinism: the tiny station's composed MIDI, digest for digest, on every machine and every run.

`tests/test_determinism.py` proves two builds agree with each other; this pins what they agree on, so a change
that moves the music (a prior, the arranger, the sampler's RNG use) cannot pass unnoticed. Composition runs on
numpy's PCG64 streams and float32 logits: it is the same across machines unless two tokens' probabilities tie to
the last bit. The audio bytes are identical within one machine and install (README, "Deterministic"), and are not
pinned here: numba may compile the kernels differently for another CPU.

If you changed the music on purpose, replace GOLDEN with the digests this test prints.
"""
from __future__ import annotations

import hashlib

import build_fixture as bf
from lofipress.station import config
from lofipress.build import pipeline

GOLDEN = {"t01": "64860005b2c0a9f6", "t02": "53f7c59add279894"}  # sha256[:16] of each track's .mid


def test_the_tiny_station_composes_the_same_midi_as_ever(tmp_path):
    station = config.load(bf.make_station(tmp_path / "st") / "station.toml")
    cache = pipeline.Cache(tmp_path / "cache")
    log = pipeline.Log(quiet=True)
    pieces = pipeline.compose_stage(station, cache, pipeline.ensure_model(station, log), log)
    tracks = pipeline.arrange_stage(station, cache, pieces)
    got = {t["id"]: hashlib.sha256(t["midi"].read_bytes()).hexdigest()[:16] for t in tracks}
    assert got == GOLDEN, f"the composed MIDI moved: {got}"
