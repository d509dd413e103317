"""Station config checks: every impossible value in station.toml is a ConfigError naming its key and the file.

Kept apart from lofipress.station.config (the settings and their defaults) so each stays one job; `config.from_dict`
calls `validate` on every Station it builds. Nothing here imports config, so the two make no cycle.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..core.errors import ConfigError
from ..core.text import unprintable

if TYPE_CHECKING:
    from .settings import Station


def nearest(key: str, names) -> str | None:
    """The known name closest to a typo, for "did you mean"."""
    found = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
    return found[0] if found else None


def validate(s: "Station", path: Path) -> None:
    """Reject impossible values with the key that holds them."""

    def need(ok: bool, key: str, why: str, fix: str = ""):
        if not ok:
            raise ConfigError(f"'{key}' {why}", path, fix or f"change {key}, or delete it to take the default")

    m = s.station
    need(bool(m.name) and m.name.replace("-", "").replace("_", "").isalnum(), "station.name",
         "must be letters, digits, - or _")
    need(1 <= m.tracks <= 500, "station.tracks", "must be between 1 and 500")
    need(4 <= m.bars <= 128, "station.bars", "must be between 4 and 128")
    need(40 <= m.tempo_min_bpm <= 200, "station.tempo_min_bpm", "must be between 40 and 200")
    need(m.tempo_min_bpm <= m.tempo_max_bpm <= 200, "station.tempo_max_bpm",
         "must be at least tempo_min_bpm and at most 200")
    need(m.tempo_step_bpm > 0, "station.tempo_step_bpm", "must be above 0")
    sg = s.song
    if sg.form:
        from .form import check_form

        check_form(sg.form, path)
    for key in ("return_bias", "contrast_bias", "cadence_bias"):
        need(0.0 <= getattr(sg, key) <= 30.0, f"song.{key}", "must be between 0 (off) and 30")
    need(-30.0 <= sg.return_lead_bias <= 30.0, "song.return_lead_bias", "must be between -30 and 30")
    need(0 <= sg.drum_break_bars <= 4, "song.drum_break_bars", "must be between 0 and 4")
    need(sg.melody in ("model", "corpus"), "song.melody", 'must be "model" (the melody model) or "corpus"')
    sm = s.sampling
    need(0.05 <= sm.temperature <= 3.0, "sampling.temperature", "must be between 0.05 and 3")
    need(sm.top_k >= 0, "sampling.top_k", "must be 0 (off) or more")
    need(0.0 < sm.top_p <= 1.0, "sampling.top_p", "must be in (0, 1]")
    need(1.0 <= sm.repetition_penalty <= 5.0, "sampling.repetition_penalty", "must be between 1 and 5")
    need(0.0 <= sm.penalty_restore <= 1.0, "sampling.penalty_restore", "must be between 0 and 1")
    need(0.0 <= sm.scale_bias <= 10.0, "sampling.scale_bias", "must be between 0 (off) and 10")
    for key in ("lead_leap_bias", "lead_range_bias", "lead_chord_bias", "lead_own_rhythm_bias", "window_key_bias"):
        need(0.0 <= getattr(sm, key) <= 10.0, f"sampling.{key}", "must be between 0 (off) and 10")
    need(sm.loop_bars in (0, 1, 2, 4, 8, 16), "sampling.loop_bars", "must be 0 (off), 1, 2, 4, 8 or 16")
    need(0.0 <= sm.loop_bias <= 20.0, "sampling.loop_bias", "must be between 0 and 20")
    need(0 <= sm.max_redraws <= 100, "sampling.max_redraws", "must be between 0 and 100")
    a = s.arrange
    need(0.5 <= a.swing <= 0.75, "arrange.swing", "must be between 0.50 (straight) and 0.75")
    need(0 <= a.humanize_ms <= 50, "arrange.humanize_ms", "must be between 0 and 50")
    need(0 <= a.keys_low < a.keys_high <= 127, "arrange.keys_low", "must be below keys_high, in 0-127")
    need(0 <= a.bass_low < a.bass_high <= 127, "arrange.bass_low", "must be below bass_high, in 0-127")
    lp = s.loops
    need(lp.beats_per_bar == 4, "loops.beats_per_bar", f"is {lp.beats_per_bar}, but the loops are written in 4/4",
         "only 4/4 is supported: set beats_per_bar = 4 or delete it")
    need(lp.drums_bars >= 1 and lp.ambience_bars >= 1 and lp.track_bars >= 1, "loops.*_bars",
         "must be at least 1")
    need(lp.track_bars == m.bars, "loops.track_bars", f"must equal station.bars ({m.bars})")
    need(_is_bbs(lp.quote_at), "loops.quote_at",
         f"is {lp.quote_at!r}: it must be bars:beats:sixteenths with bars 0-{QUOTE_MAX_BARS}, beats 0-3 and "
         "sixteenths 0-3", 'like "4:0:0", the start of bar 5')
    ms = s.master
    need(ms.sample_rate in (22050, 32000, 44100, 48000), "master.sample_rate",
         "must be 22050, 32000, 44100 or 48000")
    need(-40 <= ms.track_lufs <= -5, "master.track_lufs", "must be between -40 and -5 LUFS")
    need(-12 <= ms.ceiling_dbtp <= 0, "master.ceiling_dbtp", "must be between -12 and 0 dBTP")
    need(0 <= ms.mp3_quality <= 9, "master.mp3_quality", "must be a LAME -V level 0-9")
    archs = ("small", "seed", "wavenet", "transformer")  # model.ALL_ARCHS (not imported: it would pull numpy in)
    need(s.model.arch in archs, "model.arch", f"is {s.model.arch!r}: it must be one of {', '.join(archs)}")
    need(16 <= s.model.width <= 1024 and s.model.width % max(s.model.heads, 1) == 0, "model.width",
         "must be 16-1024 and a multiple of model.heads")
    need(1 <= s.model.heads <= 16 and 1 <= s.model.blocks <= 12, "model.heads", "heads must be 1-16, blocks 1-12")
    need(0 < s.model.validation_split < 0.5, "model.validation_split", "must be in (0, 0.5)")
    presets = ("dusty", "tape", "muffled", "clean")
    near = nearest(s.fx.preset, presets)
    need(s.fx.preset in presets, "fx.preset", f"is {s.fx.preset!r}: no such preset",
         f"did you mean '{near}'?" if near else f"use {', '.join(presets)}")
    for key, name in (("model.name", s.model.name), ("pack.name", s.pack.name)):
        need(_is_folder_name(name), key, f"is {name!r}: it must name one folder",
             "use letters, digits, '-', '_' or '.', with no slash")
    for color in s.site.palette:
        need(color.startswith("#") and len(color) in (4, 7), "site.palette", "must hold #rgb or #rrggbb colors")
    need(len(s.site.palette) == 4, "site.palette", "must hold 4 colors: background, text, accent, accent2")
    for key in ("font", "heading_font"):  # the value lands in a style attribute: no ; { } < or \\
        need(not set(getattr(s.site, key)) & set(";{}<>\\"), f"site.{key}",
             "must be a CSS font list like 'Georgia, serif'")
    need(0.0 <= s.site.max_mb <= 100_000.0, "site.max_mb", "must be 0 (no budget) or a size in MB")
    need(s.site.background in ("calm", "rain", "fire", "wind", "water", "night"), "site.background",
         "must be calm, rain, fire, wind, water or night")
    # Texts and URLs that reach every page: bounded, no control characters, and links only http(s) or relative.
    for key, value, limit in (("station.title", m.title, 80), ("station.description", m.description, 300),
                              ("site.base_url", s.site.base_url, 200), ("site.home_url", s.site.home_url, 200)):
        need(len(value) <= limit, key, f"is {len(value)} characters long", f"shorten it to {limit} or fewer")
        bad = unprintable(value)
        need(bad is None, key, f"holds {bad}", "remove it (write plain text)")
    need(not s.site.base_url or _is_web_url(s.site.base_url), "site.base_url",
         f"is {s.site.base_url!r}: it must start with https:// or http://", "write the site's address, like "
         "https://you.github.io/station")
    need(not s.site.home_url or _is_web_url(s.site.home_url) or _is_relative_url(s.site.home_url), "site.home_url",
         f"is {s.site.home_url!r}: it must be an http(s) address or a relative path", "like ../index.html")


def check_base_url(url: str, where: str) -> None:
    """A site address given on the command line: an http(s) URL of at most 200 characters, or ConfigError."""
    if not url:
        return
    if len(url) > 200 or unprintable(url) or not _is_web_url(url):  # the rule [site] base_url meets too
        raise ConfigError(f"{where} is {url[:80]!r}: it must be an http(s) address of at most 200 characters",
                          None, "like https://you.github.io/station")


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not set(url) & set(" \"'<>`\\")


def _is_relative_url(url: str) -> bool:
    """A path within the site's host: no scheme (javascript:, data:...), no host, no quote or bracket."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("/") and not set(url) & set(" \"'<>`\\")


def _is_folder_name(name: str) -> bool:
    """One folder below models/ or samples/: no empty name, no separator, no way up."""
    return bool(name) and name not in (".", "..") and all(c.isalnum() or c in "-_." for c in name)


QUOTE_MAX_BARS = 256  # the quote plays once, on the transport's clock: bar 256 is 13 minutes in at 80 BPM


def _is_bbs(text: str) -> bool:
    """Tone.js bars:beats:sixteenths in 4/4, within QUOTE_MAX_BARS ("99:99:99" is no time a listener meets)."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        return False
    bar, beat, sixteenth = map(int, parts)
    return bar <= QUOTE_MAX_BARS and beat < 4 and sixteenth < 4
