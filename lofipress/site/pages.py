"""What the about page and the track pages say, as plain data the templates print.

site.py renders; this module decides what a listener reads: the model's story
in plain words, the evaluation as a few figures and compact tables, each track's
facts and measures next to their targets. Every text that comes from a model
card, a config or a generator is clipped here (escaping is Jinja's), so a long
title or a deep card cannot stretch a table or flood a page.
"""
from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import NamedTuple

from .manifest import tempo
from .compare_table import about_table

TITLE_CHARS = 80  # track titles are generated or configured; longer ones are clipped with "…"
TEXT_CHARS = 120  # any other card or failure text (a path, a date, a setting)
COMPARISONS_SHOWN = 4  # `models compare` tables on the about page (one a corpus)
LIST_ITEMS = 5  # a list in the card (skipped files...) shows this many, then "and N more"
FAILURES_SHOWN = 3  # a song that misses targets names the first few on the about page
MAX_TICKS = 256  # bar ticks drawn per section of the form strip; a longer section is drawn this wide


class Measure(NamedTuple):
    """One gate measure as the pages show it."""
    key: str  # the metric in a scored song (lofipress.music.compose.score)
    short: str  # column header in the about page's tables
    name: str  # what it measures, in words (legend, abbr title, track page)
    target: str  # its target in evaluate.targets(): under this name as [low, high], or name_min / name_max
    decimals: int
    in_table: bool = True  # False: on the track page only, so the about page's tables fit half a desktop


# Family by family, as the README's quality gate lists them.
FAMILIES = (
    ("Tonality", "heard on the keys and the melody, 4 bars at a time", (
        Measure("key_consistency", "Key", "4-bar windows heard in the song's key", "key_consistency", 2),
        Measure("in_key", "In key", "notes of the keys and the melody in the key", "in_key", 2),
        Measure("pc_entropy_bits", "Entropy", "pitch-class entropy, in bits", "entropy", 2),
    )),
    ("Form", "the sections against each other", (
        Measure("sections", "Sections", "sections", "form_sections", 0, in_table=False),
        Measure("distinct_windows", "Progs", "distinct 4-bar chord progressions", "form_distinct_windows", 0),
        Measure("a2_similarity", "A′~A", "how much A′ is like A (back, but varied)", "form_a2_similarity", 2),
        Measure("b_similarity", "B~A", "how much B is like A (it should contrast)", "form_b_similarity", 2),
        Measure("exact_repeat_share", "Repeats", "share of bars repeated note for note", "form_exact_repeat_share",
                2),
    )),
    ("Heard", "read from the notes alone, not from the section labels", (
        Measure("boundaries_found", "Heard", "planned section changes heard in the notes (novelty curve)", "", 0),
        Measure("progressions_by_content", "Progs", "progressions told apart by their pitch classes",
                "content_progressions", 0),
        Measure("melody_on_keys_share", "On keys", "share of melody notes struck with the keys",
                "content_melody_on_keys", 2),
        Measure("bass_same_pitch_bars", "1 pitch", "longest bass span on one pitch, in bars",
                "content_bass_same_pitch_bars", 1),
    )),
    ("Melody", "the top line, over the body sections", (
        Measure("has_melody", "Melody", "a melody in every body section", "", 0, in_table=False),
        Measure("notes_per_bar", "Notes", "melody notes a bar", "melody_notes_per_bar", 1),
        Measure("step_share", "Steps", "share of moves of 2 semitones or less", "melody_step_share", 2),
        Measure("chord_tone_strong", "Chord", "chord tones on beats 1 and 3", "melody_chord_tone_strong", 2),
        Measure("melody_in_key", "Mel key", "melody notes in the key", "melody_in_key", 2, in_table=False),
        Measure("range_semitones", "Range", "range, in semitones", "melody_range_semitones", 0),
        Measure("longest_repeat_bars", "Repeat", "longest span repeated note for note, in bars",
                "melody_longest_repeat_bars", 0, in_table=False),
    )),
    ("Bass and copying", "the bass line, and what is shared with the corpus", (
        Measure("bass_hold_bars", "Hold", "longest bass note, in bars", "bass_hold_bars", 1),
        Measure("bass_onsets_per_bar", "Bass", "bass notes a bar", "bass_onsets_per_bar", 1),
        Measure("keys_copied_run", "Keys cp", "longest run of chord events found in the corpus", "keys_copied_run", 0),
        Measure("lead_copied_run", "Mel cp", "longest run of melody notes found in the corpus", "lead_copied_run", 0),
        Measure("keys_shared_8gram", "Keys 8g", "share of chord 8-grams found in the corpus", "keys_shared_8gram", 2,
                in_table=False),
        Measure("lead_shared_8gram", "Mel 8g", "share of melody 8-grams found in the corpus", "lead_shared_8gram", 2,
                in_table=False),
    )),
)
OTHER_NAMES = {  # the scored song's other counts, in words; a key not named here shows as it is spelled
    "ends_on_tonic": "the outro ends on the tonic chord", "melody_notes": "melody notes", "notes": "notes, all parts",
    "polyphony": "notes sounding together, on average", "n_windows": "4-bar windows",
    "span_semitones": "span of all parts, in semitones", "distinct_pitches": "distinct pitches",
}
PART_NAMES = ("keys", "melody", "bass")  # the parts a track's notes carry, in the piano roll's legend order


