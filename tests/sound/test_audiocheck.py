"""`lofipress audiocheck`: every published MP3 against its kind's level, length, peak and seam; files that must fail do."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from lofipress.sound import audiocheck, encode, master

SR = 44100


def at_lufs(seconds: float, lufs: float, seed: int) -> np.ndarray:
    """A chord of sines at a loudness, whole cycles in the file so it loops without a seam."""
    t = np.arange(int(seconds * SR)) / SR
    x = sum(np.sin(2 * np.pi * f * t + seed) for f in (220.0, 330.0, 440.0 + seed))
    x = np.stack([x, np.roll(x, seed)], axis=1).astype(np.float32)
    got = master.measure(x, SR)["lufs"]
    return (x * 10 ** ((lufs - got) / 20)).astype(np.float32)


@pytest.fixture
def site(tmp_path):
    files = {"ambience/ok.mp3": at_lufs(3, -30, 1), "ambience/quiet.mp3": at_lufs(3, -80, 2),
             "drums/silent.mp3": np.zeros((3 * SR, 2), np.float32), "drums/ok.mp3": at_lufs(3, -20, 3),
             "tracks/t01.mp3": at_lufs(3, -14, 4), "tracks/t02.mp3": at_lufs(3, -20, 5)}
    samples = {}
    for rel, audio in files.items():
        (tmp_path / "audio" / rel).parent.mkdir(parents=True, exist_ok=True)
        decoded = encode.write_mp3(audio, SR, tmp_path / "audio" / rel, loop=True)
        samples[rel] = int(len(decoded) if hasattr(decoded, "__len__") else len(audio))
    manifest = {
        "levels": {"track_lufs": -14.0, "drums_lufs": -20.0, "ambience_lufs": -30.0, "quote_lufs": -19.0},
        "tracks": [{"id": t, "audio": {"src": f"audio/tracks/{t}.mp3", "samples": samples[f"tracks/{t}.mp3"]}}
                   for t in ("t01", "t02")],
        "drums": [{"id": d, "by_bpm": {"80": {"src": f"audio/drums/{d}.mp3", "samples": samples[f"drums/{d}.mp3"]}}}
                  for d in ("ok", "silent")],
        "ambience": [{"id": a, "by_bpm": {"80": {"src": f"audio/ambience/{a}.mp3",
                                                  "samples": samples[f"ambience/{a}.mp3"]}}} for a in ("ok", "quiet")]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_each_kind_is_held_to_its_own_level_and_silence_fails(site, capsys):
    code = audiocheck.cli_audiocheck(SimpleNamespace(site=str(site), json=True))
    rows = {f"{r['kind']}:{r['id']}": r for r in json.loads(capsys.readouterr().out.splitlines()[-1])["rows"]}
    assert code == 2
    assert rows["track:t01"]["ok"] and rows["drums:ok@80"]["ok"] and rows["ambience:ok@80"]["ok"], rows
    assert "loudness" in " ".join(rows["track:t02"]["problems"])  # 6 LU under: a track holds +-0.5
    assert "not -30.0 +-3.0" in " ".join(rows["ambience:quiet@80"]["problems"])  # the -140 LUFS bed case
    assert "not -20.0 +-3.0" in " ".join(rows["drums:silent@80"]["problems"])  # digital silence
    assert not rows["ambience:quiet@80"]["ok"] and not rows["drums:silent@80"]["ok"]


def test_the_station_s_own_levels_are_the_targets(site, capsys):
    manifest = json.loads((site / "manifest.json").read_text())
    manifest["levels"].update(ambience_lufs=-34.0, track_lufs=-20.0)  # a station with quieter beds and tracks
    (site / "manifest.json").write_text(json.dumps(manifest))
    audiocheck.cli_audiocheck(SimpleNamespace(site=str(site), json=True))
    rows = {f"{r['kind']}:{r['id']}": r for r in json.loads(capsys.readouterr().out.splitlines()[-1])["rows"]}
    assert not rows["ambience:ok@80"]["ok"] and "not -34.0 +-3.0" in rows["ambience:ok@80"]["problems"][0]
    assert rows["track:t02"]["ok"] and not rows["track:t01"]["ok"]


@pytest.fixture
def segmented(tmp_path):
    """A track of 8 bars at 120 BPM as the build publishes it: the whole MP3 and its segments (2, 4, 2 bars)."""
    from lofipress.core.files import part_path
    from lofipress.sound import segments

    pcm = at_lufs(16, -14, 6)
    path = tmp_path / "audio" / "tracks" / "t01.mp3"
    path.parent.mkdir(parents=True)
    full = encode.encode_checked(pcm, SR, path, 2, loop=True)
    rows, _, _ = segments.press_segments(pcm, full, SR, 120.0, [(0, 2), (2, 4), (6, 2)], path, 2)
    segs = [{"src": str(part_path(path, i).relative_to(tmp_path)), **r} for i, r in enumerate(rows)]
    manifest = {"levels": {"track_lufs": -14.0},
                "tracks": [{"id": "t01", "audio": {"src": "audio/tracks/t01.mp3", "samples": len(full),
                                                   "segments": segs}}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path, pcm, segs


def _rows(site, capsys):
    code = audiocheck.cli_audiocheck(SimpleNamespace(site=str(site), json=True))
    return code, {f"{r['kind']}:{r['id']}": r for r in json.loads(capsys.readouterr().out.splitlines()[-1])["rows"]}


def test_the_segments_the_player_streams_are_held_to_the_track(segmented, capsys):
    site, pcm, segs = segmented
    code, rows = _rows(site, capsys)
    assert code == 0 and rows["joined:t01"]["ok"] and rows["joined:t01"]["residual_db"] < -20, rows["joined:t01"]
    assert all(rows[f"segment:t01/{i}"]["ok"] for i in range(3))
    # A silent segment and a segment 11 dB hot, each the right length: the whole file alone says "ok" to both.
    lo, hi = segs[1]["start_samples"], segs[1]["start_samples"] + segs[1]["samples"]
    encode.encode_checked(np.zeros((hi - lo, 2), np.float32), SR, site / segs[1]["src"], 2, loop=False)
    lo, hi = segs[2]["start_samples"], segs[2]["start_samples"] + segs[2]["samples"]
    encode.encode_checked(np.clip(pcm[lo:hi] * 3.5, -1, 1), SR, site / segs[2]["src"], 2, loop=False)  # 11 dB hot
    code, rows = _rows(site, capsys)
    assert code == 2 and rows["track:t01"]["ok"]
    assert "silent where the track plays" in rows["segment:t01/1"]["problems"]
    hot = " ".join(rows["segment:t01/2"]["problems"])
    assert "louder than the track" in hot and "true peak" in hot, hot
    assert not rows["joined:t01"]["ok"] and "differ from the track" in " ".join(rows["joined:t01"]["problems"])


def test_segments_that_do_not_add_up_to_the_track_fail(segmented, capsys):
    site, pcm, segs = segmented
    encode.encode_checked(pcm[:segs[0]["samples"] - 441], SR, site / segs[0]["src"], 2, loop=False)
    code, rows = _rows(site, capsys)
    assert code == 2 and "segments join to" in " ".join(rows["joined:t01"]["problems"])
    assert "length" in " ".join(rows["segment:t01/0"]["problems"])
