"""`lofipress pack check DIR`: load and decode a pack as the build would, list its credits, say what needs a hand.

Apart from lofipress.packs (reading and validating a pack) so the command can use the role balance
(lofipress.packs.balance, which reads packs) without a cycle.
"""
from __future__ import annotations

from pathlib import Path

from . import balance
from . import load_pack, needs_human, role_for
from .samples import CHECK_RATE, audio_files, load_audio, load_bed


def cli_check(args) -> int:
    """`lofipress pack check DIR`: validate, print the credits table, warn about what still needs a human."""
    pack = load_pack(Path(args.dir))
    beds = {bed.file for bed in pack.ambience}
    for path in audio_files(pack):  # decode what the build will decode, with the build's limits
        (load_bed if path in beds else load_audio)(path, CHECK_RATE)
    print(f"pack '{pack.name}' ({pack.license}): "
          + ", ".join(f"{r} {len(i.zones)} zones" for r, i in pack.instruments.items())
          + f"; kit {len(pack.kit)}; patterns {len(pack.patterns)}; loops {len(pack.drum_loops)};"
          f" ambience {len(pack.ambience)}; quotes {len(pack.quotes)}")
    rows = [("file", "title", "author", "license")] + [(c.file, c.title, c.author, c.license) for c in pack.credits]
    widths = [min(40, max(len(row[i]) for row in rows)) for i in range(4)]
    for row in rows:
        print("  ".join(cell[:40].ljust(w) for cell, w in zip(row, widths)).rstrip())
    melody = role_for(pack, "melody")
    if pack.instruments and melody != "lead":
        print(f"note: no lead instrument, so the melody plays on {melody} "
              "(add [instruments.lead] zones, about C4-C6, for a voice of its own)")
    levels = balance.reference_levels(pack)
    if levels:
        print("role levels (reference note, dBFS, gain_db included): "
              + ", ".join(f"{r} {v:.1f}" for r, v in levels.items()))
    apart = balance.apart_warning(pack)
    warnings = needs_human(pack) + ([apart] if apart else [])
    for w in warnings:
        print(f"warning: {w}")
    print(f"ok, with {len(warnings)} warning(s)" if warnings else "ok")
    return 0
