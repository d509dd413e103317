"""A station's settings: one frozen `Station` of sections, every default here with its reason.

Every setting carries a trailing comment saying why its default is what it is (`lofipress new` copies them
into station.toml). Reading and checking station.toml is lofipress.station.config's; the checks and the mood
(lofipress.station.config_check, lofipress.station.mood) take these types from here, below all three.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

@dataclass(frozen=True)
class StationMeta:
    name: str = "default"  # folder-safe id; used in URLs and cache keys
    title: str = "lofipress radio"  # shown in the page header and <title>
    description: str = "AI-composed lo-fi beats to study and relax to"  # meta description and social card
    seed: int = 1234  # one station seed; every track seed is derived from it
    tracks: int = 12  # enough for an hour of station mode without repeats
    bars: int = 30  # a song's length; the AI track loops over all of it (about 90 s at 80 BPM)
    tempo_min_bpm: float = 72.0  # lo-fi sits at 70-90 BPM; 72-86 avoids both extremes
    tempo_max_bpm: float = 86.0  # see tempo_min_bpm
    tempo_step_bpm: float = 2.0  # few distinct tempos means few drum/ambience renders
    mood: str = ""  # free words ("rainy sunday, a bit sad") read through lofipress.station.mood
    keys: tuple[str, ...] = ()  # allowed keys ("C", "Am", "Eb"...); empty = all 24


@dataclass(frozen=True)
class CorpusSettings:
    dir: str = "corpus"  # training MIDI/ABC folder, relative to the station file
    max_file_mb: float = 4.0  # larger MIDI files are skipped as absurd, not parsed
    max_bars: int = 512  # longer pieces are skipped: they are rarely loops
    min_notes: int = 8  # fewer notes is not a usable piece
    skip_bad: bool = False  # a bad file stops training with its name; true skips it and lists it in the card


@dataclass(frozen=True)
class ModelSettings:
    name: str = "default"  # models/<name>/ holds the weights, vocab.json and card.json
    dir: str = "models"  # where model folders live, relative to the station file
    arch: str = "small"  # LSTM, the design's model: "small" trains on 2 cores in minutes; "seed" is the articles'
    # 256-512-256; "wavenet" (dilated convolutions) and "transformer" (relative attention): `lofipress train --help`
    embedding: int = 96  # token embedding width
    units: int = 320  # LSTM width of the small model
    width: int = 128  # WaveNet residual channels, Transformer model width: sized to train on 2 cores in 30 min
    heads: int = 4  # Transformer attention heads (32 numbers each at width 128)
    blocks: int = 3  # Transformer blocks
    dropout: float = 0.3  # the seed articles' value; the corpus is small and memorizes fast
    seq_len: int = 160  # training window in tokens: about 12 bars, so a looped phrase is seen coming back twice
    batch_size: int = 64  # small batches generalize better on a small corpus
    epochs: int = 40  # upper bound; early stopping usually ends sooner
    patience: int = 4  # epochs without validation improvement before stopping
    learning_rate: float = 0.002  # Adam; tuned for the small model
    validation_split: float = 0.1  # held-out share of corpus pieces (whole pieces, not windows)
    min_chord_count: int = 2  # chord voicings seen fewer times are split into single notes


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float = 1.0  # the scale and loop priors keep the key, so the model samples as trained
    top_k: int = 0  # 0 = off; top-p already trims the tail
    top_p: float = 0.95  # nucleus sampling cuts the implausible 5 %
    repetition_penalty: float = 1.0  # >1 discourages a chord just played; 1 = off, as the loop prior wants repeats
    penalty_restore: float = 0.85  # per-event decay of the penalty (Music Transformer article)
    scale_bias: float = 3.0  # logit cost per note outside the key's scale; 0 = off; 3 keeps a song's windows in its key
    loop_bars: int = 4  # inside a section, after this many bars, lean toward what was played a loop ago; 0 = off
    loop_bias: float = 12.0  # logit bonus for the token a loop ago, within a section only ([song] sets the rest)
    lead_leap_bias: float = 0.5  # logit cost a semitone of melody leap past a whole tone: mostly steps, some leaps
    lead_range_bias: float = 1.0  # cost a semitone past 7 from the melody's centre: a line a voice could sing
    lead_chord_bias: float = 4.0  # cost of a melody note outside the chord under it on beats 1 and 3
    lead_own_rhythm_bias: float = 2.5  # cost of a melody note struck with the keys: a line, not the chord's top
    window_key_bias: float = 6.0  # a chord taking a 4-bar window at home into another key costs this; away: lean home
    primer: str = ""  # optional chord symbols, e.g. "Dm9 G13 Cmaj9 A7b9"
    max_redraws: int = 8  # a piece failing the quality gate is redrawn at most this often


@dataclass(frozen=True)
class SongSettings:
    form: str = ""  # "" = by mood (sleepy: slow-build, bright: groove, else song); a name or "intro:2 A:8 B:8 A2:8 outro:4"
    return_bias: float = 10.0  # A2 and the outro's opening lean toward A's bars, under loop_bias: A returns varied
    return_lead_bias: float = -2.0  # < 0: the model learned A2 = A, so A2's melody is pushed to other notes (varied)
    contrast_bias: float = 4.0  # B's first loop is pushed off A's chords and notes at the same place, so B contrasts
    cadence_bias: float = 4.0  # the outro's last two bars lean to the tonic chord: the song resolves before the seam
    drum_break_bars: int = 1  # bars before B where the player drops the drums (a break); 0 = never
    melody: str = "model"  # "model": the melody model writes the lead over the keys; "corpus": the keys model's own


@dataclass(frozen=True)
class ArrangeSettings:
    swing: float = 0.58  # share of the beat's first 16th pair; 0.50 straight, 0.66 triplet
    humanize_ms: float = 9.0  # timing jitter; more sounds sloppy, less sounds quantized
    velocity_jitter: int = 7  # MIDI velocity spread of the keys
    keys_low: int = 48  # C3: lowest note of the keys voicing (lo-fi voicings sit in C3-C5)
    keys_high: int = 72  # C5: highest chord tone; a top-line melody may rise above
    bass_low: int = 28  # E1: bass notes stay in octaves 1-2
    bass_high: int = 47  # B2


@dataclass(frozen=True)
class FxSettings:
    preset: str = "dusty"  # dusty, tape, muffled or clean; the keys below override the preset
    highpass_hz: float = 0.0  # 0 = take the preset's value
    lowpass_hz: float = 0.0  # 0 = take the preset's value
    wow_hz: float = 0.0  # 0 = preset
    wow_cents: float = -1.0  # -1 = preset
    flutter_hz: float = 0.0  # 0 = preset
    flutter_cents: float = -1.0  # -1 = preset
    saturation_drive: float = -1.0  # -1 = preset
    bit_depth: int = 0  # 0 = preset
    reduce_rate_hz: float = -1.0  # -1 = preset, 0 = off
    crackle_db: float = 1.0  # 1 = preset (any value > 0 means "take the preset")
    hiss_db: float = 1.0  # 1 = preset
    reverb_mix: float = -1.0  # -1 = preset
    reverb_decay_s: float = -1.0  # -1 = preset
    sidechain_db: float = -1.0  # -1 = preset
    compressor_threshold_db: float = 1.0  # 1 = preset
    compressor_ratio: float = 0.0  # 0 = preset


@dataclass(frozen=True)
class LoopSettings:
    drums_bars: int = 8  # drums every 8 bars: a beat a listener hears come round
    ambience_bars: int = 12  # ambience every 12 bars
    track_bars: int = 30  # the AI track every 30 bars
    quote_at: str = "4:0:0"  # the quote starts at bar 5 (Tone.js bars:beats:sixteenths)
    beats_per_bar: int = 4  # the loops assume 4/4


@dataclass(frozen=True)
class MasterSettings:
    sample_rate: int = 44100  # CD rate; the browser resamples if it must
    track_lufs: float = -14.0  # streaming delivery loudness (Spotify, YouTube)
    drums_lufs: float = -20.0  # drums sit under the track
    ambience_lufs: float = -30.0  # a bed, felt more than heard
    quote_lufs: float = -19.0  # speech over the mix, clear but not shouting
    ceiling_dbtp: float = -1.0  # true-peak ceiling after MP3 decoding
    mp3_quality: int = 2  # LAME VBR -V2 (~190 kbps): transparent for lo-fi


@dataclass(frozen=True)
class PackSettings:
    name: str = "default"  # samples/<name>/pack.toml
    dir: str = "samples"  # where packs live, relative to the station file


@dataclass(frozen=True)
class SiteSettings:
    out_dir: str = "site"  # the built site; swapped in whole at the end of a build
    palette: tuple[str, ...] = ("#1d1b2c", "#f2d6b3", "#e07a5f", "#81b29a")  # bg, text, accent, accent2
    font: str = "system-ui"  # CSS font family of the page
    heading_font: str = ""  # CSS font family of titles; empty = the page font (no web fonts: no CDN)
    background: str = "calm"  # backdrop scene while no ambience plays: calm, rain, fire, wind, water or night
    base_url: str = ""  # absolute URL of the published site, for social cards; may stay empty
    home_url: str = ""  # an "All stations" link in the header; a multi-station build sets it to its picker
    max_mb: float = 0.0  # size budget of the built site in MB (GitHub Pages allows 1 GB); 0 = none


@dataclass(frozen=True)
class Station:
    station: StationMeta = field(default_factory=StationMeta)
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    song: SongSettings = field(default_factory=SongSettings)
    arrange: ArrangeSettings = field(default_factory=ArrangeSettings)
    fx: FxSettings = field(default_factory=FxSettings)
    loops: LoopSettings = field(default_factory=LoopSettings)
    master: MasterSettings = field(default_factory=MasterSettings)
    pack: PackSettings = field(default_factory=PackSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    root: str = "."  # folder of the station file; relative paths resolve against it

    def path(self, relative: str) -> Path:
        """Resolve a path from the station file's folder."""
        return (Path(self.root) / relative).resolve()

    def section_hash(self, *names: str) -> str:
        """A stable hash of the named sections, for cache keys."""
        data = {n: dataclasses.asdict(getattr(self, n)) for n in names}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
