/* lofipress player: the page. Controls and their state (aria-pressed, selects, sliders),
 * keyboard shortcuts, the first gesture that starts audio, now playing, the quote text,
 * Media Session (lock screen) and errors. Everything audible goes through LP.transport. */
(() => {
  "use strict";
  const LP = window.lofipressPlayer;
  if (!LP) return;
  const { $, app, params, state, sel, muted, level, emit, byId, mainItem, abs } = LP;
  const { applyGain } = LP.mix;
  const { loopSrc, VOLS, shareUrl, writeUrl } = LP.plan;
  const { armStation, play, pause, toggle, step, changed, ensureStarted } = LP.transport;
  let firstEvent = null;

  function showQuote(item) {
    const box = $("quote-text"), who = $("quote-speaker");
    if (box) box.textContent = item ? `“${item.text}”` : "";
    if (who) who.textContent = item && item.speaker ? `— ${item.speaker}` : "";
    app.classList.toggle("has-quote", !!item);
    emit("quote", item);
  }

  function fill(selectEl, items, label, none) {
    if (!selectEl || selectEl.options.length) return;
    if (none) selectEl.add(new Option("Off", ""));
    for (const it of items || []) selectEl.add(new Option(label(it), it.id));
  }

  function syncUi() {
    const M = LP.M;
    const setP = (id, v) => { const b = $(id); if (b) b.setAttribute("aria-pressed", String(!!v)); };
    setP("play", state.playing);
    setP("shuffle", state.shuffle);
    setP("station-mode", state.station);
    for (const n of ["main", "drums", "ambience", "quote"]) setP(`mute-${n}`, muted[n]);
    setP("mute-master", muted.all);
    const v = (id, val) => { const e = $(id); if (e && val != null) e.value = val; };
    v("track-select", sel.track);
    v("song-select", sel.song);
    v("drums-select", sel.drums || "");
    // An AI track is offered only the drums rendered at its tempo; a live song follows the drums' tempo.
    const drumsEl = $("drums-select"), track = sel.source !== "live" && M && mainItem();
    if (drumsEl) for (const o of drumsEl.options) o.disabled = !!(track && o.value && !loopSrc(byId(M.drums, o.value), track.bpm));
    v("ambience-select", sel.ambience || "");
    v("quote-select", sel.quote || "");
    const ai = $("source-ai"), live = $("source-live");
    if (ai) ai.checked = sel.source !== "live";
    if (live) live.checked = sel.source === "live";
    const song = $("song-select");
    if (song) song.disabled = sel.source !== "live";
    state.shuffle = !!state.shuffle;
    document.documentElement.classList.toggle("is-playing", state.playing);
    emit("play", { playing: state.playing });
    media();
  }

  function nowPlaying() {
    const M = LP.M;
    const m = mainItem();
    if (!m) return;
    const text = (id, v) => { const e = $(id); if (e) e.textContent = v; };
    text("np-title", sel.source === "live" ? `${m.title} (live)` : m.title);
    text("np-key", m.key || "");
    text("np-bpm", String(Math.round((LP.deck ? state.bpm : 0) || m.bpm)));
    const track = byId(M.tracks, sel.track);
    const link = (id, src, name) => { const a = $(id); if (a && src) { a.href = abs(src); if (name) a.setAttribute("download", name); } };
    if (track) {
      link("dl-mp3", track.audio.src, `${track.id}.mp3`);
      link("track-page", track.page);
    }
    const midiItem = sel.source === "live" ? m : track;
    if (midiItem && midiItem.midi) link("dl-midi", midiItem.midi, `${midiItem.id}.mid`);
    media();
  }

  function media() {
    const ms = navigator.mediaSession, M = LP.M;
    if (!ms || !M) return;
    const m = mainItem();
    if (m && window.MediaMetadata) {
      const title = (M.station && M.station.title) || "lofipress";
      if (!ms.metadata || ms.metadata.title !== m.title) {
        ms.metadata = new MediaMetadata({ title: m.title, artist: title, album: `${m.key || ""} · ${m.bpm} BPM` });
      }
    }
    ms.playbackState = state.playing ? "playing" : LP.deck ? "paused" : "none";
  }

  function mediaHandlers() {
    const ms = navigator.mediaSession;
    if (!ms) return;
    const h = { play: () => play(), pause: () => pause(), previoustrack: () => step(-1), nexttrack: () => step(1) };
    for (const [k, fn] of Object.entries(h)) { try { ms.setActionHandler(k, fn); } catch (e) { /* unsupported action */ } }
  }

  function bindUi() {
    const M = LP.M;
    const on = (id, type, fn) => { const e = $(id); if (e) e.addEventListener(type, fn); };
    fill($("track-select"), M.tracks, (t) => `${t.title} (${t.key}, ${t.bpm} BPM)`);
    fill($("song-select"), M.songs, (t) => `${t.title} (${t.key})`);
    fill($("drums-select"), M.drums, (t) => t.title, true);
    fill($("ambience-select"), M.ambience, (t) => t.title, true);
    fill($("quote-select"), M.quotes, (t) => t.speaker ? `${t.speaker}: ${t.text}` : t.text, true);

    on("play", "click", (e) => { if (e !== firstEvent) toggle(); });
    on("prev", "click", () => step(-1));
    on("next", "click", () => step(1));
    on("shuffle", "click", () => { state.shuffle = !state.shuffle; syncUi(); });
    on("station-mode", "click", () => { state.station = !state.station; if (LP.deck) armStation(LP.deck); syncUi(); });
    on("track-select", "change", (e) => { sel.track = e.target.value; if (sel.source !== "ai") sel.source = "ai"; changed(true); });
    on("song-select", "change", (e) => { sel.song = e.target.value; changed(sel.source === "live"); });
    for (const id of ["source-ai", "source-live"]) {
      on(id, "change", (e) => { if (e.target.checked) { sel.source = id === "source-live" ? "live" : "ai"; changed(true); } });
    }
    for (const n of ["drums", "ambience", "quote"]) on(`${n}-select`, "change", (e) => { sel[n] = e.target.value || null; changed(false); });
    for (const n of VOLS) {
      const el = $(`vol-${n}`);
      if (!el) continue;
      const max = Number(el.max) || 100;
      if (params.has(`v${n}`)) el.value = String(level[n] * max); else level[n] = Number(el.value) / max;
      el.addEventListener("input", () => { level[n] = Number(el.value) / max; applyGain(n); writeUrl(); });
      applyGain(n);
    }
    for (const n of ["main", "drums", "ambience", "quote"]) on(`mute-${n}`, "click", () => mute(n));
    on("mute-master", "click", () => mute("all"));
    on("help", "click", () => help());
    on("share-link", "click", async (e) => {
      e.preventDefault();
      const u = shareUrl(), el = e.currentTarget;
      try { await navigator.clipboard.writeText(u); flash(el, "Link copied"); } catch (err) { prompt("Copy this link", u); }
    });
    nowPlaying();
    syncUi();
  }

  function flash(el, text) {
    const old = el.textContent;
    el.textContent = text;
    setTimeout(() => { el.textContent = old; }, 1800);
  }

  function mute(n) {
    muted[n] = !muted[n];
    applyGain(n === "all" ? "master" : n);
    writeUrl();
    syncUi();
  }

  // 1-4 (help dialog): focus the layer's volume; pressed again there, mute it.
  function layerKey(n) {
    const el = $(`vol-${n}`);
    if (el && document.activeElement !== el) el.focus();
    else mute(n);
  }

  function help() {
    const d = $("help-dialog");
    if (!d) return;
    if (d.open) d.close(); else d.showModal();
  }

  function nudgeMaster(delta) {
    level.master = Math.min(1, Math.max(0, level.master + delta));
    const el = $("vol-master");
    if (el) el.value = String(level.master * (Number(el.max) || 100));
    applyGain("master");
    writeUrl();
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const d = $("help-dialog");
    if (d && d.open && e.key !== "?") return;
    const tag = e.target.tagName || "";
    const field = /^(INPUT|SELECT|TEXTAREA)$/.test(tag) || e.target.isContentEditable;
    const clickable = field || /^(BUTTON|A|SUMMARY)$/.test(tag);
    const keys = {
      " ": () => { if (e !== firstEvent) toggle(); },
      ArrowLeft: () => step(-1), ArrowRight: () => step(1),
      ArrowUp: () => nudgeMaster(0.05), ArrowDown: () => nudgeMaster(-0.05),
      m: () => mute("all"), s: () => { state.shuffle = !state.shuffle; syncUi(); },
      "1": () => layerKey("main"), "2": () => layerKey("drums"), "3": () => layerKey("ambience"), "4": () => layerKey("quote"),
      "?": () => help(),
    };
    const fn = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key] || keys[e.key];
    if (!fn) return;
    const digitOnSlider = /^[1-4]$/.test(e.key) && e.target.type === "range";
    if ((e.key === " " ? clickable : field) && !digitOnSlider) return; // the focused control's own keys win
    e.preventDefault();
    fn();
  }

  // The first click or key press (not Tab/Escape/modifiers/help) starts the audio.
  function firstGesture(e) {
    if (e.type === "keydown" && (/^(Tab|Shift|Control|Alt|Meta|Escape|CapsLock|\?)$/.test(e.key) || e.key.startsWith("F"))) return;
    if (e.type === "click" && e.target.closest && e.target.closest("#help, #help-dialog, a[href]")) return;
    removeEventListener("click", firstGesture, true);
    removeEventListener("keydown", firstGesture, true);
    firstEvent = e;
    state.clickAt = performance.now();
    ensureStarted();
  }

  // Listen for the first gesture and for shortcuts (once the manifest has arrived).
  function listen() {
    addEventListener("click", firstGesture, true);
    addEventListener("keydown", firstGesture, true);
    document.addEventListener("keydown", onKey);
  }

  function fail(err) {
    state.error = String((err && err.message) || err);
    const np = $("now-playing");
    if (np) np.textContent = `Could not play: ${state.error}`;
    const box = $("loading");
    if (box) box.hidden = true;
    console.warn("lofipress:", err);
  }

  LP.ui = { showQuote, syncUi, nowPlaying, bindUi, mediaHandlers, listen, fail };
})();
