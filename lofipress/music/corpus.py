"""A folder of MIDI / ABC files -> quantized Pieces, skipping and reporting bad files.

Files come as users bring them: several tracks and instruments, drum channels
(ignored), tempo and time-signature changes (we read positions in beats from
ticks, so tempo changes cannot move notes), pickup bars (leading empty bars are
dropped), odd quantization (snapped to 16ths). The lead (melody) is the track
named or programmed as one, else the highest mostly-monophonic track of several,
else a file that is one melodic line; a corpus with no lead anywhere gets the
top line of its chords instead (`skyline_leads`). A corrupt, empty, note-less,
non-MIDI or absurdly large file stops the read with its name and reason, so a
corpus never shrinks silently; with `skip_bad` it is skipped and reported instead.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import CorpusError, MidiError
from .tokens import STEPS_PER_BAR, Piece, monophonic, quantize
from ..core.keys import key_name

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
ABC_SUFFIXES = (".abc",)
SKIP_HINT = "fix or remove it, or skip bad files with --skip-bad or `skip_bad = true` under [corpus]"
LEAD_WORDS = ("melody", "lead", "solo", "vocal", "voice", "soprano", "flute", "sax", "trumpet", "whistle", "violin")
LEAD_PROGRAMS = range(56, 88)  # GM brass, reeds, pipes and synth leads: melodic instruments
MONOPHONIC_SHARE = 0.9  # a track is one line when this share of its onsets sound alone


@dataclass(frozen=True)
class CorpusReport:
    kept: list[str]
    skipped: list[tuple[str, str]]  # (file, reason)
    leads: int = 0  # pieces with a lead part of their own
    skyline: bool = False  # no piece had one: leads were taken from the top line of the chords

    def summary(self) -> str:
        total = len(self.kept) + len(self.skipped)
        head = f"kept {len(self.kept)}/{total} files"
        if not self.skipped:
            return head
        shown = "; ".join(f"{name}: {why}" for name, why in self.skipped[:6])
        more = f"; +{len(self.skipped) - 6} more" if len(self.skipped) > 6 else ""
        return f"{head}: skipped {shown}{more}"

    def lead_summary(self) -> str:
        """One line on where the melodies come from."""
        if self.skyline:
            return (f"the corpus has no melody parts: its lead was taken from the top line of the chords in "
                    f"{self.leads}/{len(self.kept)} pieces")
        return f"melody parts in {self.leads}/{len(self.kept)} pieces"


def corpus_files(folder: Path) -> list[Path]:
    """Every MIDI/ABC file below `folder`, in a stable order."""
    suffixes = MIDI_SUFFIXES + ABC_SUFFIXES
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def corpus_hash(folder: Path) -> str:
    """Content hash of the corpus files (names and bytes), for model cards and cache keys."""
    h = hashlib.sha256()
    for path in corpus_files(folder):
        h.update(str(path.relative_to(folder)).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def load_corpus(folder: str | Path, max_file_mb: float = 4.0, max_bars: int = 512,
                min_notes: int = 8, skip_bad: bool = False) -> tuple[list[Piece], CorpusReport]:
    """Read every usable piece of a corpus folder.

    Args:
        folder: a folder of .mid/.midi/.kar/.abc files (searched recursively).
        max_file_mb, max_bars, min_notes: limits beyond which a file is bad.
        skip_bad: skip bad files and list them in the report instead of stopping at the first.
    Returns:
        (pieces, report): pieces in file order; the report lists what was skipped and why.
    Raises:
        CorpusError: the folder is missing or no file in it is usable.
        MidiError: a file is bad and skip_bad is off; names the file and how to skip it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError("corpus folder not found", folder, "point corpus.dir or --corpus at a folder of MIDI files")
    files = corpus_files(folder)
    if not files:
        raise CorpusError("no .mid, .midi or .abc files in the corpus", folder, "add MIDI files to it")
    pieces, kept, skipped = [], [], []
    for path in files:
        name = str(path.relative_to(folder))
        try:
            piece = read_piece(path, max_file_mb, max_bars, min_notes)
        except MidiError as exc:
            if not skip_bad:
                raise MidiError(exc.message, path, SKIP_HINT) from None
            skipped.append((name, exc.message))
            continue
        pieces.append(Piece(name, piece.notes, piece.key, piece.bars, piece.meta, piece.lead))
        kept.append(name)
    skyline = bool(pieces) and not any(p.lead for p in pieces)
    if skyline:
        pieces = [skyline_lead(p) for p in pieces]
    report = CorpusReport(kept, skipped, sum(1 for p in pieces if p.lead), skyline)
    if not pieces:
        raise CorpusError(f"no usable piece ({report.summary()})", folder, "check the files are real MIDI with notes")
    return pieces, report


def skyline_lead(piece: Piece, low: int = 60, keys_high: int = 72) -> Piece:
    """Split a top line off a chords-only piece: notes over C4 that sound alone or top the rest above C5."""
    notes = list(piece.notes)
    lead, keys = [], []
    for i, (t, d, p) in enumerate(notes):
        under = [q for j, (u, e, q) in enumerate(notes) if j != i and u <= t < u + e]
        alone = not under
        if p >= low and (alone or (max(under) < p and p > keys_high)):
            lead.append((t, d, p))
        else:
            keys.append((t, d, p))
    return Piece(piece.name, tuple(keys), piece.key, piece.bars, piece.meta, tuple(monophonic(lead)))


