"""Sampling a SoundFont through FluidSynth: keys, piano, bass, a lead and a drum kit for a pack.

`lofipress pack import FILE.sf2` renders a new pack with these, and
scripts/make_pack.py renders the default pack's instruments from Debian's
MIT-licensed FluidR3 GM the same way.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..core.errors import PackError
from .write import PATTERNS, RENDER_SR, fresh_pack, license_in, pack_toml, slug
from . import TODO

SF2 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SPACING_S = 4.0  # one note every 4 s in the render: the release of each dies before the next
NOTE_S, KEEP_S = 2.0, 2.6  # hold each sampled note 2 s and keep 0.6 s of its release
LAYERS = ((1, 80, 64), (81, 127, 112))  # (vel_lo, vel_hi, velocity sampled): soft and hard layers
INSTRUMENTS = {  # role: (GM program, lowest root, highest root[, gain dB]); roots every minor third
    "keys": (4, 36, 84),  # Electric Piano 1 (Rhodes-like tines)
    "piano": (0, 36, 84),  # Acoustic Grand
    "bass": (33, 28, 55),  # Electric Bass (finger)
    "lead": (26, 60, 84),  # Electric Guitar (jazz): the melody's own voice, C4-C6, mellow against the tines
}
KIT = {"kick": (36, 0.6), "snare": (38, 0.5), "rim": (37, 0.3), "hat_closed": (42, 0.25), "hat_open": (46, 0.8),
       "ride": (51, 1.5), "shaker": (70, 0.3)}  # voice: (GM drum note, seconds kept)


def _fluidsynth(midi, work: Path, sf2: Path) -> np.ndarray:
    import soundfile as sf

    mid, wav = work / "x.mid", work / "x.wav"
    midi.write(str(mid))
    subprocess.run(["fluidsynth", "-ni", "-R", "0", "-C", "0", "-g", "0.6", "-F", str(wav), "-r", str(RENDER_SR),
                    str(sf2), str(mid)], check=True, capture_output=True)
    audio, _ = sf.read(str(wav), dtype="float32", always_2d=True)
    return audio.mean(axis=1)


def _cut(audio: np.ndarray, start_s: float, keep_s: float) -> np.ndarray:
    x = audio[int(start_s * RENDER_SR): int((start_s + keep_s) * RENDER_SR)].copy()
    fade = int(0.08 * RENDER_SR)
    x[-fade:] *= np.linspace(1, 0, fade) ** 2
    return x


def write_ogg(path: Path, audio: np.ndarray, quality: float = 0.35) -> None:
    """Vorbis at RENDER_SR: small enough to commit, transparent under a lo-fi chain."""
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, RENDER_SR, format="OGG", subtype="VORBIS", compression_level=1 - quality)


def make_instruments(out: Path, work: Path, instruments: dict = INSTRUMENTS, sf2: Path = SF2) -> dict[str, list[dict]]:
    """Render each role from its GM program: a root every minor third, two velocity layers; role -> zones.

    An optional fourth number is a gain in dB for the role's files: it sets one
    instrument's level against the others (a SoundFont's programs differ by 10 dB
    and more) without touching its velocity layers.
    """
    import pretty_midi

    zones_of = {}
    for role, (program, lo_root, hi_root, *gain_db) in instruments.items():
        gain = 10.0 ** (gain_db[0] / 20.0) if gain_db else 1.0
        roots = list(range(lo_root, hi_root + 1, 3))
        midi = pretty_midi.PrettyMIDI()
        inst = pretty_midi.Instrument(program=program)
        plan = [(r, layer) for r in roots for layer in LAYERS]
        for i, (root, (_, _, vel)) in enumerate(plan):
            inst.notes.append(pretty_midi.Note(vel, root, i * SPACING_S, i * SPACING_S + NOTE_S))
        midi.instruments.append(inst)
        audio = _fluidsynth(midi, work, sf2)
        zones = []
        for i, (root, (vlo, vhi, vel)) in enumerate(plan):
            rel = f"{role}/{root}-v{vel}.ogg"
            write_ogg(out / rel, _cut(audio, i * SPACING_S, KEEP_S) * gain)
            lo = 0 if root == roots[0] else root - 1  # each zone plays its root, one below, one above
            hi = 127 if root == roots[-1] else root + 1
            zones.append({"file": rel, "root": root, "lo": lo, "hi": hi, "vel_lo": vlo, "vel_hi": vhi})
        zones_of[role] = zones
    return zones_of


def make_kit(out: Path, work: Path, kit: dict = KIT, kit_program: int = 0, sf2: Path = SF2) -> dict[str, str]:
    """One-shots of a GM drum kit (on the drum channel the program picks the kit: 0 Standard, 40 Brush)."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI()
    drums = pretty_midi.Instrument(program=kit_program, is_drum=True)
    for i, (note, _) in enumerate(kit.values()):
        drums.notes.append(pretty_midi.Note(110, note, i * SPACING_S, i * SPACING_S + 0.2))
    midi.instruments.append(drums)
    audio = _fluidsynth(midi, work, sf2)
    files = {}
    for i, (voice, (_, keep_s)) in enumerate(kit.items()):
        write_ogg(out / f"kit/{voice}.ogg", _cut(audio, i * SPACING_S, keep_s), 0.5)
        files[voice] = f"kit/{voice}.ogg"
    return files


def _sf2_info(sf2: Path) -> dict[str, str]:
    """The SoundFont's INFO chunk (INAM name, IENG engineer, ICOP copyright, ICMT comment)."""
    with open(sf2, "rb") as f:
        head = f.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
            raise PackError("not a SoundFont 2 file", sf2, "give a .sf2 file")
        cid, size = struct.unpack("<4sI", f.read(8))
        data = f.read(size) if cid == b"LIST" else b""
    info, pos = {}, 4
    while pos + 8 <= len(data):
        key, n = struct.unpack("<4sI", data[pos:pos + 8])
        info[key.decode("latin-1")] = data[pos + 8:pos + 8 + n].split(b"\0")[0].decode("latin-1").strip()
        pos += 8 + n + (n & 1)
    return info


def import_soundfont(sf2: Path, out: Path) -> dict[str, str]:
    """Render keys, piano, bass, a lead and a kit from a SoundFont through FluidSynth into a new pack; returns its INFO."""
    if shutil.which("fluidsynth") is None:
        raise PackError("fluidsynth is not installed", sf2, "install it (apt install fluidsynth) or import a folder")
    if not sf2.is_file():
        raise PackError("no such file", sf2, "give a .sf2 file or a folder of samples")
    info = _sf2_info(sf2)
    license, author = license_in(" ".join(info.get(k, "") for k in ("ICOP", "ICMT")))
    author = info.get("IENG") or author

    def make(tmp: Path) -> None:
        with tempfile.TemporaryDirectory() as work:
            instruments = make_instruments(tmp, Path(work), sf2=sf2)
            kit = make_kit(tmp, Path(work), sf2=sf2)
        credit = {"title": info.get("INAM") or sf2.name, "author": author,
                  "source": f"{TODO} (rendered from {sf2.name} by lofipress pack import)", "license": license}
        credits = [{"file": f"{d}/", **credit} for d in (*instruments, "kit")]
        comments = [f"# Rendered by `lofipress pack import` from {sf2.name}: a SoundFont has no ambience or quotes."]
        (tmp / "pack.toml").write_text(pack_toml(comments, slug(out.name), license, credits, instruments=instruments,
                                                 kit=kit, patterns=PATTERNS), encoding="utf-8")

    fresh_pack(out, make)
    return info
