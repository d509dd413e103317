"""Sample packs: read and validate `samples/<pack>/pack.toml` into a frozen `Pack`.

A pack is plain data: paths, MIDI numbers, grids. Audio is decoded lazily by
`samples.load_audio`, cached per process, resampled to the station rate.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import PackError
from ..core.text import unprintable

ROLES = ("keys", "piano", "bass", "lead")  # keys = electric piano; lead = the melody's voice (guitar, flute...)
PART_ROLES = {"keys": ("keys",), "melody": ("lead", "piano", "keys"), "bass": ("bass",)}  # Note.part -> the roles
# it plays on, first present wins: a pack made before leads existed plays its melody on the piano, as it always did
KIT_VOICES = ("kick", "snare", "rim", "hat_closed", "hat_open", "ride", "shaker")
VISUALS = ("rain", "fire", "wind", "water", "calm", "city", "night", "snow", "birds")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
STEPS_PER_BAR = 16  # patterns are written on a 16th-note grid
VARISPEED_MAX = 0.08  # a drum loop plays at tempos within 8 % of its own (1.3 semitones); further is chipmunks
LOOP_FIT = (0.95, 1.5)  # a loop file's length over its bars': up to 5 % short (padded with silence),
                        # or ringing on half a loop past its last bar (the tail wraps onto its start)
TODO = "TODO"  # what `pack import` writes where only a person knows (credits, quote text)
TYPE_WORDS = {str: "a quoted string", int: "a whole number", float: "a number", list: "a list [...]",
              dict: "a table"}
MAX_GAIN_DB = 30.0  # an instrument's gain_db: more than this is a wrong sample, not a level
MAX_TEXT_CHARS = 500  # a pack text (title, credit, quote) longer than this is not a caption but a mistake


@dataclass(frozen=True)
class Zone:
    file: Path
    root: int  # MIDI number the sample sounds at
    lo: int  # lowest MIDI number this zone plays
    hi: int
    vel_lo: int = 1
    vel_hi: int = 127


@dataclass(frozen=True)
class Instrument:
    role: str
    zones: tuple[Zone, ...]
    gain_db: float = 0.0  # set by `pack import` so the roles sit at the levels of lofipress.packs.balance


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    bars: int
    grid: dict  # voice -> tuple of velocities (0 = rest), 16 per bar
    swing: float = 0.58  # share of each 8th given to its first 16th
    snare_late_ms: float = 20.0  # the lazy backbeat


@dataclass(frozen=True)
class DrumLoop:
    id: str
    title: str
    file: Path
    tempo_bpm: float
    bars: int


@dataclass(frozen=True)
class Ambience:
    id: str
    title: str
    file: Path
    visual: str


@dataclass(frozen=True)
class Quote:
    id: str
    file: Path
    text: str
    speaker: str


@dataclass(frozen=True)
class Credit:
    file: str  # relative to the pack folder
    title: str
    author: str
    source: str
    license: str


@dataclass(frozen=True)
class Pack:
    name: str
    license: str
    root: Path
    instruments: dict = field(default_factory=dict)  # role -> Instrument
    kit: dict = field(default_factory=dict)  # voice -> Path
    patterns: dict = field(default_factory=dict)  # id -> Pattern
    drum_loops: tuple = ()
    ambience: tuple = ()
    quotes: tuple = ()
    credits: tuple = ()


class _Reader:
    """Checks keys and types of one TOML table, naming pack.toml and the key on error."""

    def __init__(self, toml_path: Path, root: Path):
        self.toml_path, self.root = toml_path, root
        self.used: set[Path] = set()
        self.seconds: dict[Path, float] = {}  # duration of every file read, for drum loops' bars and tempo

    def fail(self, msg: str, fix: str = "fix it in pack.toml; samples/default/pack.toml shows every key"):
        raise PackError(msg, self.toml_path, fix)

    def table(self, value, where: str, required: set, optional: set = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.fail(f"'{where}' must be a table")
        unknown = set(value) - required - set(optional)
        if unknown:
            self.fail(f"unknown key '{where}.{sorted(unknown)[0]}'",
                      f"known keys: {', '.join(sorted(required | set(optional)))}")
        missing = required - set(value)
        if missing:
            self.fail(f"missing key '{where}.{sorted(missing)[0]}'", f"add {sorted(missing)[0]} = ... to {where}")
        return value

    def typed(self, value, kind, where: str):
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) if kind is float else (
            isinstance(value, int) and not isinstance(value, bool)) if kind is int else isinstance(value, kind)
        if not ok:
            self.fail(f"'{where}' must be {TYPE_WORDS[kind]}, not {value!r}", f"write {where} as {TYPE_WORDS[kind]}")
        if kind is str:  # every pack text may reach a page: bounded, and no control character (NUL, BEL, ESC...)
            if len(value) > MAX_TEXT_CHARS:
                self.fail(f"'{where}' is {len(value)} characters long", f"shorten it to {MAX_TEXT_CHARS} or fewer")
            bad = unprintable(value)
            if bad:
                self.fail(f"'{where}' holds {bad}", "remove it (write plain text)")
        return float(value) if kind is float else value

    def file(self, value, where: str) -> Path:
        rel = self.typed(value, str, where)
        if Path(rel).is_absolute():
            self.fail(f"'{where}' = {rel!r} is absolute", "give a path relative to the pack folder")
        path = (self.root / rel).resolve()  # resolves symlinks too
        if not path.is_relative_to(self.root):
            self.fail(f"'{where}' = {rel!r} escapes the pack folder", "keep every file inside the pack")
        if not path.is_file():
            self.fail(f"'{where}': file {rel!r} not found", "add the file or fix the path")
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            self.fail(f"'{where}': {rel!r} is not WAV, FLAC, OGG or MP3", "convert it to one of those")
        try:
            self.seconds[path] = probe_audio(path)
        except Exception as exc:  # noqa: BLE001 - any decoder failure means a bad file
            raise PackError(f"cannot decode audio ({exc.__class__.__name__})", path,
                            "re-export it as WAV, FLAC, OGG or MP3") from None
        self.used.add(path)
        return path


def probe_audio(path: Path) -> float:
    """The file's duration in seconds; raise if it is not decodable audio (cheap: header only, MP3 through ffmpeg)."""
    if path.suffix.lower() == ".mp3":
        from ..core.audiofile import decode

        data, sr = decode(path)
        return len(data) / sr
    import soundfile as sf

    info = sf.info(str(path))
    if info.frames <= 0:
        raise ValueError("empty audio")
    return info.frames / info.samplerate


