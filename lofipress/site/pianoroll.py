"""The site's images, drawn with matplotlib's Agg canvas: piano rolls, the social card, a favicon.

Every PNG is byte-for-byte reproducible: no pyplot global state, bundled DejaVu
fonts, and `metadata={"Software": None}` so no version string lands in the file.
"""
from __future__ import annotations

from pathlib import Path

PART_COLORS = {"keys": 2, "melody": 3, "bass": 1}  # index into the palette (bg, fg, accent, accent2)
PNG_META = {"Software": None}  # keeps the matplotlib version out of the bytes


def _figure(width_in: float, height_in: float, dpi: int, bg: str):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor=bg)
    FigureCanvasAgg(fig)
    return fig


def _draw_notes(ax, notes: list, palette: tuple[str, ...], alpha: float = 0.9) -> None:
    """Draw [start_beats, dur_beats, pitch, velocity, part] notes as bars, one color per part.

    One PolyCollection per part: one bar patch per note made a 30-bar track take seconds to draw.
    """
    from matplotlib.collections import PolyCollection

    for part, color_index in PART_COLORS.items():
        verts = [[(s, p - 0.4), (s + d, p - 0.4), (s + d, p + 0.4), (s, p + 0.4)]
                 for s, d, p in ((float(n[0]), float(n[1]), int(n[2])) for n in notes if n[4] == part)]
        if verts:
            ax.add_collection(PolyCollection(verts, facecolors=palette[color_index % len(palette)], alpha=alpha,
                                             linewidths=0, label=part), autolim=False)


def render_pianoroll(notes: list, bars: int, palette: tuple[str, ...], path: Path, beats_per_bar: int = 4,
                     sections=(), novelty=None, novelty_min: float | None = None) -> Path:
    """Draw a track's notes as a piano roll PNG (pitch over beats, bar lines, one color per part, its sections).

    Args:
        notes: [[start_beats, dur_beats, pitch, velocity, part], ...].
        bars: loop length in bars (sets the x range).
        palette: (bg, fg, accent, accent2) colors.
        path: the PNG to write.
        sections: (name, first bar, bars) drawn as a labelled strip over the roll.
        novelty: the novelty curve read from the notes, one value per bar line (lofipress.music.form_content),
            drawn under the roll with `novelty_min`, the level a section change must reach to be heard.

    Returns:
        path.
    """
    bg, fg = palette[0], palette[1]
    fig = _figure(10, 3.6, 100, bg)
    curve = list(novelty or [])
    ax = fig.add_axes((0.07, 0.36, 0.9, 0.52) if curve else (0.07, 0.15, 0.9, 0.72), facecolor=bg)
    _draw_notes(ax, notes, palette)
    pitches = [int(n[2]) for n in notes] or [60]
    ax.set_xlim(0, bars * beats_per_bar)
    ax.set_ylim(min(pitches) - 2, max(pitches) + 2)
    step = max(1, bars // 10)
    ax.set_xticks([b * beats_per_bar for b in range(0, bars + 1, step)],
                  labels=[str(b + 1) for b in range(0, bars + 1, step)])
    for b in range(bars + 1):
        ax.axvline(b * beats_per_bar, color=fg, alpha=0.12, linewidth=0.6)
    top = max(pitches) + 2
    for i, (name, first, count) in enumerate(sections):  # the form strip, over the notes
        x0, width = first * beats_per_bar, count * beats_per_bar
        ax.axvspan(x0, x0 + width, color=fg, alpha=0.05 if i % 2 else 0.0, linewidth=0)
        ax.axvline(x0, color=fg, alpha=0.45, linewidth=1.0)
        ax.text(x0 + 0.4, top, name.replace("A2", "A\u2032"), color=fg, fontsize=9, va="top", ha="left",
                fontweight="bold")
    ax.set_ylabel("MIDI pitch", color=fg)
    axes = [ax]
    if curve:
        ax.tick_params(labelbottom=False)
        low = fig.add_axes((0.07, 0.12, 0.9, 0.18), facecolor=bg, sharex=ax)
        xs = [b * beats_per_bar for b in range(len(curve))]
        low.fill_between(xs, [max(v, 0.0) for v in curve], color=palette[2 % len(palette)], alpha=0.5, linewidth=0,
                         step="mid")
        if novelty_min is not None:
            low.axhline(novelty_min, color=fg, alpha=0.6, linewidth=0.8, linestyle="--")
        for _, first, _ in sections:
            low.axvline(first * beats_per_bar, color=fg, alpha=0.45, linewidth=1.0)
        low.set_ylim(0, max(max(curve), (novelty_min or 0) * 2, 0.1) * 1.1)
        low.set_yticks([])
        low.set_ylabel("new", color=fg, fontsize=8)
        axes.append(low)
    axes[-1].set_xlabel("bar", color=fg)
    for a in axes:
        a.tick_params(colors=fg, labelsize=8)
        for spine in a.spines.values():
            spine.set_color(fg)
            spine.set_alpha(0.3)
    if notes:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, labelcolor=fg, ncols=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata=PNG_META, facecolor=bg)
    return path


def render_social(title: str, description: str, notes: list, bars: int, palette: tuple[str, ...],
                  path: Path) -> Path:
    """Draw the 1200x630 social preview: the station title over a faint piano roll."""
    bg, fg, accent = palette[0], palette[1], palette[2]
    fig = _figure(12, 6.3, 100, bg)
    ax = fig.add_axes((0, 0, 1, 1), facecolor=bg)
    ax.set_axis_off()
    if notes:
        _draw_notes(ax, notes, palette, alpha=0.3)
        low, high = min(int(n[2]) for n in notes), max(int(n[2]) for n in notes)
        ax.set_xlim(0, max(bars * 4, 1))
        ax.set_ylim(low - 4, high + (high - low) * 1.8 + 8)  # notes fill the lower third, under no text
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.text(0.06, 0.62, title, color=fg, fontsize=54, fontweight="bold", va="bottom", wrap=True)
    fig.text(0.06, 0.55, description, color=fg, fontsize=24, alpha=0.85, va="top", wrap=True)
    _draw_record(fig, (0.88, 0.8), accent, bg)
    fig.savefig(path, format="png", metadata=PNG_META, facecolor=bg)
    return path


def _draw_record(fig, center: tuple[float, float], accent: str, bg: str, radius_px: float = 95) -> None:
    """Draw a vinyl record (black disc, accent label, spindle hole) centered at figure coordinates."""
    from matplotlib.patches import Ellipse

    width_px, height_px = fig.bbox.width, fig.bbox.height
    for scale, color in ((1.0, "#111111"), (0.38, accent), (0.08, bg)):
        r = radius_px * scale  # Ellipse in figure coordinates, sized in pixels so it stays round
        fig.patches.append(Ellipse(center, 2 * r / width_px, 2 * r / height_px, transform=fig.transFigure,
                                   facecolor=color))


def render_favicon_png(palette: tuple[str, ...], path: Path, size_px: int = 180) -> Path:
    """Draw the favicon (a record with an accent label) as a square PNG, also used as apple-touch-icon."""
    bg, accent = palette[0], palette[2]
    fig = _figure(size_px / 100, size_px / 100, 100, bg)
    _draw_record(fig, (0.5, 0.5), accent, bg, radius_px=size_px * 0.46)
    fig.savefig(path, format="png", metadata=PNG_META, facecolor=bg)
    return path
