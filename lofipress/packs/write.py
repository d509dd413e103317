"""Writing a drafted pack: pack.toml text, kit patterns, license, and the files copied or converted into it.

Also `fresh_pack`, which builds a pack in a temporary sibling folder, checks it
loads, and moves it into place; `soundfont` and scripts/make_pack.py use these
too. What each file is was decided before, in `pack_gather`.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from . import foreign_audio
from ..core import tomlfile
from .balance import balancing_gains, pack_of_zones
from ..core.errors import PackError
from .foreign_audio import FOREIGN_SUFFIXES
from .gather import CONVERT_SUFFIXES, Item, midi_to_name
from . import TODO, VARISPEED_MAX, load_pack
from .samples import load_audio, stretch_loop

LICENSES = [(re.compile(p, re.I), spdx) for p, spdx in (
    (r"\bcc0\b|creative commons zero|public domain dedication", "CC0-1.0"),
    (r"cc[- ]by[- ]sa[- ]?4|attribution-sharealike 4", "CC-BY-SA-4.0"),
    (r"cc[- ]by[- ]4|attribution 4\.0", "CC-BY-4.0"), (r"cc[- ]by[- ]3|attribution 3\.0", "CC-BY-3.0"),
    (r"\bmit license\b|licensed under the mit\b", "MIT"), (r"\bapache license", "Apache-2.0"))]


def pack_toml(comments: list[str], name: str, license: str, credits: list[dict], quotes: list[dict] = (),
              ambience: list[dict] = (), drum_loops: list[dict] = (), instruments: dict | None = None,
              kit: dict | None = None, patterns: dict | None = None, gains: dict | None = None) -> str:
    """pack.toml text in the layout of samples/default (what packs.load_pack reads), written by tomli-w."""
    data: dict = {"name": name, "license": license, "credits": list(credits)}
    for table, rows in (("quotes", quotes), ("ambience", ambience), ("drum_loops", drum_loops)):
        if rows:
            data[table] = list(rows)
    if instruments:
        data["instruments"] = {role: {**({"gain_db": gains[role]} if (gains or {}).get(role) else {}),
                                      "zones": list(zones)} for role, zones in instruments.items()}
        if gains and any(gains.values()):
            comments = [*comments, "# gain_db under [instruments.ROLE] sets the role's level (lofipress.packs.balance)."]
    if kit:
        data["kit"] = dict(kit)
    if patterns:
        data["patterns"] = {pid: {"title": title, "bars": 1, "swing": swing, "snare_late_ms": late_ms,
                                  "grid": dict(grid)} for pid, (title, swing, late_ms, grid) in patterns.items()}
    return tomlfile.dumps(data, comments)


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


# Words of a sample's file name that say how it was made, not what it is: tempo, key, format, take tags.
_NAME_NOISE = re.compile(r"^(\d+\s*bpm|bpm\s*\d+|\d{2,3}bpm|loop|loops|sample|stereo|mono|wav|mp3|ogg|flac|aiff?|"
                         r"\d+k|\d+bit|\d+khz|[a-g][#b]?(m|min|maj|minor|major)|final|master|edit)$", re.I)


def friendly_title(stem: str) -> str:
    """A listener's title from a file name: "rain_loop_80bpm_03" -> "Rain 03"; noise words go, the rest stays."""
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w]
    kept = [w for w in words if not _NAME_NOISE.match(w)] or words
    title = " ".join(kept).strip()
    return title[:1].upper() + title[1:]


def natural_key(text: str) -> list:
    """Sort key that puts "Rain 2" before "Rain 10" (numbers compared as numbers)."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", text) if t]


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
    """Copy the bytes; AIFF and AAC are decoded and written as FLAC (a pack holds WAV, FLAC, OGG or MP3 only)."""
    if item.path.suffix.lower() in CONVERT_SUFFIXES:
        import soundfile as sf

        if item.path.suffix.lower() in FOREIGN_SUFFIXES:
            data, sr = foreign_audio.read(item.path)
        else:
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
        title = friendly_title(item.path.stem)
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
    for listed in (loops, beds, quotes):  # the player's drop-downs list them in this order
        listed.sort(key=lambda x: natural_key(x.get("title") or x["id"]))
    comments = [f"# Drafted by `lofipress pack import` from {src.name}/: check every TODO before publishing."]
    comments += [f"# needs a human: {i.rel}: {i.human}" for i in items if i.human]
    gains = balancing_gains(pack_of_zones(out, instruments)) if instruments else {}
    comments += [f"# balance: {role} gain_db {g:+.1f} (its reference note against the others)"
                 for role, g in gains.items() if g]
    (out / "pack.toml").write_text(pack_toml(comments, name, license, credits, quotes, beds, loops,
                                             instruments, kit, kit_patterns(kit), gains), encoding="utf-8")


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
