"""`lofipress pack import SRC DIR`: draft a pack from a folder of sounds as people have them, or a SoundFont.

Gather first, then write: every file is read by its name (note names in any
common spelling, tempos, drum and ambience words), then listened to (YIN pitch,
onset-autocorrelation tempo) where the name says nothing or to check what it
says. Only then is a fresh folder written, verified by `packs.load_pack`, and
moved into place. What was guessed, and how surely, is printed as a table with
a "needs a human" list; those items are also kept as comments in pack.toml.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import PackError
from .listen import ANALYSIS_SR, detect_pitch, detect_tempo, whole_bars
from .packs import AUDIO_SUFFIXES, PART_ROLES, ROLES, TODO, VARISPEED_MAX, load_audio, load_pack, needs_human
from .render import stretch_loop

CONVERT_SUFFIXES = (".aif", ".aiff")  # readable here, but not a pack format: converted to FLAC
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
LICENSES = [(re.compile(p, re.I), spdx) for p, spdx in (
    (r"\bcc0\b|creative commons zero|public domain dedication", "CC0-1.0"),
    (r"cc[- ]by[- ]sa[- ]?4|attribution-sharealike 4", "CC-BY-SA-4.0"),
    (r"cc[- ]by[- ]4|attribution 4\.0", "CC-BY-4.0"), (r"cc[- ]by[- ]3|attribution 3\.0", "CC-BY-3.0"),
    (r"\bmit license\b|licensed under the mit\b", "MIT"), (r"\bapache license", "Apache-2.0"))]


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


def station_tempos(spec: str | None) -> tuple[float, ...]:
    """Tempos from '72-86/2' or '80,85,90'; without a spec, the default station's grid."""
    if not spec:
        from .config import StationMeta

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


def _toml(v) -> str:
    """One TOML value: strings JSON-escaped (TOML basic strings share the escapes), tables inline."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def pack_toml(comments: list[str], name: str, license: str, credits: list[dict], quotes: list[dict] = (),
              ambience: list[dict] = (), drum_loops: list[dict] = (), instruments: dict | None = None,
              kit: dict | None = None, patterns: dict | None = None) -> str:
    """pack.toml text in the layout of samples/default (what packs.load_pack reads)."""
    lines = [*comments, f"name = {_toml(name)}", f"license = {_toml(license)}", "credits = [",
             ",\n".join(f"  {_toml(c)}" for c in credits), "]", ""]
    for table, rows in (("quotes", quotes), ("ambience", ambience), ("drum_loops", drum_loops)):
        for row in rows:
            lines += [f"[[{table}]]", *(f"{k} = {_toml(v)}" for k, v in row.items()), ""]
    for role, zones in (instruments or {}).items():
        lines += [f"[instruments.{role}]", "zones = [", ",\n".join(f"  {_toml(z)}" for z in zones), "]", ""]
    if kit:
        lines += ["[kit]", *(f"{v} = {_toml(p)}" for v, p in kit.items()), ""]
    for pid, (title, swing, late_ms, grid) in (patterns or {}).items():
        lines += [f"[patterns.{pid}]", f"title = {_toml(title)}", "bars = 1", f"swing = {swing}",
                  f"snare_late_ms = {late_ms}", f"[patterns.{pid}.grid]"]
        lines += [f"{voice} = {steps}" for voice, steps in grid.items()] + [""]
    return "\n".join(lines)


RENDER_SR = 44100  # pack files written here (stretched loops, SoundFont renders)
PATTERNS = {  # id: (title, swing, snare_late_ms, {voice: 16 velocities per bar})
    "boombap": ("Boom bap", 0.58, 22.0, {
        "kick": [112, 0, 0, 0, 0, 0, 0, 0, 0, 0, 96, 0, 0, 0, 0, 0],
        "snare": [0, 0, 0, 0, 108, 0, 0, 0, 0, 0, 0, 0, 108, 0, 0, 0],
        "hat_closed": [80, 0, 52, 0, 78, 0, 50, 0, 80, 0, 54, 0, 76, 0, 48, 60]}),
    "lazy": ("Lazy Sunday", 0.6, 28.0, {
        "kick": [108, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "rim": [0, 0, 0, 0, 96, 0, 0, 0, 0, 0, 0, 0, 96, 0, 0, 0],
        "shaker": [0, 0, 50, 0, 0, 0, 50, 0, 0, 0, 50, 0, 0, 0, 50, 0]}),
    "dusty-ride": ("Dusty ride", 0.62, 18.0, {
        "kick": [110, 0, 0, 0, 0, 0, 0, 70, 0, 0, 100, 0, 0, 0, 0, 0],
        "snare": [0, 0, 0, 0, 104, 0, 0, 0, 0, 0, 0, 0, 104, 0, 0, 30],
        "ride": [70, 0, 0, 0, 64, 0, 0, 50, 70, 0, 0, 0, 64, 0, 0, 50],
        "hat_open": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 56, 0]}),
}
STAND_IN = {"snare": "rim", "rim": "snare", "hat_closed": "shaker", "shaker": "hat_closed", "ride": "hat_closed"}


def kit_patterns(voices) -> dict:
    """The built-in patterns, each voice the kit lacks played by a stand-in or dropped; none without a kick."""
    out = {}
    for pid, (title, swing, late_ms, grid) in PATTERNS.items():
        played = {}
        for voice, steps in grid.items():
            use = voice if voice in voices else STAND_IN.get(voice) if STAND_IN.get(voice) in voices else None
            if use and use not in played:
                played[use] = steps
        if "kick" in played and len(played) > 1:
            out[pid] = (title, swing, late_ms, played)
    return out


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _license_of(src: Path) -> tuple[str, str]:
    """(SPDX license, author) stated in SRC's LICENSE/README/COPYING/CREDITS files, else TODO."""
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace")[:20000] for p in sorted(src.iterdir())
                     if p.is_file() and re.match(r"(licen[cs]e|readme|copying|credits)", p.name, re.I))
    return license_in(text)


