"""Role balance of a pack: how loud each instrument's reference note is, and the gain that sets it right.

A pack's keys, piano, bass and lead come from anywhere: a third-party library's bass one-shots sat 15 dB over
its keys, so 87 % of a track's energy ended up under 150 Hz. Each role is measured the same way (its
reference note: the zone nearest a pitch the arranger writes for it, at velocity 100, at its loudest 100 ms,
so a plucked note and a held one compare by what is heard) and compared with the levels of the default
pack, whose mix was set by ear. `pack import` writes `gain_db` per instrument so every role lands within
BALANCE_TOLERANCE_DB of those levels; the build and `pack check` say when the roles a station plays are
further apart. Gains only ever attenuate (the loudest role moves down to the others), so no sample is
pushed past full scale; mastering sets the final level.

The kit is left out: drums are a loop of their own, mastered to `master.drums_lufs`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import Instrument, Pack, Zone, role_for

REFERENCE_PITCH = {"keys": 60, "piano": 60, "lead": 72, "bass": 40}  # the middle of each part's register
REFERENCE_VELOCITY = 100
WINDOW_S = 0.1  # the loudest 100 ms of the note: its body, whatever its envelope
MEASURE_SR = 22050
# Reference-note level of each role relative to the keys, in dB: the default pack (FluidR3 instruments, balanced by
# ear) measured by `reference_levels`: bass +1.4, lead +0.9. The piano stands in for the keys' chords (or the
# melody when a pack has no lead), so it sits with the keys. tests/test_balance.py checks the default pack.
TARGET_DB = {"keys": 0.0, "piano": 0.0, "lead": 1.0, "bass": 1.5}
BALANCE_TOLERANCE_DB = 2.0  # what `pack import` promises
APART_WARN_DB = 6.0  # the build warns past this: a part that loud or that quiet is heard as a mixing mistake
MAX_GAIN_DB = 30.0
MIN_GAIN_DB = 0.5  # a smaller correction is measurement noise: no gain_db line for it


def reference_zone(inst: Instrument) -> Zone:
    """The zone that plays the instrument's reference note: nearest its reference pitch, at velocity 100."""
    pitch = REFERENCE_PITCH.get(inst.role, 60)
    layer = [z for z in inst.zones if z.vel_lo <= REFERENCE_VELOCITY <= z.vel_hi] or list(inst.zones)
    return min(layer, key=lambda z: (0 if z.lo <= pitch <= z.hi else 1, abs(z.root - pitch)))


def reference_level_db(inst: Instrument) -> float:
    """RMS level (dBFS) of the instrument's reference note (`reference_zone`), its gain_db included."""
    from .samples import load_audio

    x = load_audio(reference_zone(inst).file, MEASURE_SR).mean(axis=1).astype(np.float64)
    w = int(WINDOW_S * MEASURE_SR)
    n = max(len(x) // w, 1)
    x = np.pad(x, (0, max(n * w - len(x), 0)))[:n * w]
    rms = float(np.sqrt(np.square(x).reshape(n, -1).mean(axis=1)).max()) if len(x) else 0.0
    return 20.0 * np.log10(max(rms, 1e-9)) + inst.gain_db


def reference_levels(pack: Pack, roles=None) -> dict[str, float]:
    """Each tonal role's reference level in dBFS (of `roles`, default all), its gain_db included."""
    return {role: round(float(reference_level_db(inst)), 2) for role, inst in pack.instruments.items()
            if roles is None or role in roles}


def played_roles(pack: Pack) -> set[str]:
    """The roles a station's songs sound: the keys, the bass and the melody's voice (lead, else piano, else keys)."""
    return {r for r in (role_for(pack, p) for p in ("keys", "melody", "bass")) if r}


def offsets(levels: dict[str, float]) -> dict[str, float]:
    """Each role's distance from its target, with the pack's own overall level taken out (median role at 0)."""
    raw = {r: levels[r] - TARGET_DB.get(r, 0.0) for r in levels}
    middle = float(np.median(list(raw.values()))) if raw else 0.0
    return {r: round(v - middle, 2) for r, v in raw.items()}


def balancing_gains(pack: Pack) -> dict[str, float]:
    """gain_db per role that puts every role on its target against the quietest role a station plays (which
    keeps 0 dB, so played roles are only cut); gains under MIN_GAIN_DB are rounding, left at 0."""
    levels = reference_levels(pack)
    raw = {r: levels[r] - TARGET_DB.get(r, 0.0) for r in levels}
    played = [raw[r] for r in played_roles(pack) if r in raw] or list(raw.values())
    anchor = min(played) if played else 0.0
    gains = {r: round(float(np.clip(anchor - v, -MAX_GAIN_DB, MAX_GAIN_DB)), 1) for r, v in raw.items()}
    return {r: (g if abs(g) >= MIN_GAIN_DB else 0.0) for r, g in gains.items()}


def pack_of_zones(root: Path, instruments: dict[str, list[dict]]) -> Pack:
    """A pack of just these instruments (zone dicts as pack.toml writes them, files relative to root)."""
    return Pack("draft", "", Path(root), {role: Instrument(role, tuple(
        Zone(Path(root) / z["file"], z["root"], z["lo"], z["hi"], z.get("vel_lo", 1), z.get("vel_hi", 127))
        for z in zones)) for role, zones in instruments.items()})


def apart_warning(pack: Pack) -> str | None:
    """One line when a role sits more than APART_WARN_DB from its level against the others, else None."""
    off = offsets(reference_levels(pack, played_roles(pack)))
    far = {r: v for r, v in off.items() if abs(v) > APART_WARN_DB}
    if not far:
        return None
    words = ", ".join(f"{r} {v:+.0f} dB" for r, v in sorted(far.items(), key=lambda kv: -abs(kv[1])))
    return (f"pack '{pack.name}': roles are out of balance ({words} from the levels of the default pack): set "
            f"gain_db under [instruments.ROLE] in {Path(pack.root) / 'pack.toml'} (pack import writes it)")
