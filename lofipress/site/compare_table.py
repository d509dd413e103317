"""A models comparison (the compare.json `lofipress models compare` writes) as its tables show it: the rows and
their formats, and the about page's table, made from the file's plain data alone.

The site reads a comparison here rather than from lofipress.bench.compare, which trains and benchmarks.
"""
from __future__ import annotations

# The rows of the table: (key, label, format); medians come from lofipress.music.evaluate's columns.
HEAD_ROWS = (("val_nll", "held-out NLL (nats/token)", "{:.3f}"), ("val_perplexity", "held-out perplexity", "{:.2f}"),
             ("parameters", "parameters", "{:,}"), ("epochs", "epochs in the budget", "{}"),
             ("train_s", "training time (s)", "{:.0f}"), ("tokens_per_s", "generation (tokens/s, 24 songs)", "{:,.0f}"),
             ("first_draw_pass_rate", "first-draw pass rate", "{:.0%}"), ("tracks_with_form", "songs with form", "{:.0%}"),
             ("tracks_with_melody", "songs with a melody", "{:.0%}"), ("max_bass_hold_bars", "longest bass note (bars)", "{:g}"))


ABOUT_ROWS = ("val_perplexity", "parameters", "train_s", "tokens_per_s", "first_draw_pass_rate", "tracks_with_form",
              "tracks_with_melody")


ABOUT_MEDIANS = (("key_consistency", "key consistency (median)", "{:.2f}"),
                 ("distinct_windows", "distinct progressions (median)", "{:.1f}"),
                 ("step_share", "melody steps (median)", "{:.2f}"),
                 ("chord_tone_strong", "chord tones on beats 1 and 3 (median)", "{:.2f}"))


def about_table(data: dict) -> dict:
    """A compare.json as the about page shows it: a caption, one column an arch, rows of figures as text.

    The file is the station owner's: every value is formatted from a number or shown as "-", every name clipped."""
    def num(value, fmt):
        return fmt.format(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else "-"

    archs = [a for a in (data.get("archs") or {}).values() if isinstance(a, dict)][:4]
    labels = {k: label for k, label, _ in HEAD_ROWS}
    formats = {k: fmt for k, _, fmt in HEAD_ROWS}
    rows = [[labels[k], *(num(a.get(k), formats[k]) for a in archs)] for k in ABOUT_ROWS]
    medians = [a.get("medians") if isinstance(a.get("medians"), dict) else {} for a in archs]
    rows += [[label, *(num(m.get(k), fmt) for m in medians)] for k, label, fmt in ABOUT_MEDIANS]
    budget = data.get("budget_s")
    return {"corpus": str(data.get("corpus", ""))[:40], "songs": num(data.get("songs"), "{}"),
            "budget_min": num(budget / 60 if isinstance(budget, (int, float)) else None, "{:.0f}"),
            "columns": [str(a.get("name", ""))[:20] for a in archs], "rows": rows}