def license_in(text: str) -> tuple[str, str]:
    """(license, author) a text states; several licenses mean a person must say which file has which."""
    found = [spdx for pattern, spdx in LICENSES if pattern.search(text)]
    if len(found) > 1:
        return f"{TODO} (the folder names {', '.join(found)}: say which applies to which file)", TODO
    license = found[0] if found else TODO
    m = re.search(r"(?:copyright|\(c\)|©)\s*(?:\(c\)\s*)?[\d\s,\-;]*(?:by\s+)?([A-Z][^\n.;,<]{1,60})", text, re.I)
    return license, m.group(1).strip() if m else TODO


def _nearest(tempo: float, tempos: tuple[float, ...]) -> float:
    return min(tempos, key=lambda t: abs(t - tempo))


def _write_loop(item: Item, out: Path, rel: str, tempos: tuple[float, ...], stretch: bool) -> str:
    """Copy a loop, or varispeed it onto the nearest station tempo when asked and within VARISPEED_MAX."""
    import soundfile as sf

    tempo, bars = item.info["tempo_bpm"], item.info["bars"]
    target = _nearest(tempo, tempos)
    off = abs(target / tempo - 1)
    if 0 < off <= VARISPEED_MAX and not item.human:
        if stretch:
            audio = load_audio(item.path, RENDER_SR)
            rel = str(Path(rel).with_suffix(".flac"))
            sf.write(str(out / rel), stretch_loop(audio, round(bars * 240 / target * RENDER_SR)), RENDER_SR)
            item.info.update(tempo_bpm=target, stretched_to=target)
            return rel
        item.human = (f"{tempo:g} BPM is {off:.1%} from the station tempo {target:g}: "
                      f"rerun with --stretch to snap it")
    shutil.copyfile(item.path, out / rel)
    return rel


def _write_file(item: Item, out: Path, rel: str) -> str:
    """Copy the bytes; AIFF is decoded and written as FLAC (a pack holds WAV, FLAC, OGG or MP3 only)."""
    if item.path.suffix.lower() in CONVERT_SUFFIXES:
        import soundfile as sf

        data, sr = sf.read(str(item.path), always_2d=True)
        rel = str(Path(rel).with_suffix(".flac"))
        sf.write(str(out / rel), data, sr)
    else:
        shutil.copyfile(item.path, out / rel)
    return rel