def clip(text, limit: int = TEXT_CHARS) -> str:
    """A text no longer than limit characters, cut with "…" when it was longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def value_text(value, decimals: int | None = None) -> str:
    """A number or card value as a page prints it: fixed decimals when asked, yes/no, lists bounded."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if decimals is not None:
            return f"{value:.{decimals}f}"
        if isinstance(value, float):
            return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.4g}"
        return str(value)
    if isinstance(value, (list, tuple)):
        # a pair inside a list reads as the corpus report prints it: "file.mid: why it was skipped"
        shown = [": ".join(map(value_text, v)) if isinstance(v, (list, tuple)) else value_text(v)
                 for v in value[:LIST_ITEMS]]
        more = f" and {len(value) - LIST_ITEMS} more" if len(value) > LIST_ITEMS else ""
        glue = "; " if any(isinstance(v, (list, tuple)) for v in value) else ", "
        return clip(glue.join(shown), TEXT_CHARS - len(more)) + more if shown else "none"
    if isinstance(value, dict):
        return clip(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))
    return clip(value)


def percent(share) -> str:
    """0.83 -> "83%"."""
    return "–" if share is None else f"{share:.0%}"


def form_strip(sections) -> list[dict]:
    """A track's sections for the form strip: name as heard (A2 is A-prime), first bar (1-based), bars."""
    return [{"name": "A\u2032" if name == "A2" else clip(name, 12), "kind": clip(name, 12).lower(), "bar": int(first) + 1,
             "bars": int(n), "ticks": max(1, min(int(n), MAX_TICKS)),
             "short": SHORT_NAMES.get(name, "A\u2032" if name == "A2" else clip(name, 3))} for name, first, n in sections]


SHORT_NAMES = {"intro": "in", "outro": "out"}  # on a phone a 2-bar intro is 24 px wide: room for two letters


def track_rows(press_tracks: list[dict]) -> list[dict]:
    """Every AI track with the site paths and figures its pages and the player's list print."""
    rows = []
    for t in press_tracks:
        seconds = t["samples"] / t["sample_rate"]
        rows.append({**t, "bpm": tempo(t["bpm"]), "mp3": f"audio/tracks/{t['id']}.mp3", "midi": f"midi/{t['id']}.mid",
                     "page": f"tracks/{t['id']}.html", "roll": f"img/tracks/{t['id']}.png",
                     "n_notes": len(t["notes"]), "form": form_strip(t.get("sections", [])),
                     "seconds": round(seconds, 3), "duration": "{}:{:02d}".format(*divmod(round(seconds), 60))})
    return rows


def target_bounds(targets: dict, name: str) -> tuple:
    """(low, high) of a target: a [low, high] pair under its name, or name_min / name_max; None where open."""
    pair = targets.get(name)
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return pair[0], pair[1]
    return targets.get(f"{name}_min"), targets.get(f"{name}_max")


def target_text(low, high, decimals: int) -> str:
    """A target as a reader takes it: "≥ 0.75", "≤ 2.0", "0.35–0.95"; "" when there is none."""
    low = None if low == 0 else low  # a count or length cannot go below 0: "≤ 6", not "0–6"
    high = None if high == 1.0 and decimals else high  # nor a share above 1: "≥ 0.80", not "0.80–1.00"
    if low is not None and high is not None:
        return f"{value_text(low, decimals)}–{value_text(high, decimals)}"
    if low is not None:
        return f"≥ {value_text(low, decimals)}"
    return f"≤ {value_text(high, decimals)}" if high is not None else ""


def _measure(spec: Measure, value, targets: dict) -> dict:
    """A measure's value and target as text, and whether the value misses the target."""
    low, high = target_bounds(targets, spec.target) if spec.target else (None, None)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    miss = number and ((low is not None and value < low) or (high is not None and value > high))
    text = value_text(value, spec.decimals) if number else value_text(value if isinstance(value, bool) else None)
    target = target_text(low, high, spec.decimals) if spec.target else "yes" if isinstance(value, bool) else ""
    return {"key": spec.key, "short": spec.short, "name": spec.name, "text": text, "target": target,
            "miss": bool(miss or value is False)}


