"""A track whose music is silent or broken fails its build in one line naming the track, instead of shipping as a
track of hiss mastered up to -14 LUFS (the chain sets hiss and crackle relative to the music)."""
import numpy as np
import pytest

from audio_helpers import make_pack
from lofipress.build import audio, audio_jobs
from lofipress.sound import render
from lofipress.station.config import FxSettings, MasterSettings
from lofipress.core.errors import AudioError
from lofipress.core.notes import Note

BEAT_S = 60 / 80


def job_args(pack_dir, notes):
    return ([n.to_list() for n in notes], str(pack_dir), FxSettings(), MasterSettings(), 80.0, 4, None, 1, ())


def test_a_track_of_silent_music_names_the_track_and_leaves_nothing(tmp_path):
    pack_dir = make_pack(tmp_path / "p")
    quiet = [Note(0.0, 2 * BEAT_S, 60, 1, "keys")]  # one note at velocity 1, too soft to be music
    with pytest.raises(AudioError) as err:
        audio_jobs._run_job("press_track", job_args(pack_dir, quiet), str(tmp_path / "t.mp3"),
                            str(tmp_path / "t.json"), "track t03")
    line = err.value.one_line()
    assert line.startswith(f"{pack_dir}: track t03: the music is silent before hiss and crackle (")
    assert "pack check" in line and ".tmp" not in line
    assert not list(tmp_path.glob("t*"))


def test_non_finite_music_fails(tmp_path, monkeypatch):
    pack_dir = make_pack(tmp_path / "p")
    real = render.render_track

    def broken(*args, **kwargs):
        out = real(*args, **kwargs)
        out[1000:1010] = np.nan
        return out

    monkeypatch.setattr(render, "render_track", broken)
    notes = [Note(0.0, 3 * BEAT_S, p, 90, "keys") for p in (57, 60, 64)]
    with pytest.raises(AudioError, match="NaN or infinite"):
        audio.press_track(notes, pack_dir, FxSettings(), MasterSettings(), 80.0, 4, tmp_path / "t.mp3", 1)


def test_music_is_checked_before_the_hiss_not_after():
    sr = 44100
    tone = 0.1 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
    audio.check_music(np.stack([tone, tone], axis=1).astype(np.float32), "pack")  # music: passes
    with pytest.raises(AudioError, match=r"silent before hiss and crackle \(-1\d\d dBFS\)"):
        audio.check_music(np.full((sr, 2), 1e-7, np.float32), "pack")
