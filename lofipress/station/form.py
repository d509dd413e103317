"""A station's song form, `[song] form`: its grammar ("intro:2 A:8 B:8 A2:8 outro:4" or a form's name).

The setting is checked when the station is read (lofipress.station.config_check) and planned into bars by the music
(lofipress.music.song.plan_sections), so the form lives below both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.errors import ConfigError

FORMS = {  # name: the sections in order with their bars for a 30-bar track (scaled for other lengths)
    "song": "intro:2 A:8 B:8 A2:8 outro:4",  # the default: a loop, a contrast, the loop back, a cadence
    "slow-build": "intro:4 A:8 B:8 A2:8 outro:2",  # sleepy moods: a longer, thinner way in
    "groove": "intro:2 A:12 B:4 A2:8 outro:4",  # bright moods: the loop rides longer, a short bridge
}


_ITEM = re.compile(r"^(intro|A|B|A2|outro):(\d+)$")


@dataclass(frozen=True)
class Form:
    """A parsed form: (name, bars) in order, as written for a 30-bar track."""

    items: tuple[tuple[str, int], ...]

    @classmethod
    def parse(cls, text: str) -> "Form":
        """ "intro:2 A:8 B:8 A2:8 outro:4" or a name of FORMS -> Form; ValueError naming the bad part."""
        text = FORMS.get(text.strip(), text)
        items = []
        for word in text.split():
            m = _ITEM.match(word)
            if not m:
                raise ValueError(f"{word!r} is not a section (write NAME:BARS with NAME one of intro, A, B, A2, "
                                 f"outro, or a form name: {', '.join(FORMS)})")
            items.append((m.group(1), int(m.group(2))))
        names = [n for n, _ in items]
        if "A" not in names:
            raise ValueError("a form needs an A section")
        if len(set(names)) != len(names):
            raise ValueError("each section may appear once")
        if any(b < 1 for _, b in items):
            raise ValueError("every section needs at least one bar")
        return cls(tuple(items))


def check_form(text: str, path) -> None:
    """Raise ConfigError when `[song] form` does not parse."""
    try:
        Form.parse(text)
    except ValueError as exc:
        raise ConfigError(f"'song.form': {exc}", path, f'write e.g. "{FORMS["song"]}"') from None
