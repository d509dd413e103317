/* lofipress player: the page. The bar over the scene (title, play, previous/next), the mixer
 * panel (layers, volumes, share, downloads), "just the scene", now playing, the quote's words,
 * loading progress and errors. Everything audible goes through transport.js. */
import { $, app, S, state, params, emit, on, byId, mainItem, abs } from "./core.js";
import { applyGain } from "./mixer.js";
import { loopSrc, VOLS, shareUrl, writeUrl } from "./plan.js";
import { progressOf, watchBytes } from "./loader.js";
import { armStation, toggle, step, changed } from "./transport.js";

const LAYER_LABELS = { main: "music", drums: "drums", ambience: "ambience", quote: "quote", master: "everything" };
const setText = (id, v) => { const e = $(id); if (e) e.textContent = v; };
const setPressed = (id, v) => { const b = $(id); if (b) b.setAttribute("aria-pressed", String(!!v)); };

export function showQuote(item) {
  setText("quote-text", item ? `“${item.text}”` : "");
  setText("quote-speaker", item && item.speaker ? `— ${item.speaker}` : "");
  app.classList.toggle("has-quote", !!item);
}

export function syncUi() {
  const { M, sel, muted } = S;
  const play = $("play");
  if (play) {
    const label = state.pending ? "Loading" : state.playing ? "Pause" : "Play";
    play.textContent = label;
    play.setAttribute("aria-label", label === "Loading" ? "Loading, will play when ready" : label);
    play.dataset.state = state.pending ? "pending" : state.playing ? "playing" : "paused";
  }
  setPressed("shuffle", state.shuffle);
  setPressed("station-mode", state.station);
  setPressed("scene-only", state.sceneOnly);
  for (const n of [...Object.keys(LAYER_LABELS)]) {
    const b = $(`mute-${n}`), off = n === "master" ? muted.all : muted[n];
    if (!b) continue;
    b.textContent = off ? "Unmute" : "Mute";
    b.setAttribute("aria-label", `${off ? "Unmute" : "Mute"} ${LAYER_LABELS[n]}`);
    b.classList.toggle("is-muted", off);
  }
  const v = (id, val) => { const e = $(id); if (e && val != null) e.value = val; };
  v("track-select", sel.track);
  for (const b of document.querySelectorAll(".tracklist [data-track]")) {
    const now = sel.source !== "live" && b.dataset.track === sel.track;
    if (now) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
  }
  v("song-select", sel.song);
  v("drums-select", sel.drums || "");
  // An AI track is offered only the drums rendered at its tempo; a live song follows the drums' tempo.
  const drumsEl = $("drums-select"), track = sel.source !== "live" && M && mainItem();
  if (drumsEl) for (const o of drumsEl.options) o.disabled = !!(track && o.value && !loopSrc(byId(M.drums, o.value), track.bpm));
  v("ambience-select", sel.ambience || "");
  v("quote-select", sel.quote || "");
  const ai = $("source-ai"), live = $("source-live"), song = $("song-select");
  if (ai) ai.checked = sel.source !== "live";
  if (live) live.checked = sel.source === "live";
  if (song) song.disabled = sel.source !== "live";
  const root = document.documentElement;
  root.classList.toggle("is-playing", state.playing);
  root.classList.toggle("scene-only", state.sceneOnly);
  emit("play", { playing: state.playing });
  emit("media");
}

export function nowPlaying() {
  const { M, sel } = S;
  const m = mainItem();
  if (!m) return;
  const live = sel.source === "live";
  setText("np-title", m.title);
  setText("np-kind", live ? "Live song, played in your browser" : "AI track");
  setText("np-key", m.key || "");
  setText("np-bpm", String(Math.round((S.deck ? state.bpm : 0) || m.bpm)));
  const link = (id, href, name) => {
    const a = $(id);
    if (!a) return;
    a.hidden = !href;
    if (href) a.href = abs(href);
    if (name) a.setAttribute("download", name); else a.removeAttribute("download");
  };
  // A live song has no MP3 and no track page of its own: its links must not point at an AI track.
  const track = live ? null : byId(M.tracks, sel.track);
  link("dl-mp3", track && track.audio.src, track && `${track.id}.mp3`);
  link("track-page", track && track.page);
  link("dl-midi", m.midi, m.midi && `${m.id}.mid`);
  emit("media");
}

// ---- the mixer panel and "just the scene"
export function setPanel(open, focus = true) {
  const panel = $("mixer"), btn = $("mixer-toggle");
  if (!panel) return;
  state.panel = open;
  panel.hidden = !open;
  if (btn) btn.setAttribute("aria-expanded", String(open));
  document.documentElement.classList.toggle("panel-open", open);
  if (open && focus) (panel.querySelector("h2") || panel).focus();
  else if (!open && focus && btn) btn.focus();
}

