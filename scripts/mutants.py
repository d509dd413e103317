"""Plant real defects one at a time and run the tests that should catch each (`make mutants`).

A test suite is only as good as the defects it catches. Each mutant below is a one-line change a careless edit
could make; the script applies it to the working tree, runs the named tests, puts the file back (always, even on
Ctrl-C) and reports caught (a test failed) or MISSED. The README's "Checks that can fail" section keeps the list
and the last result. Run it on a clean tree: it refuses a file with uncommitted changes.

    .venv/bin/python scripts/mutants.py [ID ...] [--json]
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

# (id, what the defect is, file, text to replace, replacement, tests that should catch it)
MUTANTS = [
    ("lowpass-bypassed", "the lo-fi chain's low-pass passes everything",
     "lofipress/sound/fx.py", "    if cutoff_hz <= 0 or cutoff_hz >= sample_rate / 2 * 0.98:\n        return audio",
     "    if True:\n        return audio", ["tests/sound/test_fx.py"]),
    ("hiss-10db-louder", "the noise bed 10 dB over its preset",
     "lofipress/sound/fx.py", "music_rms * 10 ** (hiss_db / 20)", "music_rms * 10 ** ((hiss_db + 10) / 20)",
     ["tests/sound/test_fx.py"]),
    ("gate-passes-everything", "the quality gate finds no failure in any song",
     "lofipress/music/compose.py",
     "    return metrics.check(m) + copying.check(m) + song_metrics.check(m) + form_content.check(m)",
     "    return []", ["tests/music/test_gate.py", "tests/music/test_eval.py"]),
    ("seam-zeroed", "the last 32 samples before a loop's seam zeroed before encoding",
     "lofipress/build/audio.py", "        out = mastering.master(audio, sample_rate, aim_lufs, aim_ceiling)\n",
     "        out = mastering.master(audio, sample_rate, aim_lufs, aim_ceiling)\n        out[-32:] = 0\n",
     ["tests/sound/test_seams.py", "tests/sound/test_audio_content.py", "tests/site/test_base_url.py"]),
    ("picker-without-csp", "the stations picker page loses its Content-Security-Policy",
     "templates/picker.html", '<meta http-equiv="Content-Security-Policy" content="{{ csp }}">', "",
     ["tests/build/test_stations.py"]),
    ("drums-ignore-mute", "the drums layer ignores its mute",
     "site_static/player/mixer.js", 'const off = n === "master" ? S.muted.all : S.muted[n];',
     'const off = n === "master" ? S.muted.all : n !== "drums" && S.muted[n];',
     ["tests/browser/test_heard.py", "tests/browser/test_controls.py"]),
    ("handover-a-bar-late", "station mode hands over a bar after the third pass",
     "site_static/player/transport.js", "  let due = loopTicks * STATION_PASSES;",
     "  let due = loopTicks * STATION_PASSES + T.PPQ * 4;", ["tests/browser/test_heard.py"]),
    ("static-replaces-pages", "a station's static/ file silently replaces a built page",
     "lofipress/site/__init__.py", "        if hit is not None and not (", "        if False and not (",
     ["tests/site/test_theme.py"]),
    ("stamp-trusted", "a rebuild trusts the stamp's key and not the files",
     "lofipress/site/stamp.py", "            if path.stat().st_size != size or file_hash(path) != digest:",
     "            if False:", ["tests/build/test_cache.py"]),
    ("bidi-allowed", "a right-to-left override passes into titles",
     "lofipress/core/text.py", "        if c in BIDI_CONTROLS:", "        if False:",
     ["tests/station/test_config.py", "tests/packs/test_packs.py"]),
    ("page-policy-off", "pages are no longer checked against the policy",
     "lofipress/site/templates.py", "    return f\"holds {tags.problem}\" if tags.problem else None", "    return None",
     ["tests/site/test_theme.py"]),
]


def run(mutant) -> dict:
    ident, what, rel, old, new, tests = mutant
    path = ROOT / rel
    if subprocess.run(["git", "diff", "--quiet", "--", rel], cwd=ROOT).returncode != 0:
        raise SystemExit(f"mutants: {rel} has uncommitted changes; commit or stash them first")
    original = path.read_text(encoding="utf-8")
    if original.count(old) != 1:
        return {"id": ident, "what": what, "result": "stale (its text is no longer in " + rel + ")", "caught": None}
    started = time.perf_counter()
    try:
        path.write_text(original.replace(old, new, 1), encoding="utf-8")
        done = subprocess.run([PY, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests], cwd=ROOT,
                              capture_output=True, text=True)
    finally:
        path.write_text(original, encoding="utf-8")
    caught = done.returncode != 0
    failed = [line.split(" ")[1] for line in done.stdout.splitlines() if line.startswith("FAILED ")]
    return {"id": ident, "what": what, "caught": caught, "by": failed[:1],
            "result": "caught" if caught else "MISSED", "seconds": round(time.perf_counter() - started, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Plant each defect, run the tests that should catch it.")
    ap.add_argument("ids", nargs="*", metavar="ID", help="only these mutants (default: all)")
    ap.add_argument("--json", action="store_true", help="end with one JSON object")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.ids or m[0] in args.ids]
    rows = [run(m) for m in chosen]
    width = max(len(r["id"]) for r in rows)
    print(f"{'mutant':{width}}  result  caught by")
    for r in rows:
        print(f"{r['id']:{width}}  {r['result']:6}  {(r.get('by') or ['-'])[0]}")
    caught = sum(1 for r in rows if r["caught"])
    print(f"{caught} of {len(rows)} caught")
    if args.json:
        print(json.dumps({"caught": caught, "total": len(rows), "mutants": rows}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