def load_pack(pack_dir: Path) -> Pack:
    """Read and validate a pack folder.

    Args:
        pack_dir: folder holding pack.toml and the audio it names.
    Returns:
        Pack with absolute, checked paths.
    Raises:
        PackError: malformed TOML, unknown/missing key, wrong type, a path that
            escapes the folder, a missing or undecodable file, an uncredited file.
    """
    root = Path(pack_dir).resolve()
    toml_path = root / "pack.toml"
    if not root.is_dir():
        found = sorted(p.parent.name for p in root.parent.glob("*/pack.toml"))
        fix = f"set [pack] name to one of: {', '.join(found)}" if found else "make one with `lofipress pack import`"
        raise PackError("pack folder not found", root, fix)
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError("pack.toml not found", toml_path, "is this a pack folder? add a pack.toml") from None
    except UnicodeDecodeError:
        raise PackError("pack.toml is not UTF-8 text", toml_path, "save it as UTF-8") from None
    except OSError as exc:
        raise PackError(f"cannot read pack.toml ({exc.strerror})", toml_path, "make it a readable file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"not valid TOML: {exc}", toml_path, "fix the line it names") from None
    r = _Reader(toml_path, root)
    top = r.table(data, "pack", {"name", "license", "credits"},
                  {"instruments", "kit", "patterns", "drum_loops", "ambience", "quotes"})
    instruments = {}
    unknown = sorted(set(top.get("instruments", {})) - set(ROLES)) if isinstance(top.get("instruments"), dict) else []
    if unknown:
        r.fail(f"unknown instrument role 'instruments.{unknown[0]}'",
               f"roles are {', '.join(ROLES)}; the melody's own voice (guitar, flute, vibes...) is 'lead'")
    for role, table in r.table(top.get("instruments", {}), "instruments", set(), set(ROLES)).items():
        zones = []
        table = r.table(table, f"instruments.{role}", {"zones"}, {"gain_db"})
        gain_db = r.typed(table.get("gain_db", 0.0), float, f"instruments.{role}.gain_db")
        if not -MAX_GAIN_DB <= gain_db <= MAX_GAIN_DB:
            r.fail(f"'instruments.{role}.gain_db' must be between -{MAX_GAIN_DB:g} and {MAX_GAIN_DB:g} dB")
        for i, z in enumerate(r.typed(table["zones"], list, f"instruments.{role}.zones")):
            w = f"instruments.{role}.zones[{i}]"
            r.table(z, w, {"file", "root", "lo", "hi"}, {"vel_lo", "vel_hi"})
            zone = Zone(r.file(z["file"], f"{w}.file"), *(r.typed(z[k], int, f"{w}.{k}") for k in ("root", "lo", "hi")),
                        r.typed(z.get("vel_lo", 1), int, f"{w}.vel_lo"), r.typed(z.get("vel_hi", 127), int, f"{w}.vel_hi"))
            if not (0 <= zone.lo <= zone.hi <= 127 and 1 <= zone.vel_lo <= zone.vel_hi <= 127):
                r.fail(f"'{w}' needs 0 <= lo <= hi <= 127 and 1 <= vel_lo <= vel_hi <= 127")
            zones.append(zone)
        if not zones:
            r.fail(f"'instruments.{role}' has no zones")
        instruments[role] = Instrument(role, tuple(zones), gain_db)
    kit = {v: r.file(p, f"kit.{v}") for v, p in r.table(top.get("kit", {}), "kit", set(), set(KIT_VOICES)).items()}
    patterns = {}
    for pid, p in r.table(top.get("patterns", {}), "patterns", set(), set(top.get("patterns", {}))).items():
        w = f"patterns.{pid}"
        r.table(p, w, {"title", "bars", "grid"}, {"swing", "snare_late_ms"})
        bars = r.typed(p["bars"], int, f"{w}.bars")
        grid = {}
        for voice, steps in r.table(p["grid"], f"{w}.grid", set(), set(KIT_VOICES)).items():
            steps = r.typed(steps, list, f"{w}.grid.{voice}")
            if len(steps) != STEPS_PER_BAR * bars or not all(isinstance(v, int) and 0 <= v <= 127 for v in steps):
                r.fail(f"'{w}.grid.{voice}' must hold {STEPS_PER_BAR * bars} velocities 0-127")
            if voice not in kit:
                r.fail(f"'{w}.grid.{voice}' plays a voice the kit lacks", f"add kit.{voice}")
            grid[voice] = tuple(steps)
        patterns[pid] = Pattern(pid, r.typed(p["title"], str, f"{w}.title"), bars, grid,
                                r.typed(p.get("swing", 0.58), float, f"{w}.swing"),
                                r.typed(p.get("snare_late_ms", 20.0), float, f"{w}.snare_late_ms"))
    loops = []
    for i, d in enumerate(r.typed(top.get("drum_loops", []), list, "drum_loops")):
        w = f"drum_loops[{i}]"
        r.table(d, w, {"id", "title", "file", "tempo_bpm", "bars"})
        loops.append(DrumLoop(r.typed(d["id"], str, f"{w}.id"), r.typed(d["title"], str, f"{w}.title"),
                              r.file(d["file"], f"{w}.file"), r.typed(d["tempo_bpm"], float, f"{w}.tempo_bpm"),
                              r.typed(d["bars"], int, f"{w}.bars")))
        _check_drum_loop(r, loops[-1], w, set(patterns) | {x.id for x in loops[:-1]})
    beds = []
    for i, a in enumerate(r.typed(top.get("ambience", []), list, "ambience")):
        w = f"ambience[{i}]"
        r.table(a, w, {"id", "title", "file", "visual"})
        beds.append(Ambience(r.typed(a["id"], str, f"{w}.id"), r.typed(a["title"], str, f"{w}.title"),
                             r.file(a["file"], f"{w}.file"), r.typed(a["visual"], str, f"{w}.visual")))
        if beds[-1].visual not in VISUALS:
            r.fail(f"'{w}.visual' must be one of {', '.join(VISUALS)}")
    quotes = []
    for i, q in enumerate(r.typed(top.get("quotes", []), list, "quotes")):
        w = f"quotes[{i}]"
        r.table(q, w, {"id", "file", "text", "speaker"})
        quotes.append(Quote(r.typed(q["id"], str, f"{w}.id"), r.file(q["file"], f"{w}.file"),
                            r.typed(q["text"], str, f"{w}.text"), r.typed(q["speaker"], str, f"{w}.speaker")))
    credits = []
    for i, c in enumerate(r.typed(top["credits"], list, "credits")):
        w = f"credits[{i}]"
        keys = ("file", "title", "author", "source", "license")
        r.table(c, w, set(keys))
        credits.append(Credit(*(r.typed(c[k], str, f"{w}.{k}") for k in keys)))
    _check_credits(r, credits)
    return Pack(r.typed(top["name"], str, "name"), r.typed(top["license"], str, "license"), root,
                instruments, kit, patterns, tuple(loops), tuple(beds), tuple(quotes), tuple(credits))


def _check_drum_loop(r: _Reader, loop: DrumLoop, where: str, taken: set[str]) -> None:
    """A loop's id is a drum choice of its own; its file lasts its bars at its tempo (plus a tail it may ring on)."""
    if loop.id in taken:
        r.fail(f"'{where}.id' = {loop.id!r} is already a pattern or drum loop id", "give each drum choice its own id")
    if not (20.0 <= loop.tempo_bpm <= 300.0 and loop.bars >= 1):
        r.fail(f"'{where}' needs 20 <= tempo_bpm <= 300 and bars >= 1")
    length_s = loop.bars * 240.0 / loop.tempo_bpm
    got_s = r.seconds[loop.file]
    if not LOOP_FIT[0] <= got_s / length_s <= LOOP_FIT[1]:
        r.fail(f"'{where}': the file lasts {got_s:.2f} s, but {loop.bars} bars at {loop.tempo_bpm:g} BPM last "
               f"{length_s:.2f} s", f"set tempo_bpm and bars to what it plays (at {loop.tempo_bpm:g} BPM it holds "
                                    f"{got_s * loop.tempo_bpm / 240.0:.2f} bars)")


def _check_credits(r: _Reader, credits: list[Credit]) -> None:
    """Every file the pack uses needs a credit: an exact file or a folder prefix ending in '/'."""
    for path in sorted(r.used):
        rel = path.relative_to(r.root).as_posix()
        if not any(c.file == rel or (c.file.endswith("/") and rel.startswith(c.file)) for c in credits):
            r.fail(f"file {rel!r} has no credit", "add a [[credits]] entry (title, author, source, license)")


def role_for(pack: Pack, part: str) -> str | None:
    """The instrument role a Note.part plays on: its roles in PART_ROLES order, else keys, else any; None if none."""
    for role in (*PART_ROLES.get(part, ()), "keys", *pack.instruments):
        if role in pack.instruments:
            return role
    return None


def zone_files(pack: Pack) -> list[Path]:
    """Every audio file the pack names, for cache keys."""
    files = [z.file for i in pack.instruments.values() for z in i.zones] + list(pack.kit.values())
    files += [x.file for x in (*pack.drum_loops, *pack.ambience, *pack.quotes)]
    return sorted(set(files))


def needs_human(pack: Pack) -> list[str]:
    """What a person must still fill in: a drafted pack (TODO credits, quote text) loads but is not publishable."""
    todo = [c.file for c in pack.credits if any(TODO in v for v in (c.title, c.author, c.source, c.license))]
    notes = [f"{len(todo)} of {len(pack.credits)} credits need a human (a field says TODO; "
             f"first: {todo[0]}): fill them in pack.toml before you publish"] if todo else []
    notes += ["the pack's license says TODO"] if TODO in pack.license else []
    return notes + [f"quote '{q.id}' needs its {'text' if TODO in q.text else 'speaker'} (TODO in pack.toml)"
                    for q in pack.quotes if TODO in q.text or TODO in q.speaker]
