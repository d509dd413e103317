"""The lo-fi chain's presets and how a station's [fx] settings resolve against them.

Plain data, no DSP imports: the build reads it (for the browser's live chain)
even when it has nothing to render.
"""
from __future__ import annotations

from .config import FxSettings

SP1200_RATE_HZ = 26040.0  # the E-mu SP-1200's sample rate
PRESETS = {  # effective values of every knob; FxSettings overrides them one by one
    "dusty": dict(highpass_hz=60.0, lowpass_hz=9000.0, wow_hz=0.8, wow_cents=7.0, flutter_hz=9.0, flutter_cents=3.0,
                  saturation_drive=1.8, bit_depth=12, reduce_rate_hz=SP1200_RATE_HZ, crackle_db=-38.0, hiss_db=-44.0,
                  reverb_mix=0.16, reverb_decay_s=1.1, sidechain_db=3.0, compressor_threshold_db=-18.0,
                  compressor_ratio=2.5),
    "tape": dict(highpass_hz=40.0, lowpass_hz=11000.0, wow_hz=0.6, wow_cents=12.0, flutter_hz=7.0, flutter_cents=4.0,
                 saturation_drive=2.6, bit_depth=0, reduce_rate_hz=0.0, crackle_db=-120.0, hiss_db=-40.0,
                 reverb_mix=0.12, reverb_decay_s=0.9, sidechain_db=3.0, compressor_threshold_db=-16.0,
                 compressor_ratio=2.0),
    "muffled": dict(highpass_hz=80.0, lowpass_hz=5500.0, wow_hz=1.0, wow_cents=6.0, flutter_hz=10.0,
                    flutter_cents=2.0, saturation_drive=1.5, bit_depth=12, reduce_rate_hz=SP1200_RATE_HZ,
                    crackle_db=-36.0, hiss_db=-46.0, reverb_mix=0.22, reverb_decay_s=1.4, sidechain_db=4.0,
                    compressor_threshold_db=-18.0, compressor_ratio=3.0),
    "clean": dict(highpass_hz=30.0, lowpass_hz=0.0, wow_hz=0.5, wow_cents=0.0, flutter_hz=6.0, flutter_cents=0.0,
                  saturation_drive=0.0, bit_depth=0, reduce_rate_hz=0.0, crackle_db=-120.0, hiss_db=-120.0,
                  reverb_mix=0.08, reverb_decay_s=0.8, sidechain_db=0.0, compressor_threshold_db=-12.0,
                  compressor_ratio=1.5),
}
# FxSettings value meaning "take the preset's value" for each knob
_UNSET = dict(highpass_hz=0.0, lowpass_hz=0.0, wow_hz=0.0, wow_cents=-1.0, flutter_hz=0.0, flutter_cents=-1.0,
              saturation_drive=-1.0, bit_depth=0, reduce_rate_hz=-1.0, crackle_db=None, hiss_db=None,
              reverb_mix=-1.0, reverb_decay_s=-1.0, sidechain_db=-1.0, compressor_threshold_db=None,
              compressor_ratio=0.0)


def resolve(settings: FxSettings) -> dict:
    """Effective parameters: the preset's values, overridden by every knob that is set."""
    params = dict(PRESETS[settings.preset])
    for key, unset in _UNSET.items():
        value = getattr(settings, key)
        is_unset = value > 0 if unset is None else value == unset  # dB knobs: any value > 0 means "preset"
        if not is_unset:
            params[key] = value
    return params
