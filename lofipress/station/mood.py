"""Mood: a few free words ("rainy sunday, a bit sad") -> mode, keys, tempo range and fx preset.

A small lexicon, no download: each known word nudges the station toward minor
or major, shifts the tempo range and votes for an effect preset. Votes are
summed (mode), averaged (tempo) and counted (preset), so "rainy, sad" leans
further than "rainy" alone but never leaves lo-fi's 60-100 BPM.

Precedence: what station.toml sets explicitly wins. `station.keys` overrides the
mood's mode, `tempo_min_bpm` or `tempo_max_bpm` (either) its tempo, `fx.preset`
its preset. The mood conditions generation through the keys it writes: every
allowed key has the mood's mode, so every sequence starts `<bos> mode:minor`
(or major), and compose redraws a piece that is heard in the other mode.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.keys import key_name, parse_key

if TYPE_CHECKING:
    from .settings import Station


@dataclass(frozen=True)
class Nudge:
    """What one word pushes toward; None or "" means the word has no opinion on that axis."""

    minor: float = 0.0  # > 0 toward minor keys, < 0 toward major; summed over the words
    tempo_bpm: float | None = None  # shift of the station's tempo range; averaged over the words that have one
    preset: str = ""  # fx preset the word votes for (dusty, tape, muffled, clean)


# Why each group leans where it does: minor, slower and darker filters read as rain and night;
# major, faster and a cleaner top read as sun and mornings; study/chill words hold the middle
# tempo with the default dusty chain; tape and vinyl words pick the chain without a mode.
LEXICON: dict[str, Nudge] = {
    # grey, wet and late: minor, slower, the low-passed "muffled" chain
    "rainy": Nudge(1, -4, "muffled"), "rain": Nudge(1, -4, "muffled"), "storm": Nudge(1.5, -2, "muffled"),
    "cloudy": Nudge(1, -2, "muffled"), "foggy": Nudge(1, -4, "muffled"), "grey": Nudge(1, -2, "muffled"),
    "gray": Nudge(1, -2, "muffled"), "night": Nudge(1, -4, "muffled"), "midnight": Nudge(1, -6, "muffled"),
    "winter": Nudge(1, -4, "muffled"), "snow": Nudge(0.5, -4, "muffled"), "cold": Nudge(1, -2, "muffled"),
    # sad and dark: the strongest pull to minor and the slowest tempos
    "sad": Nudge(2, -6, "muffled"), "lonely": Nudge(2, -6, "muffled"), "gloomy": Nudge(2, -4, "muffled"),
    "dark": Nudge(2, -2, "muffled"), "heartbreak": Nudge(2, -6, "muffled"), "melancholy": Nudge(2, -6, "dusty"),
    "melancholic": Nudge(2, -6, "dusty"), "blue": Nudge(1, -2, "dusty"), "moody": Nudge(1, 0, "dusty"),
    "autumn": Nudge(1, -2, "dusty"), "fall": Nudge(1, -2, "dusty"),
    # memory: a wobbling tape, a little minor
    "nostalgic": Nudge(1, -2, "tape"), "wistful": Nudge(1, -4, "tape"), "dreamy": Nudge(0, -4, "tape"),
    "sleepy": Nudge(0.5, -8, "muffled"), "tired": Nudge(0.5, -6, "muffled"),
    # bright: major, faster, a clean or warm-tape top end
    "sunny": Nudge(-2, 6, "clean"), "sun": Nudge(-2, 6, "clean"), "summer": Nudge(-2, 6, "clean"),
    "happy": Nudge(-2, 6, "clean"), "joyful": Nudge(-2, 6, "clean"), "bright": Nudge(-2, 4, "clean"),
    "hopeful": Nudge(-1.5, 4, "clean"), "spring": Nudge(-1, 4, "clean"), "upbeat": Nudge(-1, 8, "clean"),
    "energetic": Nudge(-1, 8, "clean"), "bouncy": Nudge(-1, 8, "tape"), "morning": Nudge(-1, 4, "tape"),
    "sunrise": Nudge(-1.5, 4, "tape"), "warm": Nudge(-1, 0, "tape"), "cozy": Nudge(-0.5, -2, "tape"),
    "coffee": Nudge(-1, 2, "tape"), "cafe": Nudge(-1, 2, "tape"),
    # to work to: the middle tempo and the default dusty chain, no mode
    "chill": Nudge(0, 0, "dusty"), "study": Nudge(0, 0, "dusty"), "focus": Nudge(0, 0, "dusty"),
    "relaxed": Nudge(0, -2, "dusty"), "relax": Nudge(0, -2, "dusty"), "calm": Nudge(0, -4, "dusty"),
    "mellow": Nudge(0, -2, "dusty"), "lazy": Nudge(0, -6, "dusty"), "jazzy": Nudge(0, 2, "dusty"),
    "city": Nudge(0, 4, "dusty"),
    # the chain itself
    "dusty": Nudge(preset="dusty"), "vinyl": Nudge(preset="dusty"), "crackle": Nudge(preset="dusty"),
    "tape": Nudge(preset="tape"), "cassette": Nudge(preset="tape"), "vintage": Nudge(preset="tape"),
    "retro": Nudge(preset="tape"), "muffled": Nudge(preset="muffled"), "underwater": Nudge(preset="muffled"),
    "clean": Nudge(preset="clean"), "crisp": Nudge(preset="clean"), "clear": Nudge(preset="clean"),
}
# Glue words: dropped silently, so "a bit sad" reports no unknown words.
STOPWORDS = frozenset("a an the and or but of in on at to for with by from is it its my our this that so very "
                      "really quite bit little slightly somewhat kind sort feel feeling vibe vibes mood like just "
                      "some".split())
NEGATIONS = frozenset({"not", "no", "never", "without"})  # "not sad": the next word is ignored, not reversed
TEMPO_LIMITS_BPM = (60.0, 100.0)  # lo-fi's outer range; a mood never pushes the tempo past it
# Song forms (lofipress.station.form.FORMS) by mood: slow moods take a longer, thinner intro; bright moods ride the loop.
FORM_WORDS = {"slow-build": {"sleepy", "tired", "dreamy", "lazy", "calm", "midnight", "sad", "lonely", "wistful"},
              "groove": {"upbeat", "energetic", "bouncy", "happy", "joyful", "sunny", "sun", "summer", "city"}}


@dataclass(frozen=True)
class Mood:
    """The mood words read, and what they chose ("" / None: no choice on that axis)."""

    used: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    mode: str = ""  # "major", "minor" or "" when the words do not lean
    tempo_shift_bpm: float | None = None  # mean of the words' shifts, rounded to a whole BPM
    preset: str = ""
    form: str = ""  # a FORMS name when the words lean to one


def _lookup(word: str) -> str | None:
    """The lexicon entry a word spells, allowing a plural ("nights")."""
    if word in LEXICON:
        return word
    if word.endswith("s") and word[:-1] in LEXICON:
        return word[:-1]
    return None


def parse(text: str) -> Mood:
    """Read mood words; unknown words are kept in `ignored`, glue words dropped."""
    used, ignored, negation = [], [], ""
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in NEGATIONS:
            negation = word
            continue
        entry = _lookup(word)
        if negation:
            ignored.append(f"{negation} {word}")
            negation = ""
        elif entry:
            used.append(entry)
        elif word not in STOPWORDS:
            ignored.append(word)
    nudges = [LEXICON[w] for w in used]
    lean = sum(n.minor for n in nudges)
    tempos = [n.tempo_bpm for n in nudges if n.tempo_bpm is not None]
    votes = [n.preset for n in nudges if n.preset]
    preset = max(votes, key=lambda p: (votes.count(p), -votes.index(p))) if votes else ""  # ties: first named
    forms = [f for w in used for f, words in FORM_WORDS.items() if w in words]
    form = max(forms, key=lambda f: (forms.count(f), -forms.index(f))) if forms else ""
    return Mood(tuple(used), tuple(ignored), "minor" if lean > 0 else "major" if lean < 0 else "",
                float(round(sum(tempos) / len(tempos))) if tempos else None, preset, form)  # whole BPM


def resolve(station: "Station", explicit: set[str]) -> "Station":
    """The station with the mood's choices written in, except where station.toml set the key itself.

    Args:
        station: the station as read, defaults filled in.
        explicit: "section.key" names present in station.toml; these win over the mood.
    Returns:
        The same station when the mood is empty or chooses nothing the file left open.
    """
    mood = parse(station.station.mood)
    meta, fx = station.station, station.fx
    if mood.mode and "station.keys" not in explicit:
        meta = dataclasses.replace(meta, keys=tuple(key_name(pc, mood.mode) for pc in range(12)))
    if mood.tempo_shift_bpm is not None and not explicit & {"station.tempo_min_bpm", "station.tempo_max_bpm"}:
        low, high = TEMPO_LIMITS_BPM
        shift = min(max(mood.tempo_shift_bpm, low - meta.tempo_min_bpm), high - meta.tempo_max_bpm)
        meta = dataclasses.replace(meta, tempo_min_bpm=meta.tempo_min_bpm + shift,
                                   tempo_max_bpm=meta.tempo_max_bpm + shift)
    if mood.preset and "fx.preset" not in explicit:
        fx = dataclasses.replace(fx, preset=mood.preset)
    song = station.song
    if not song.form and "song.form" not in explicit:
        song = dataclasses.replace(song, form=mood.form or "song")
    return dataclasses.replace(station, station=meta, fx=fx, song=song)


def describe(station: "Station") -> str:
    """One info line: the words used and ignored, and the mode, tempo and preset the station ends up with."""
    mood = parse(station.station.mood)
    meta = station.station
    modes = {parse_key(k)[1] for k in meta.keys}
    keys = f"{modes.pop()} keys" if len(modes) == 1 else f"{len(meta.keys)} keys" if meta.keys else "all keys"
    ignored = f"; ignored {', '.join(mood.ignored)}" if mood.ignored else ""
    return (f"mood: used {', '.join(mood.used) or 'no known word'}{ignored} -> {keys}, "
            f"{meta.tempo_min_bpm:g}-{meta.tempo_max_bpm:g} BPM, fx {station.fx.preset}, form {station.song.form}")


def lexicon_table() -> str:
    """The lexicon as a Markdown table, for docs/mood.md (a test keeps the two equal)."""
    rows = ["| word | mode | tempo | fx preset |", "| --- | --- | --- | --- |"]
    for word, n in sorted(LEXICON.items()):
        mode = f"minor +{n.minor:g}" if n.minor > 0 else f"major +{-n.minor:g}" if n.minor < 0 else ""
        tempo = "" if n.tempo_bpm is None else f"{n.tempo_bpm:+g} BPM" if n.tempo_bpm else "middle"
        rows.append(f"| {word} | {mode} | {tempo} | {n.preset} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(lexicon_table(), end="")
