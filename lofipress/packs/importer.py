"""`lofipress pack import SRC DIR`: draft a pack from a folder of sounds as people have them, or a SoundFont.

Gather first, then write: every file is read by its name (note names in any
common spelling, tempos, drum and ambience words), then listened to (YIN pitch,
onset-autocorrelation tempo) where the name says nothing or to check what it
says. Only then is a fresh folder written, verified by `packs.load_pack`, and
moved into place. What was guessed, and how surely, is printed as a table with
a "needs a human" list; those items are also kept as comments in pack.toml.

This module ties the steps together, prints the table, and is the CLI's
handler; the reading is `pack_gather`, the writing `pack_write`.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import PackError
from .gather import Item, _assign_roles, gather, midi_to_name, note_from_name, tempo_from_name
from .write import PATTERNS, RENDER_SR, _refuse_nonempty, fresh_pack, license_in, pack_toml, slug, write_pack
from . import PART_ROLES, ROLES, load_pack, needs_human
from .samples import stretch_loop

__all__ = [  # the entry module: what tests, scripts and the CLI import from here
    "Item", "PATTERNS", "RENDER_SR", "_assign_roles", "cli_import", "fresh_pack", "gather", "import_folder",
    "license_in", "midi_to_name", "note_from_name", "pack_toml", "report", "slug", "station_tempos",
    "stretch_loop", "tempo_from_name", "write_pack"]


def station_tempos(spec: str | None) -> tuple[float, ...]:
    """Tempos from '72-86/2' or '80,85,90'; without a spec, the default station's grid."""
    if not spec:
        from ..station.config import StationMeta

        m = StationMeta()
        lo, hi, step = m.tempo_min_bpm, m.tempo_max_bpm, m.tempo_step_bpm
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*", spec)
        if not m:
            try:
                return tuple(sorted(float(v) for v in spec.split(",")))
            except ValueError:
                raise PackError(f"--stretch {spec!r} is not a tempo list", None, "write 72-86/2 or 80,85,90") from None
        lo, hi, step = float(m.group(1)), float(m.group(2)), float(m.group(3) or 1)
    return tuple(lo + i * step for i in range(int(round((hi - lo) / step)) + 1))


def import_folder(src: Path, out: Path, tempos: tuple[float, ...] = (), stretch: bool = False) -> list[Item]:
    """Draft a pack from a folder of sounds.

    Args:
        src: any folder of WAV/FLAC/OGG/MP3/AIFF files, in any layout and naming.
        out: the pack folder to write (new or empty).
        tempos: the station's tempos, to snap (stretch=True) or report near-miss loops.
        stretch: varispeed loops within 8 % of a station tempo onto it.
    Returns:
        One Item per audio file: what it was taken as, how, how surely, what needs a human.
    Raises:
        PackError: SRC missing, holds no usable audio, or OUT exists and is not empty.
    """
    _refuse_nonempty(out)  # before minutes of listening, not after
    items = gather(src)
    fresh_pack(out, lambda tmp: write_pack(items, src, tmp, slug(out.name), tempos or station_tempos(None),
                                            stretch))
    return items


def report(items: list[Item]) -> str:
    """The plain table `pack import` prints, then what needs a human."""
    rows = [("file", "taken as", "how", "sure")]
    rows += [(i.rel, i.taken_as(), i.how or "-", f"{i.confidence:.2f}" if i.kind != "skip" else "-") for i in items]
    widths = [min(44, max(len(r[k]) for r in rows)) for k in range(4)]
    lines = ["  ".join(c[:44].ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    used = sum(i.kind != "skip" for i in items)
    lines.append(f"used {used} of {len(items)} audio files")
    played: dict[str, dict[str, int]] = {}  # role -> source group -> files
    for z in (i for i in items if i.kind == "zone"):
        group, name = played.setdefault(z.info["role"], {}), z.info["group"] or "unnamed"
        group[name] = group.get(name, 0) + 1
    if played:
        lines.append("instruments: " + "; ".join(
            f"{role} <- " + ", ".join(f"'{g}' ({n})" for g, n in played[role].items()) for role in ROLES if role in played))
        melody = next(r for r in (*PART_ROLES["melody"], *played) if r in played)  # as packs.role_for picks
        if melody != "lead":
            lines.append(f"no lead: the melody plays on {melody} (a folder named guitar, flute, vibes, "
                         "harp, sax... becomes the lead)")
    humans = [i for i in items if i.human]
    if humans:
        lines.append(f"needs a human ({len(humans)}), also noted at the top of pack.toml:")
        lines += [f"  - {i.rel}: {i.human}" for i in humans]
    return "\n".join(lines)


def cli_import(args) -> int:
    """`lofipress pack import SRC DIR [--stretch TEMPOS]`: a folder of sounds or a .sf2 to a new pack."""
    src, out = Path(args.src), Path(args.dir)
    if src.suffix.lower() == ".sf2":
        from .soundfont import INSTRUMENTS, KIT, LAYERS, import_soundfont

        info = import_soundfont(src, out)
        print(f"rendered {info.get('INAM') or src.name}: {', '.join(INSTRUMENTS)} ({len(LAYERS)} velocity layers, "
              f"a root every minor third; the lead is GM program {INSTRUMENTS['lead'][0]}, jazz guitar) and a "
              f"{len(KIT)}-voice kit; no ambience or quotes")
    else:
        spec = getattr(args, "stretch", None)
        print(report(import_folder(src, out, station_tempos(spec), stretch=spec is not None)))
    for w in needs_human(load_pack(out)):
        print(f"warning: {w}")
    print(f"wrote {out}; check it with `lofipress pack check {out}`")
    return 0
