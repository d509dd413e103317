"""Write constraints.txt: the tested set, one `name==version` per package of this install (`make constraints`).

`pip list --format=freeze`, not `pip freeze`: freeze writes `name @ file:///...whl` for a package installed
from a wheel on disk, a line no other machine can install. Every line is checked before the file is replaced.
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["# The tested set: every package of a `make setup` install, lofipress's own ranges resolved (pyproject.toml).",
          "# make installs with -c constraints.txt; regenerate with `make constraints` after changing a range."]
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
LEFT_OUT = {"lofipress", "pip"}  # the project itself (editable), and the installer


def pins(python: str = sys.executable) -> list[str]:
    """This install's packages as `name==version`, sorted by name, without lofipress and pip."""
    listed = subprocess.run([python, "-m", "pip", "list", "--format=freeze", "--exclude-editable",
                             "--disable-pip-version-check"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in listed.splitlines() if line.strip()]
    kept = [line for line in lines if line.split("==")[0].lower() not in LEFT_OUT]
    bad = [line for line in kept if not PIN.match(line)]
    if bad:
        raise SystemExit(f"pin_constraints: not a registry pin: {bad[0]!r}; reinstall that package from the index")
    return sorted(kept, key=lambda line: line.split("==")[0].lower())


def main() -> int:
    target = ROOT / "constraints.txt"
    tmp = target.with_suffix(".txt.new")
    pinned = pins()  # one `pip list`: it takes seconds
    tmp.write_text("\n".join(HEADER + pinned) + "\n", encoding="utf-8")
    tmp.replace(target)
    print(f"wrote {target.name}: {len(pinned)} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
