"""An analyser on a page's audio output: when it first becomes audible, read from the sound itself.

`TAP_JS` goes in with `page.add_init_script`, so it runs before any page script. It wraps
the native `AudioNode.prototype.connect`: whatever a page connects to an
`AudioDestinationNode` (the speakers) or a `MediaStreamAudioDestinationNode` (the
player's route into an <audio> element, for lock-screen controls) is also connected to
one `AnalyserNode` per realtime context. Tone.js v15 wraps native nodes in
standardized-audio-context, whose wrappers call the native `connect` in the end, so the
tap sees the real graph. A 5 ms timer reads each analyser; the first reading after the
tap on the page whose RMS is above -60 dBFS is the audible moment, taken raw: the time of
that reading, with no output latency subtracted and no back-dating into its window (a
tone at -10 dBFS lifts a 46 ms window's RMS past -60 dBFS within its first sample; a
sound near -60 dBFS is heard a few ms late). Nothing the player reports about itself is read.

Offline contexts are left alone: standardized-audio-context renders feature tests in
them at load, and their output is never heard.
"""
from __future__ import annotations

AUDIBLE_DBFS = -60.0
AUDIBLE_RMS = 10 ** (AUDIBLE_DBFS / 20)  # 0.001 of full scale
FFT_SIZE = 2048  # 46 ms at 44.1 kHz: a reading still holds the samples since the last one when a busy
# machine delays the timer by tens of ms, so the edges of a silence are found to the sample
POLL_MS = 5  # Chromium clamps nested timers to >= 4 ms

# window.__benchTap: {clickAt, soundAt (performance.now() ms), taps (connections seen), windowS (one reading's
# span, seconds), series (null, or while the bench records one: [[AudioContext seconds at the reading, rms,
# first and last sample above -60 dBFS as seconds into the window or null], ...])}
TAP_JS = """(() => {
  if (window.__benchTap || typeof AudioNode === "undefined") return;
  const AUDIBLE_RMS = %(rms)r, FFT_SIZE = %(fft)d, POLL_MS = %(poll)d;
  const nativeConnect = AudioNode.prototype.connect;
  const tap = window.__benchTap = { clickAt: null, soundAt: null, taps: 0, series: null, windowS: null };
  const analysers = new Map();  // native AudioContext -> [AnalyserNode, Float32Array]

  function analyserOf(ctx) {
    let entry = analysers.get(ctx);
    if (!entry) {
      const a = ctx.createAnalyser();
      a.fftSize = FFT_SIZE;
      tap.windowS = FFT_SIZE / ctx.sampleRate;
      // a silent gain to the speakers keeps the analyser pulled by the render thread
      const mute = ctx.createGain();
      mute.gain.value = 0;
      nativeConnect.call(a, mute);
      nativeConnect.call(mute, ctx.destination);
      entry = [a, new Float32Array(FFT_SIZE)];
      analysers.set(ctx, entry);
    }
    return entry[0];
  }

  AudioNode.prototype.connect = function (dest, output, input) {
    const result = nativeConnect.apply(this, arguments);
    const heard = dest instanceof AudioDestinationNode ||
      (typeof MediaStreamAudioDestinationNode !== "undefined" && dest instanceof MediaStreamAudioDestinationNode);
    if (heard && typeof AudioContext !== "undefined" && dest.context instanceof AudioContext) {
      try {
        nativeConnect.call(this, analyserOf(dest.context), output || 0);
        tap.taps += 1;
      } catch (e) { /* an output index the node lacks: the native connect above threw already */ }
    }
    return result;
  };

  addEventListener("pointerdown", () => { if (tap.clickAt == null) tap.clickAt = performance.now(); },
                   { capture: true });

  function poll() {
    let loudest = null;  // [ctx time, rms, first loud s, last loud s] of the loudest context
    for (const [ctx, [a, buf]] of analysers) {
      a.getFloatTimeDomainData(buf);
      let sum = 0, first = -1, last = -1;
      for (let i = 0; i < buf.length; i++) {
        sum += buf[i] * buf[i];
        if (Math.abs(buf[i]) > AUDIBLE_RMS) { if (first < 0) first = i; last = i; }
      }
      const rms = Math.sqrt(sum / buf.length), rate = ctx.sampleRate;
      if (!loudest || rms > loudest[1]) {
        loudest = [ctx.currentTime, rms, first < 0 ? null : first / rate, last < 0 ? null : (last + 1) / rate];
      }
    }
    if (loudest && tap.clickAt != null && tap.soundAt == null && loudest[1] > AUDIBLE_RMS) tap.soundAt = performance.now();
    if (loudest && tap.series) tap.series.push(loudest);
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();""" % {"rms": AUDIBLE_RMS, "fft": FFT_SIZE, "poll": POLL_MS}

SOUND_JS = "() => window.__benchTap && window.__benchTap.soundAt != null"
READ_JS = "() => ({clickAt: window.__benchTap.clickAt, soundAt: window.__benchTap.soundAt, taps: window.__benchTap.taps})"


def silent_gap_ms(series: list[list], start_s: float, end_s: float, window_s: float) -> float:
    """The longest silence heard that overlaps [start_s, end_s] (AudioContext seconds), in ms; 0.0 when none.

    Args:
        series: readings [ctx seconds at the reading, rms, first loud s, last loud s] (see TAP_JS).
        window_s: the span of one reading; reading at t holds the samples of [t - window_s, t].

    A silence is a run of readings at or below -60 dBFS RMS. It began at the last loud
    sample of the reading before the run and ended at the first loud sample of the reading
    after it, both read from inside those readings' windows, so a late poll does not stretch
    it. Where the run is at an end of the series, the reading's own time stands in.
    """
    readings = sorted(series)
    longest, i = 0.0, 0
    while i < len(readings):
        if readings[i][1] > AUDIBLE_RMS:
            i += 1
            continue
        j = i
        while j < len(readings) and readings[j][1] <= AUDIBLE_RMS:
            j += 1
        if i > 0:
            t, _, _, last = readings[i - 1]
            began = t - window_s + last if last is not None else t
        else:
            began = readings[i][0] - window_s
        if j < len(readings):
            t, _, first, _ = readings[j]
            ended = t - window_s + first if first is not None else t
        else:
            ended = readings[-1][0]
        if began <= end_s and ended >= start_s:
            longest = max(longest, ended - began)
        i = j
    return round(longest * 1000, 1)
