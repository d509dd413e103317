/* lofipress: the player page's first script, tiny and loaded before everything else. From the
 * moment the page is parsed, a tap on Play is remembered (and the button says so) even while
 * the player's modules are still on their way: no tap is lost on a slow network. The audio
 * context is made here, suspended, so that tap can resume it as a user gesture; the player
 * (static/player/core.js) hands the same context to Tone.js. */
(() => {
  "use strict";
  const B = window.lofipressBoot = { usableAt: null, taps: [], ctx: null, player: false };
  const AC = window.AudioContext || window.webkitAudioContext;
  // 44.1 kHz: decodeAudioData then returns exactly the sample counts the build wrote (no resampling).
  try { B.ctx = AC ? new AC({ sampleRate: 44100, latencyHint: "playback" }) : null; } catch (e) { B.ctx = null; }
  document.addEventListener("click", (e) => {
    const btn = !B.player && e.target.closest && e.target.closest("#play");
    if (!btn) return;
    B.taps.push(performance.now());
    if (B.ctx && B.ctx.state !== "running") B.ctx.resume().catch(() => {});
    btn.dataset.state = "pending";
    btn.textContent = "Loading";
    btn.setAttribute("aria-label", "Loading, will play when ready");
  }, true);
  const usable = () => { if (B.usableAt == null) B.usableAt = performance.now(); };
  if (document.readyState === "loading") document.addEventListener("readystatechange", usable, { once: true });
  else usable();
})();
