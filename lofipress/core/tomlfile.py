"""The one way lofipress writes TOML (station.toml, pack.toml): tomli-w for every key and value.

Hand-made TOML drifted: two writers disagreed, and a key with a space, a None or a DEL character
gave a file `tomllib` could not read. tomli-w quotes and escapes what TOML needs; what it cannot
say (None: TOML has no null) is left out here, because a missing key means "the default" to every
reader of ours. Comments are ours to add: tomli-w writes data only.
"""
from __future__ import annotations

import tomllib

import tomli_w


def without_none(value):
    """`value` with every None dropped (from tables and arrays alike), tuples as lists."""
    if isinstance(value, dict):
        return {str(k): without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [without_none(v) for v in value if v is not None]
    return value


def dumps(data: dict, comments: list[str] = ()) -> str:
    """A whole TOML document: `comments` (each starting with "#") above the data, checked by reading it back.

    Raises:
        ValueError: the data holds something TOML cannot say (a set, an object) or does not read back the same.
    """
    clean = without_none(data)
    try:
        body = tomli_w.dumps(clean, multiline_strings=False)
    except TypeError as exc:
        raise ValueError(f"cannot write as TOML: {exc}") from None
    if tomllib.loads(body) != clean:  # floats like nan compare unequal to themselves: refuse them too
        raise ValueError("the TOML written does not read back as the data it was made from")
    head = "".join(c.rstrip("\n") + "\n" for c in comments)
    return head + ("\n" if head and body else "") + body


def assignment(key: str, value) -> str:
    """One `key = value` line, as tomli-w writes it but on one line (so it can stand behind a "# ").

    tomli-w puts each array item on a line of its own; it never breaks a line inside a string
    (multiline_strings=False), so every line break it writes lies between items and can be closed up.

    Raises:
        ValueError: None (TOML has no null), a table (it is not one line), or a value TOML cannot say.
    """
    if value is None or isinstance(value, dict):
        raise ValueError(f"{key}: {value!r} is not a one-line TOML value")
    data = {key: without_none(value)}
    try:
        pieces = [line.strip() for line in tomli_w.dumps(data).strip().splitlines()]
    except TypeError as exc:
        raise ValueError(f"{key}: cannot write as TOML: {exc}") from None
    line = pieces[0]
    for piece in pieces[1:]:
        if piece.startswith(("]", "}")) and line.endswith(","):
            line = line[:-1] + piece  # tomli-w's trailing comma, before the closing bracket
        else:
            line += piece if line.endswith(("[", "{")) else " " + piece
    if tomllib.loads(line) != data:
        raise ValueError(f"{key}: the TOML written does not read back as the value")
    return line


def key(name: str) -> str:
    """A key as it is written in a table header or a line: bare where TOML allows it, quoted otherwise."""
    return assignment(name, 0).rsplit("=", 1)[0].strip()