def _out_name(item: Item, used: set[str]) -> str:
    """A URL-safe path inside the pack: role/Cs4-v64.wav, kit/kick.flac, loops/lazy-85bpm.wav..."""
    i, ext = item.info, item.path.suffix.lower()
    if item.kind == "zone":
        layered = (i["vel_lo"], i["vel_hi"]) != (1, 127)
        base = f"{i['role']}/{midi_to_name(i['root'])}" + (f"-v{i['velocity'] or 80}" if layered else "")
    elif item.kind == "kit":
        base = f"kit/{i['voice']}"
    else:
        base = f"{ {'loop': 'loops', 'ambience': 'ambience', 'quote': 'quotes'}[item.kind]}/{slug(item.path.stem)}"
    stem, n = base, 2
    while stem.lower() in used:  # ids come from the stem: two beds named rain.wav and rain.ogg stay apart
        stem, n = f"{base}-{n}", n + 1
    used.add(stem.lower())
    return stem + ext


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
        except Exception as exc:  # noqa: BLE001 - any decoder failure means this file is unusable
            item.info = {"why": f"cannot decode ({exc.__class__.__name__})"}
            items.append(item)
            continue
        if len(x) == 0 or not np.any(x):
            item.info = {"why": "silent or empty"}
        else:
            _classify(item, src, x)
        items.append(item)
    _assign_kit(items)
    _assign_roles(items)
    _layer_zones(items)
    if not any(i.kind != "skip" for i in items):
        raise PackError(f"none of its {len(items)} audio files could be used", src, "see which in `pack import`'s table")
    return items


def write_pack(items: list[Item], src: Path, out: Path, name: str, tempos: tuple[float, ...], stretch: bool) -> None:
    """Copy or convert the usable files into `out` and write its pack.toml."""
    license, author = _license_of(src)
    used: set[str] = set()
    loops, beds, quotes, credits = [], [], [], []
    instruments: dict[str, list[dict]] = {}
    kit: dict[str, str] = {}
    for item in (i for i in items if i.kind != "skip"):
        rel = _out_name(item, used)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        rel = _write_loop(item, out, rel, tempos, stretch) if item.kind == "loop" else _write_file(item, out, rel)
        i = item.info
        ident = Path(rel).stem
        title = " ".join(re.split(r"[\s_\-]+", item.path.stem)).strip().capitalize()
        if item.kind == "zone":
            instruments.setdefault(i["role"], []).append(
                {"file": rel, "root": i["root"], "lo": i["lo"], "hi": i["hi"], "vel_lo": i["vel_lo"],
                 "vel_hi": i["vel_hi"]})
        elif item.kind == "kit":
            kit[i["voice"]] = rel
        elif item.kind == "loop":
            loops.append({"id": ident, "title": title, "file": rel, "tempo_bpm": float(i["tempo_bpm"]),
                          "bars": i["bars"]})
        elif item.kind == "ambience":
            beds.append({"id": ident, "title": title, "file": rel, "visual": i["visual"]})
        else:
            quotes.append({"id": ident, "file": rel, "text": i["text"], "speaker": i["speaker"]})
        credits.append({"file": rel, "title": item.path.name, "author": author,
                        "source": f"{TODO} (imported from {item.rel})", "license": license})
    for zones in instruments.values():
        zones.sort(key=lambda z: (z["root"], z["vel_lo"]))
    comments = [f"# Drafted by `lofipress pack import` from {src.name}/: check every TODO before publishing."]
    comments += [f"# needs a human: {i.rel}: {i.human}" for i in items if i.human]
    (out / "pack.toml").write_text(pack_toml(comments, name, license, credits, quotes, beds, loops,
                                             instruments, kit, kit_patterns(kit)), encoding="utf-8")


def _refuse_nonempty(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PackError("already exists and is not empty", out, "give a new folder; nothing was written")


def fresh_pack(out: Path, make) -> None:
    """Run make(tmp) into a temporary sibling of `out`, check it loads as a pack, then move it into place."""
    _refuse_nonempty(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        make(tmp)
        load_pack(tmp)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
