/* lofipress player: the mixer graph and the layer kinds.
 * Graph: layer gains -> vol[layer] -> pauseBus (pause fades) -> master -> limiter -> out.
 * Every layer kind is one object of the same shape, {gain, ready, start(t, offset), stop(t),
 * dispose()}: a decoded file on a Tone.Player (loops and the one-shot quote) or the live
 * sampler that plays a song's notes through the lo-fi chain. */
(() => {
  "use strict";
  const LP = window.lofipressPlayer;
  if (!LP) return;
  const { state, muted, level, bufCache, LAYERS } = LP;

  const vol = {};
  const limiter = new Tone.Limiter(-1);
  const master = new Tone.Gain(0.64).connect(limiter);
  const pauseBus = new Tone.Gain(1).connect(master);
  for (const n of LAYERS) vol[n] = new Tone.Gain(0.64).connect(pauseBus);
  const audioEl = document.createElement("audio");
  audioEl.hidden = true;
  document.body.append(audioEl);
  let streamDest = null;

  // Chrome shows lock-screen controls only while a media element plays, so the
  // mix goes out ONLY through a MediaStream into <audio> (no doubled sound);
  // where that fails, straight to the speakers.
  function route() {
    if (state.route) return;
    const raw = Tone.getContext().rawContext;
    try {
      streamDest = raw.createMediaStreamDestination();
      limiter.connect(streamDest);
      audioEl.srcObject = streamDest.stream;
      state.route = "element";
      audioEl.play().catch(direct);
    } catch (e) {
      direct();
    }
  }
  function direct() {
    if (streamDest) { try { limiter.disconnect(streamDest); } catch (e) { /* not connected */ } }
    streamDest = null;
    limiter.toDestination();
    state.route = "direct";
  }

  // ---- volumes
  function applyGain(n) {
    const off = n === "master" ? muted.all : muted[n];
    const g = off ? 0 : level[n] * level[n]; // squared: a slider that feels even
    (n === "master" ? master : vol[n]).gain.rampTo(g, 0.05);
  }
  const gains = () => Object.fromEntries([...LAYERS.map((n) => [n, vol[n].gain.value]), ["master", master.gain.value]]);

  // ---- layers: {gain, start(t, offset), stop(t), dispose()}
  function playerLayer(src, dest) {
    const gain = new Tone.Gain(1).connect(dest);
    const buf = bufCache.get(src);
    const player = new Tone.Player().connect(gain);
    const ready = buf.then((b) => { player.buffer = b; });
    let lastStart = -1, lastStop = -1;
    return {
      src, gain, player, ready,
      duration: () => player.buffer.duration,
      start: (t, off = 0) => {
        // A loop tick and a resume can land on the same time: already started is fine.
        if (!player.loaded || (t <= lastStart + 1e-4 && lastStop < lastStart)) return;
        player.start(t, off);
        lastStart = t;
      },
      stop: (t) => { player.stop(t); lastStop = t; },
      dispose: () => { player.dispose(); gain.dispose(); },
    };
  }

  // Note part -> the manifest's sampler roles it may play on, first shipped wins: the melody sings on the pack's
  // lead (else its piano) when the build shipped those zones, and on the keys otherwise, as packs.PART_ROLES does.
  const PART_SAMPLERS = { keys: ["keys", "bass"], melody: ["lead", "piano", "keys", "bass"], bass: ["bass", "keys"] };

  function liveLayer(plan, dest) {
    const M = LP.M;
    const fx = M.live_fx || {};
    const gain = new Tone.Gain(1).connect(dest);
    const lowpass = new Tone.Filter(fx.lowpass_hz || 3200, "lowpass", -12).connect(gain);
    const crusher = new Tone.BitCrusher(fx.bit_depth || 12).connect(lowpass);
    // Wow: a slow vibrato; a sine delay swing of depth*maxDelay at f Hz bends pitch by
    // about 1731 * pi * f * maxDelay * depth cents.
    const wowHz = 0.8, maxDelay = 0.005;
    const depth = Math.min(1, (fx.wow_cents ?? 6) / (1731 * Math.PI * wowHz * maxDelay));
    const wow = new Tone.Vibrato({ frequency: wowHz, depth, maxDelay }).connect(crusher);
    const noiseGain = new Tone.Gain(Tone.dbToGain(fx.noise_db ?? -38)).connect(gain);
    const noiseFilter = new Tone.Filter(2500, "lowpass").connect(noiseGain);
    const noise = new Tone.Noise("pink").connect(noiseFilter);
    const samplers = {};
    const bufs = (map) => Object.fromEntries(Object.entries(map).map(([k, s]) => [k, bufCache.get(s)]));
    const ready = Promise.all(Object.entries(M.sampler || {}).map(async ([role, map]) => {
      const b = bufs(map);
      const urls = {};
      for (const k of Object.keys(b)) urls[k] = (await b[k]).get();
      samplers[role] = new Tone.Sampler({ urls, release: 0.6 }).connect(wow);
    }));
    const nodes = [gain, lowpass, crusher, wow, noiseGain, noiseFilter, noise];
    return {
      gain, ready, live: true,
      start: (t) => noise.start(t),
      stop: (t) => { noise.stop(t); Object.values(samplers).forEach((s) => s.releaseAll(t)); },
      trigger: (ev, time) => {
        const roles = PART_SAMPLERS[ev.part] || PART_SAMPLERS.keys;
        const s = samplers[roles.find((r) => samplers[r])];
        if (s) s.triggerAttackRelease(Tone.Frequency(ev.pitch, "midi").toFrequency(), ev.durS, time, ev.vel / 127);
      },
      dispose: () => { Object.values(samplers).forEach((s) => s.dispose()); nodes.forEach((n) => n.dispose()); },
    };
  }

  function fadeIn(layer, t, dur) {
    if (!dur) return;
    layer.gain.gain.setValueAtTime(0, t);
    layer.gain.gain.linearRampToValueAtTime(1, t + dur);
  }

  function retire(layer, t, dur) {
    if (!layer) return;
    if (dur) {
      layer.gain.gain.cancelScheduledValues(t);
      layer.gain.gain.setValueAtTime(layer.gain.gain.getValueAtTime(t), t);
      layer.gain.gain.linearRampToValueAtTime(0, t + dur);
    }
    layer.stop(t + dur);
    const ctx = Tone.getContext();
    setTimeout(() => layer.dispose(), (t + dur - ctx.currentTime) * 1000 + 1500);
  }

  LP.mix = { vol, master, pauseBus, audioEl, route, direct, applyGain, gains };
  LP.layers = { playerLayer, liveLayer, fadeIn, retire };
})();
