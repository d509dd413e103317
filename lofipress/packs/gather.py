"""Reading a folder of sounds for `pack import`: what each file is, and which role or voice it takes.

Every file is read by its name (note names in any common spelling, tempos,
drum and ambience words), then listened to (YIN pitch, onset-autocorrelation
tempo) where the name says nothing or to check what it says. Then the tonal
groups get instrument roles, drum one-shots kit voices, and zones their key and
velocity ranges. Nothing is written here: `pack_write` does that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import PackError
from .listen import ANALYSIS_SR, detect_pitch, detect_tempo, whole_bars
from .foreign_audio import FOREIGN_SUFFIXES
from . import AUDIO_SUFFIXES, ROLES, TODO
from .samples import CHECK_RATE, level_problem, load_audio

# readable here, but not a pack format: converted to FLAC (AIFF by libsndfile, AAC by pydub: foreign_audio)
CONVERT_SUFFIXES = (".aif", ".aiff", *FOREIGN_SUFFIXES)
LONG_S = 6.0  # an unnamed file this long is a bed or a loop, not a one-shot
NOTE_PITCH = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
NOTE_RE = re.compile(r"^([a-g])(#|s|sharp|b|flat)?(-?\d)$", re.I)
VELOCITY_WORDS = {"pp": 32, "quiet": 40, "soft": 48, "p": 48, "mp": 64, "medium": 80, "mf": 80, "f": 100,
                  "hard": 112, "loud": 112, "ff": 120}


def _words(pattern: str) -> re.Pattern:
    """A keyword regex that matches only at the start of a word (so 'ride' is not found in 'override')."""
    return re.compile(rf"(?<![a-z])(?:{pattern})")


DRUM_FOLDER = _words(r"drums?(?![a-z])|kits?(?![a-z])|percussion")  # a pitched file in here is a drum, not keys
QUOTE_WORDS = _words(r"quote|speech|voice|spoken|vox|talk|poem|narrat")
LOOP_WORDS = _words(r"drum ?loop|loop|break|groove|beat|\d+ ?bpm|bpm")
KIT_WORDS = [  # (words, kit voices it may fill, in order of preference)
    (_words(r"open ?(?:hi-?)?hat|hat ?open|hh ?open|open ?hh|oh(?![a-z])"), ("hat_open",)),
    (_words(r"kick|bd(?![a-z])|bass ?drum"), ("kick",)),
    (_words(r"snare|sd(?![a-z])|snr"), ("snare",)),
    (_words(r"rim|side ?stick|stick"), ("rim", "snare")),
    (_words(r"clap|snap"), ("snare", "rim")),
    (_words(r"hi-?hat|hat|hh|chh"), ("hat_closed",)),
    (_words(r"ride|cymbal|crash"), ("ride",)),
    (_words(r"shaker|shake|tamb|perc|conga|bongo|tom"), ("shaker",)),
]
AMBIENCE_WORDS = [  # (words, visual)
    (_words(r"rain|storm|drizzle|thunder"), "rain"), (_words(r"fire|camp ?fire"), "fire"),
    (_words(r"wind|breeze"), "wind"), (_words(r"water|creek|river|ocean|sea|waves?(?![a-z])|brook"), "water"),
    (_words(r"snow|winter"), "snow"), (_words(r"birds?|forest|nature"), "birds"),
    (_words(r"city|street|traffic|cafe|coffee|crowd|train"), "city"), (_words(r"night|cricket"), "night"),
    (_words(r"vinyl|crackle|hiss|tape|room|ambien|atmos|noise|field"), "calm"),
]
ROLE_WORDS = [  # in order: 'bass guitar' is a bass, 'synth lead' a lead, 'e-piano' the piano if it is free
    (_words(r"piano|grand|upright|felt"), "piano"), (_words(r"bass|808|sub(?![a-z])"), "bass"),
    (_words(r"e?guitar|gtr|vib(?:es?|raphone)(?![a-z])|flute|harp|marimba|xylo|glock|bells?(?![a-z])|celest|"
            r"lead|sax|trumpet|horn|clarinet|oboe|whistl|ocarina|recorder|kalimba|mbira|music ?box|musicbox|mallet|"
            r"pluck|melod"), "lead"),
    (_words(r"keys?|rhodes|e?piano|ep(?![a-z])|wurli|organ|synth|pad|keyboard"), "keys")]


def note_from_name(stem: str) -> tuple[int | None, int | None]:
    """(MIDI note, velocity hint) read from a file name; None where the name has none.

    Spellings: C4, c4, Cs4, C#4, Csharp4, Db4, Bb3, piano-A1, guitar_60 (a MIDI
    number 21-108 when no note name is present), with _v64, soft, hard, mf...
    C4 is MIDI 60 (scientific pitch notation).
    """
    tokens = [t for t in re.split(r"[\s_\-.,()\[\]]+", stem) if t]
    note = velocity = number = None
    for t in tokens:
        low = t.lower()
        m = NOTE_RE.match(t)
        if m and note is None:
            letter, acc, octave = m.group(1).lower(), (m.group(2) or "").lower(), int(m.group(3))
            shift = 1 if acc in ("#", "s", "sharp") else -1 if acc in ("b", "flat") else 0
            note = (octave + 1) * 12 + NOTE_PITCH[letter] + shift
        elif re.fullmatch(r"v(?:el)?\d{1,3}", low):
            velocity = max(1, min(127, int(re.sub(r"\D", "", low))))
        elif low in VELOCITY_WORDS and len(tokens) > 1:
            velocity = VELOCITY_WORDS[low]
        elif low.isdigit() and 21 <= int(low) <= 108 and number is None:
            number = int(low)
    if note is None:
        note = number
    return (note if note is None or 0 <= note <= 127 else None), velocity


def _group_word(stem: str) -> str:
    """The instrument a loose file belongs to: the first word of its name that is not a note or a hint."""
    for t in re.split(r"[\s_\-.,()\[\]#]+", stem.lower()):
        if t.isalpha() and not NOTE_RE.match(t) and t not in VELOCITY_WORDS:
            return t
    return ""


def midi_to_name(midi: int) -> str:
    """60 -> 'C4', 61 -> 'Cs4': URL-safe (a '#' in a file name breaks the player's fetch)."""
    names = ("C", "Cs", "D", "Ds", "E", "F", "Fs", "G", "Gs", "A", "As", "B")
    return f"{names[midi % 12]}{midi // 12 - 1}"


def tempo_from_name(stem: str) -> float | None:
    """A tempo written in the name: 'lazy 85bpm', 'drumloop80_2', 'loop_90', 'break-92.5 BPM'."""
    low = stem.lower()
    m = re.search(r"(\d{2,3}(?:\.\d+)?) ?bpm", low) or re.search(r"(?:loop|break|beat|groove)[ _-]?(\d{2,3})", low)
    bpm = float(m.group(1)) if m else None
    return bpm if bpm and 40 <= bpm <= 200 else None


@dataclass
class Item:
    """One source file and what the import made of it."""
    rel: str  # path inside SRC
    path: Path
    kind: str = "skip"  # zone, kit, loop, ambience, quote, skip
    how: str = ""  # name, detected, name+heard...
    confidence: float = 0.0
    info: dict = field(default_factory=dict)  # group/role/root/velocity, voice, tempo_bpm/bars, visual, text
    human: str = ""  # what a person must check or decide

    def taken_as(self) -> str:
        i = self.info
        if self.kind == "zone":
            vel = f" v{i['vel_lo']}-{i['vel_hi']}" if "vel_lo" in i and (i["vel_lo"], i["vel_hi"]) != (1, 127) else ""
            return f"{i.get('role', '?')} {midi_to_name(i['root'])} ({i['root']}){vel}"
        if self.kind == "kit":
            return f"kit.{i['voice']}"
        if self.kind == "loop":
            return f"drum loop {i['tempo_bpm']:g} BPM, {i['bars']} bars" + (
                f" (stretched to {i['stretched_to']:g})" if "stretched_to" in i else "")
        if self.kind == "ambience":
            return f"ambience ({i['visual']})"
        if self.kind == "quote":
            return "quote" + (" (text from .txt)" if i.get("text", TODO) != TODO else "")
        return f"skipped: {i.get('why', '?')}"


def _by_words(text: str) -> tuple[str, dict] | None:
    """(kind, info) that the words of a name say: quote, ambience bed, drum loop or kit voice; None if silent."""
    if QUOTE_WORDS.search(text):
        return "quote", {}
    visual = next((v for words, v in AMBIENCE_WORDS if words.search(text)), None)
    if visual:
        return "ambience", {"visual": visual}
    if LOOP_WORDS.search(text):
        return "loop", {}
    voices = next((v for words, v in KIT_WORDS if words.search(text)), None)
    return ("kit", {"voices": voices}) if voices else None


def _classify(item: Item, src: Path, x: np.ndarray) -> None:
    """Decide what one decoded file is: quote, ambience, drum loop, kit voice or tonal zone.

    The file's own name speaks before its folders ('Rain Kit/Drums/Kick.wav' is a kick).
    """
    stem = item.path.stem
    folder = item.path.parent.relative_to(src).as_posix() if item.path.parent != src else ""
    duration_s = len(x) / ANALYSIS_SR
    sidecar = item.path.with_suffix(".txt")
    found = ("quote", {}) if sidecar.is_file() else None
    item.how = "sidecar .txt" if found else ""
    for how, text in (("name", stem), ("folder", folder)):
        found = found or _by_words(re.sub(r"[_\-]+", " ", text.lower()))
        item.how = item.how or (how if found else "")
    kind, info = found or ("", {})
    if kind == "quote":
        spoken = sidecar.read_text(encoding="utf-8", errors="replace").strip() if sidecar.is_file() else ""
        item.kind, item.confidence = "quote", 1.0
        item.info = {"text": " ".join(spoken.split()) or TODO, "speaker": TODO}
        item.human = "name the speaker" if spoken else "type what the quote says (text) and who says it (speaker)"
        return
    if kind == "loop":
        return _take_loop(item, x, tempo_from_name(stem))
    if kind:
        item.kind, item.confidence, item.info = kind, 1.0, info
        return
    root, velocity = note_from_name(stem)
    heard, confidence = detect_pitch(x, ANALYSIS_SR) if duration_s > 0.1 else (0.0, 0.0)
    if root is None and duration_s >= LONG_S and confidence < 0.6:
        heard_tempo = detect_tempo(x, ANALYSIS_SR)
        if heard_tempo[1] >= 0.5:
            return _take_loop(item, x, None, heard_tempo)
        item.kind, item.how, item.confidence, item.info = "ambience", "detected (long, noisy)", 1.0 - confidence, {
            "visual": "calm"}
        item.human = "check it is a bed and pick its visual"
        return
    if root is None and (confidence < 0.5 or DRUM_FOLDER.search(folder.lower())):
        item.info = {"why": "no note or drum word in its name" + (" and no clear pitch" if confidence < 0.5 else "")}
        item.human = f"what is {item.path.name}? name it (kick, snare, C4...) and import again, or edit pack.toml"
        return
    group = folder.split("/")[-1].lower() if folder else _group_word(stem)
    item.kind, item.info = "zone", {"group": group, "velocity": velocity}
    if root is None:
        item.how, item.confidence, item.info["root"] = "detected", confidence, int(round(heard))
        return
    item.info["root"], item.how, item.confidence = root, "name", 1.0
    off = heard - root
    if confidence < 0.5:
        item.how = "name (pitch unclear)"
    elif abs(off) < 0.75:
        item.how = "name, heard same"
    elif abs(off - 12 * round(off / 12)) < 0.75:
        item.how = f"name (heard {midi_to_name(int(round(heard)))})"  # octave: naming conventions differ
        item.human = f"name says {midi_to_name(root)}, it sounds an octave away: check the octave convention"
    else:
        item.info["root"], item.how, item.confidence = int(round(heard)), "detected (name wrong?)", confidence
        item.human = f"name says {midi_to_name(root)} but it sounds {midi_to_name(int(round(heard)))}: took the heard pitch"


def _take_loop(item: Item, x: np.ndarray, named_bpm: float | None, heard: tuple | None = None) -> None:
    """A drum loop: tempo from the name or by ear (`heard`, if already measured), bars from its length."""
    duration_s = len(x) / ANALYSIS_SR
    if named_bpm:
        tempo, item.confidence = named_bpm, 1.0
    else:
        tempo, item.confidence = heard or detect_tempo(x, ANALYSIS_SR)
        item.how = "detected" + (f" ({item.how} says loop)" if item.how else "")
        if item.confidence < 0.6:
            item.human = f"tempo {tempo:g} BPM is a guess: check it"
    bars, off = whole_bars(duration_s, tempo)
    item.kind, item.info = "loop", {"tempo_bpm": tempo, "bars": bars}
    if off > 0.05:
        item.human = f"{duration_s:.2f} s is not a whole number of bars at {tempo:g} BPM: trim it"


def _assign_roles(items: list[Item]) -> None:
    """Groups of tonal zones to pack roles: by their words first, then the biggest groups fill what is free."""
    groups: dict[str, list[Item]] = {}
    for z in (i for i in items if i.kind == "zone"):
        groups.setdefault(z.info["group"], []).append(z)
    role_of: dict[str, str] = {}
    for g in sorted(groups):
        role = next((r for words, r in ROLE_WORDS if words.search(g) and r not in role_of.values()), None)
        if role:
            role_of[g] = role
    for g in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        low = np.median([z.info["root"] for z in groups[g]]) < 48
        free = [r for r in (("bass",) if low else ()) + ("keys", "piano", "lead") if r not in role_of.values()]
        if g not in role_of and free:
            role_of[g] = free[0]
            groups[g][0].human = f"'{g or 'unnamed'}' files taken as {free[0]}: check the role"
    for g, members in groups.items():
        for z in members:
            if g in role_of:
                z.info["role"] = role_of[g]
            else:
                z.kind, z.info["why"] = "skip", f"no free role for '{g}' (a pack has {', '.join(ROLES)})"
                z.human = z.human or f"'{g}' is left out: rename its folder to a free role or edit pack.toml"


def _assign_kit(items: list[Item]) -> None:
    """Drum one-shots to kit voices: every file's first choice before anyone's second; one file per voice."""
    kits = sorted((i for i in items if i.kind == "kit"), key=lambda i: len(i.info["voices"]))  # 'snare' before 'clap'
    taken: dict[str, str] = {}
    for choice in range(max((len(k.info["voices"]) for k in kits), default=0)):
        for k in kits:
            voices = k.info["voices"]
            if "voice" not in k.info and choice < len(voices) and voices[choice] not in taken:
                taken[voices[choice]], k.info["voice"] = k.rel, voices[choice]
    for k in (k for k in kits if "voice" not in k.info):
        k.kind, k.info["why"] = "skip", f"kit.{k.info['voices'][0]} is already {taken[k.info['voices'][0]]}"
        k.human = k.human or (f"left out: kit.{k.info['voices'][0]} is {taken[k.info['voices'][0]]}; "
                              "swap them in pack.toml if you prefer this one")


def _layer_zones(items: list[Item]) -> None:
    """Key ranges split halfway between roots; velocity layers split halfway between hints at each root."""
    for role in ROLES:
        zones = [i for i in items if i.kind == "zone" and i.info["role"] == role]
        by_root: dict[int, list[Item]] = {}
        for z in sorted(zones, key=lambda z: (z.info["velocity"] or 80, z.rel)):
            layer = by_root.setdefault(z.info["root"], [])
            if any((o.info["velocity"] or 80) == (z.info["velocity"] or 80) for o in layer):
                z.kind, z.info["why"] = "skip", f"same note and velocity as {layer[0].rel}"
                continue
            layer.append(z)
        roots = sorted(by_root)
        for k, root in enumerate(roots):
            lo = 0 if k == 0 else (roots[k - 1] + root) // 2 + 1
            hi = 127 if k == len(roots) - 1 else (root + roots[k + 1]) // 2
            hints = [z.info["velocity"] or 80 for z in by_root[root]]
            for j, z in enumerate(by_root[root]):
                z.info.update(lo=lo, hi=hi, vel_lo=1 if j == 0 else (hints[j - 1] + hints[j]) // 2 + 1,
                              vel_hi=127 if j == len(hints) - 1 else (hints[j] + hints[j + 1]) // 2)


def gather(src: Path) -> list[Item]:
    """Every audio file under SRC, classified and assigned (nothing is written)."""
    if not src.is_dir():
        raise PackError("no such folder", src, "give a folder of samples or a .sf2 file")
    paths = sorted(p for p in src.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(src).parts))
    audio = [p for p in paths if p.suffix.lower() in AUDIO_SUFFIXES + CONVERT_SUFFIXES]
    if not audio:
        raise PackError(f"no audio files ({len(paths)} other files)", src,
                        "put WAV, FLAC, OGG, MP3 or AIFF files in it")
    items = []
    for p in audio:
        item = Item(p.relative_to(src).as_posix(), p)
        try:
            x = load_audio.__wrapped__(p, ANALYSIS_SR).mean(axis=1)  # not cached: a library can be gigabytes
        except PackError as exc:  # the rules every pack file meets (clipped, absurd header...): say which
            item.info = {"why": exc.message}
            items.append(item)
            continue
        except Exception as exc:  # noqa: BLE001 - any decoder failure means this file is unusable
            item.info = {"why": f"cannot decode ({exc.__class__.__name__})"}
            items.append(item)
            continue
        if len(x) == 0 or not np.any(x):
            item.info = {"why": "silent or empty"}
        elif why := level_problem(x, "note"):  # never rises over -50 dBFS: hiss, not a note, a hit or a bed
            item.info = {"why": why}
        else:
            _classify(item, src, x)
            # A bed is judged as `pack check` and the build read it: every channel at their rate (the mono mix at
            # the analysis rate would put stereo noise 3-6 dB under its level).
            why = level_problem(load_audio.__wrapped__(p, CHECK_RATE), "ambience") if item.kind == "ambience" else None
            if why:  # the build and `pack check` refuse such a bed: it is not imported as one
                item.kind, item.info = "skip", {"why": why}
        items.append(item)
    _assign_kit(items)
    _assign_roles(items)
    _layer_zones(items)
    if not any(i.kind != "skip" for i in items):
        raise PackError(f"none of its {len(items)} audio files could be used", src, "see which in `pack import`'s table")
    return items