export function setSceneOnly(on) {
  state.sceneOnly = on;
  if (on) setPanel(false, false);
  syncUi();
  const b = $("scene-only");
  if (b) b.focus();
}

// ---- progress while a tap waits for audio
let stopWatch = null;
function showPending(detail) {
  const box = $("loading"), bar = $("load-progress"), play = $("play");
  if (stopWatch) { stopWatch(); stopWatch = null; }
  if (!detail) { if (box) box.hidden = true; if (play) play.style.removeProperty("--progress"); syncUi(); return; }
  const show = () => {
    const p = progressOf(detail.srcs);
    if (bar) { bar.value = Math.round(p * 100); bar.textContent = `${Math.round(p * 100)} %`; }
    if (play) play.style.setProperty("--progress", `${Math.round(p * 100)}%`);
  };
  if (box) box.hidden = false;
  show();
  stopWatch = watchBytes(show);
  syncUi();
}

function mute(n) {
  S.muted[n] = !S.muted[n];
  applyGain(n === "all" ? "master" : n);
  writeUrl();
  syncUi();
}

function flash(el, text) {
  const old = el.textContent;
  el.textContent = text;
  setTimeout(() => { el.textContent = old; }, 1800);
}

export function help() {
  const d = $("help-dialog");
  if (d) { if (d.open) d.close(); else d.showModal(); }
}

export function bindUi() {
  const { sel, level } = S;
  const bind = (id, type, fn) => { const e = $(id); if (e) e.addEventListener(type, fn); };
  bind("play", "click", () => toggle());
  bind("prev", "click", () => step(-1));
  bind("next", "click", () => step(1));
  bind("mixer-toggle", "click", () => setPanel(!state.panel));
  bind("mixer-close", "click", () => setPanel(false));
  bind("scene-only", "click", () => setSceneOnly(!state.sceneOnly));
  bind("shuffle", "click", () => { state.shuffle = !state.shuffle; S.nextSel = null; armStation(); writeUrl(); syncUi(); });
  bind("station-mode", "click", () => { state.station = !state.station; armStation(); writeUrl(); syncUi(); });
  bind("track-select", "change", (e) => { sel.track = e.target.value; sel.source = "ai"; changed(true); });
  // The track list plays a track in place (its page is the "about" link beside it).
  for (const b of document.querySelectorAll(".tracklist [data-track]")) {
    b.addEventListener("click", () => {
      sel.track = b.dataset.track; sel.source = "ai";
      changed(true);
      if (!state.playing && !state.pending) toggle();
    });
  }
  bind("song-select", "change", (e) => { sel.song = e.target.value; changed(sel.source === "live"); });
  for (const id of ["source-ai", "source-live"]) {
    bind(id, "change", (e) => { if (e.target.checked) { sel.source = id === "source-live" ? "live" : "ai"; changed(true); } });
  }
  for (const n of ["drums", "ambience", "quote"]) bind(`${n}-select`, "change", (e) => { sel[n] = e.target.value || null; changed(false); });
  for (const n of VOLS) {
    const el = $(`vol-${n}`);
    if (!el) continue;
    const max = Number(el.max) || 100;
    if (params.has(`v${n}`)) el.value = String(level[n] * max); else level[n] = Number(el.value) / max;
    el.addEventListener("input", () => { level[n] = Number(el.value) / max; applyGain(n); writeUrl(); });
    applyGain(n);
  }
  for (const n of ["main", "drums", "ambience", "quote"]) bind(`mute-${n}`, "click", () => mute(n));
  bind("mute-master", "click", () => mute("all"));
  bind("help", "click", () => help());
  bind("share-link", "click", async (e) => {
    e.preventDefault();
    const u = shareUrl(), el = e.currentTarget;
    try { await navigator.clipboard.writeText(u); flash(el, "Link copied"); } catch (err) { prompt("Copy this link", u); }
  });
  on("sync", syncUi);
  on("nowplaying", nowPlaying);
  on("quote", showQuote);
  on("pending", showPending);
  on("error", fail);
  setPanel(state.panel, false);
  nowPlaying();
  syncUi();
}

export { mute };

export function fail(err) {
  state.error = String((err && err.message) || err);
  setText("np-kind", `Could not play: ${state.error}`);
  const box = $("loading");
  if (box) box.hidden = true;
  state.pending = false;
  syncUi();
  console.warn("lofipress:", err);
}