def read_piece(path: Path, max_file_mb: float = 4.0, max_bars: int = 512, min_notes: int = 8) -> Piece:
    """One file -> Piece, or MidiError with the reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MidiError(f"cannot read the file ({exc.strerror})", path) from None
    if size == 0:
        raise MidiError("empty file", path)
    if size > max_file_mb * 1e6:
        raise MidiError(f"too large ({size / 1e6:.1f} MB > {max_file_mb} MB)", path)
    if path.suffix.lower() in ABC_SUFFIXES:
        tracks, key = _read_abc(path)
    else:
        tracks, key = _read_midi(path)
    notes, lead = split_lead(tracks)
    if len(notes) + len(lead) < min_notes:
        raise MidiError(f"only {len(notes) + len(lead)} notes (need {min_notes})", path)
    first_bar = min(s for s, _, _ in notes + lead) // STEPS_PER_BAR  # drop leading empty bars / pickups
    notes = [(s - first_bar * STEPS_PER_BAR, d, p) for s, d, p in notes]
    lead = [(s - first_bar * STEPS_PER_BAR, d, p) for s, d, p in lead]
    bars = max(s for s, _, _ in notes + lead) // STEPS_PER_BAR + 1  # the bar of the last onset ends the piece
    if bars > max_bars:
        raise MidiError(f"too long ({bars} bars > {max_bars})", path)
    q, ql = quantize(notes, bars), tuple(monophonic(quantize(lead, bars)))
    if key is None:
        key = estimate_key_of(q + ql)
    return Piece(path.name, q, key, bars, lead=ql)


def _monophonic_share(notes: list) -> float:
    """Share of a track's onsets that sound alone (no other note of the track at that moment)."""
    if not notes:
        return 0.0
    arr = sorted(notes)
    alone = 0
    for i, (t, d, p) in enumerate(arr):
        clash = any(u == t for u, _, q in arr[max(0, i - 4):i + 5] if (u, q) != (t, p))
        held = any(u < t < u + e - 1 for u, e, _ in arr[max(0, i - 4):i])  # a previous note still sounds
        alone += not (clash or held)
    return alone / len(arr)


def split_lead(tracks: list[tuple[str, int, list]]) -> tuple[list, list]:
    """(name, program, notes) per track -> (keys notes, lead notes).

    The lead is a track named or programmed as a melody instrument; else, among several tracks, the
    highest one that is mostly one line and sits above the rest; else a lone track that is one line.
    """
    tracks = [t for t in tracks if t[2]]
    named = [t for t in tracks if any(w in t[0].lower() for w in LEAD_WORDS) or t[1] in LEAD_PROGRAMS]
    lead_tracks = named[:1]
    if not lead_tracks and len(tracks) >= 2:
        mean = lambda t: sum(p for _, _, p in t[2]) / len(t[2])  # noqa: E731
        top = max(tracks, key=mean)
        if _monophonic_share(top[2]) >= MONOPHONIC_SHARE and all(mean(top) > mean(t) for t in tracks if t is not top):
            lead_tracks = [top]
    if not lead_tracks and len(tracks) == 1 and _monophonic_share(tracks[0][2]) >= MONOPHONIC_SHARE:
        lead_tracks = tracks
    keys = [n for t in tracks if t not in lead_tracks for n in t[2]]
    lead = [n for t in lead_tracks for n in t[2]]
    return keys, lead


def _read_midi(path: Path):
    import pretty_midi

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MidiError(f"cannot read the file ({exc.strerror})", path) from None
    if not data.startswith(b"MThd") and b"MThd" not in data[:64]:
        raise MidiError("not a MIDI file (no MThd header)", path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            midi = pretty_midi.PrettyMIDI(io.BytesIO(data))
    except Exception as exc:  # pretty_midi/mido raise many types for corrupt data
        raise MidiError(f"corrupt MIDI ({type(exc).__name__}: {str(exc)[:60]})", path) from None
    resolution = midi.resolution
    tracks = []
    for inst in midi.instruments:
        if inst.is_drum:
            continue
        notes = []
        for n in inst.notes:
            # Ticks are tempo-independent: beats = ticks / resolution, whatever the tempo map.
            start_16 = round(midi.time_to_tick(n.start) / resolution * 4)
            end_16 = round(midi.time_to_tick(n.end) / resolution * 4)
            notes.append((start_16, max(1, end_16 - start_16), n.pitch))
        tracks.append((inst.name or "", inst.program, notes))
    key = None
    if midi.key_signature_changes:
        number = midi.key_signature_changes[0].key_number  # 0-11 major, 12-23 minor
        key = key_name(number % 12, "minor" if number >= 12 else "major")
    return tracks, key


def _read_abc(path: Path):
    import music21

    try:
        score = music21.converter.parse(str(path), format="abc")
    except Exception as exc:
        raise MidiError(f"unreadable ABC ({type(exc).__name__}: {str(exc)[:60]})", path) from None
    tracks = []
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    for part in parts:
        notes = []
        for el in part.flatten().notes:
            start_16 = round(float(el.offset) * 4)  # offsets of a flattened part count from its start
            dur_16 = max(1, round(float(el.quarterLength) * 4))
            for p in el.pitches:
                notes.append((start_16, dur_16, int(p.midi)))
        tracks.append((str(part.partName or ""), -1, notes))
    key = None
    found = score.flatten().getElementsByClass("KeySignature")
    if found:
        k = found[0].asKey() if hasattr(found[0], "asKey") else None
        if k is not None:
            key = key_name(k.tonic.pitchClass, "minor" if k.mode == "minor" else "major")
    return tracks, key


def estimate_key_of(notes) -> str:
    """Key of quantized notes by Krumhansl-Schmuckler on duration-weighted pitch classes."""
    import numpy as np

    from .metrics import estimate_key

    weights = np.zeros(12)
    for _, dur, pitch in notes:
        weights[pitch % 12] += dur
    return estimate_key(weights)