def track_measures(metrics: dict, targets: dict) -> list[dict]:
    """A track's metrics by family, each next to its target; the rest as "Other counts"."""
    families, known = [], set()
    for family, note, specs in FAMILIES:
        rows = [_measure(m, metrics[m.key], targets) for m in specs if m.key in metrics]
        known.update(m.key for m in specs)
        if rows:
            families.append({"name": family, "note": note, "rows": rows})
    rest = [{"key": k, "short": k, "name": OTHER_NAMES.get(k) or clip(k.replace("_", " "), 40), "text": value_text(v),
             "target": "", "miss": False} for k, v in sorted(metrics.items()) if k not in known]
    if rest:
        families.append({"name": "Other counts", "note": "", "rows": rest})
    return families


def words_list(words: list[str]) -> str:
    """["keys", "melody", "bass"] -> "keys, melody and bass"."""
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def part_counts(notes: list) -> list[dict]:
    """Notes per part ([start, dur, pitch, velocity, part] rows), in the roll's legend order."""
    return [{"part": part, "notes": sum(1 for n in notes if n[4] == part)} for part in PART_NAMES
            if any(n[4] == part for n in notes)]


def track_context(tracks: list[dict], index: int, about: dict) -> dict:
    """What tracks/<id>.html prints for tracks[index]: the track clipped, its measures, neighbours."""
    t = tracks[index]
    targets = ((about or {}).get("eval") or {}).get("targets") or {}
    parts = part_counts(t["notes"])

    def brief(other):
        return {"id": other["id"], "title": clip(other["title"], TITLE_CHARS)} if other else None

    return {"track": {**t, "title": clip(t["title"], TITLE_CHARS), "key": clip(t["key"], 24)},
            "measures": track_measures(t.get("metrics") or {}, targets), "parts": parts,
            "parts_text": words_list([p["part"] for p in parts]),
            "melody_model": bool((about or {}).get("melody")),
            "prev": brief(tracks[index - 1] if index else None),
            "next": brief(tracks[index + 1] if index + 1 < len(tracks) else None)}


def _story(card: dict, model: dict | None) -> dict:
    """The model and its training, from the card's settings and metrics and the build's description of the model
    (lofipress.music.model_card: its weights and layers, as text); absent facts stay out."""
    settings, metrics = card.get("settings") or {}, card.get("metrics") or {}
    arch = settings.get("arch")
    model = model if isinstance(model, dict) and model.get("parameters") else None  # made by the build, not read
    family = arch if arch in ("wavenet", "transformer") else "lstm"
    corpus = card.get("corpus") or {}
    learned = None
    if _count(corpus.get("kept")) is not None:
        skipped = corpus.get("skipped") or []
        learned = {"pieces": corpus["kept"], "with_lead": _count(corpus.get("with_lead")),
                   "skipped": len(skipped) if isinstance(skipped, list) else _count(skipped) or 0,
                   "skyline": bool(corpus.get("lead_from_skyline")),
                   "folder": clip(PurePath(str(corpus.get("dir") or "corpus")).name, 40)}
    perplexity = metrics.get("val_perplexity")
    if perplexity is None and isinstance(metrics.get("val_loss"), (int, float)):
        perplexity = math.exp(metrics["val_loss"])  # the card's loss is in nats
    training = {"epochs": _count(card.get("epochs")), "best_epoch": _count(card.get("best_epoch")),
                "val_loss": value_text(metrics.get("val_loss"), 2) if "val_loss" in metrics else "",
                "perplexity": value_text(perplexity, 2) if perplexity is not None else "",
                "perplexity_round": round(perplexity) if perplexity is not None else None,
                "accuracy": percent(metrics["val_accuracy"]) if "val_accuracy" in metrics else ""}
    return {"model": model, "family": family, "corpus": learned, "training": training}


def _count(value) -> int | None:
    """A whole number from the card, or None: a card edited by hand cannot put text where a count goes."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _figures(ev: dict) -> list[dict]:
    """The evaluation's headline figures, each a value and what it means."""
    n = ev.get("pieces") or len(ev.get("rows") or [])
    out = []
    if "first_draw_pass_rate" in ev:
        out.append({"value": percent(ev["first_draw_pass_rate"]),
                    "label": f"of {n} songs met every target on the first draw"})
    if "kept_pass_rate" in ev:
        out.append({"value": percent(ev["kept_pass_rate"]), "label": "of the published songs meet every target"})
    if "tracks_with_form" in ev:
        out.append({"value": percent(ev["tracks_with_form"]),
                    "label": "have a form: 3 sections or more, 2 distinct progressions or more"})  # evaluate._has_form
    if ev.get("form_by_content") is not None:
        out.append({"value": percent(ev["form_by_content"]),
                    "label": "of the planned section changes are heard in the notes, not only in the labels"})
    if "tracks_with_melody" in ev:
        out.append({"value": percent(ev["tracks_with_melody"]), "label": "have a melody in every section"})
    hold, most = ev.get("max_bass_hold_bars"), (ev.get("targets") or {}).get("bass_hold_bars_max")
    if hold is not None:
        target = f" (target: {value_text(float(most))} bars at most)" if most is not None else ""
        out.append({"value": bars_text(hold), "label": f"longest bass note in any song{target}"})
    return out


def bars_text(bars) -> str:
    """1.0 -> "1 bar", 2.5 -> "2.5 bars"."""
    text = value_text(float(bars))
    return f"{text} bar{'' if text == '1' else 's'}"


def _family_tables(rows: list[dict], medians: dict, targets: dict) -> list[dict]:
    """One compact table per family: a row per song, then the median and the target."""
    tables = []
    for family, note, specs in FAMILIES:
        specs = [m for m in specs if m.in_table and any(r.get(m.key) is not None for r in rows)]
        if not specs:
            continue
        body = [{"id": r["id"], "title": r["title"], "page": r["page"],
                 "cells": [_measure(m, r.get(m.key), targets) for m in specs]} for r in rows]
        tables.append({"name": family, "note": note, "columns": [_measure(m, None, targets) for m in specs],
                       "rows": body, "medians": [value_text(medians.get(m.key), m.decimals) for m in specs]})
    return tables


def _card_pairs(data: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The card flat: ("settings · units", "320"); a folder shows its name only, never the build's path."""
    pairs = []
    for key, value in sorted(data.items()):
        name = f"{prefix}{key}".replace("_", " ")
        if isinstance(value, dict):
            pairs += _card_pairs(value, f"{name} · ")
        elif key == "dir" and isinstance(value, str):
            pairs.append((name, clip(PurePath(value).name, 40)))
        else:
            pairs.append((name, value_text(value)))
    return pairs


def about_context(about: dict, tracks: list[dict], has_loss: bool, pack_name: str = "") -> dict:
    """What about.html prints: the story, the figures, the loss curve, per-song tables, the card.

    Args:
        about: the press's about ({"eval": evaluate.summarize_rows(...), "loss_png", "card"}).
        tracks: track_rows(...) of the same press, to link each song to its page.
        has_loss: the loss plot was copied to img/loss.png.
        pack_name: the sample pack, named where the page points to the credits.
    """
    about = about or {}
    card, ev = about.get("card") or {}, about.get("eval") or {}
    page_of = {t["id"]: t["page"] for t in tracks}
    rows = [{**r, "title": clip(r.get("title", r.get("id", "")), TITLE_CHARS), "page": page_of.get(r.get("id"), ""),
             "key": clip(r.get("key", ""), 24)} for r in ev.get("rows") or []]
    songs = [{"title": r["title"], "page": r["page"], "key": r["key"], "bpm": value_text(r.get("tempo_bpm")),
              "draws": value_text(r.get("draws")), "passed": r.get("passed", not r.get("failures")),
              "n_failures": len(r.get("failures") or []),
              "failures": [clip(f) for f in (r.get("failures") or [])[:FAILURES_SHOWN]]} for r in rows]
    story = _story(card, about.get("model"))
    training = story["training"]
    loss_alt = "Training and validation loss of the model by epoch."
    if training["val_loss"] and training["best_epoch"] and training["epochs"]:
        loss_alt = (f"Training and validation loss by epoch: the validation loss is lowest, {training['val_loss']}, "
                    f"at epoch {training['best_epoch']} of {training['epochs']}.")
    return {**story, "figures": _figures(ev), "songs": songs, "pack_name": clip(pack_name, 40),
            "tables": _family_tables(rows, ev.get("medians") or {}, ev.get("targets") or {}),
            "loss_png": "img/loss.png" if has_loss else "", "loss_alt": loss_alt, "card": _card_pairs(card),
            "comparisons": [about_table(c) for c in (about.get("compare") or [])[:COMPARISONS_SHOWN]],
            "melody": about.get("melody"),
            "roll": {"src": tracks[0]["roll"], "title": clip(tracks[0]["title"], TITLE_CHARS)} if tracks else None}
