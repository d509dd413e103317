/* lofipress scenes: the illustrated backdrop behind the player, drawn with p5 (v2,
 * instance mode). One module per scene family; this one mounts p5 and feeds the
 * scene on screen from the player's state and events.
 *
 * Contract
 *   mountScenes(host, lp) -> { dispose() }
 *   host: the <div id="visual" aria-hidden="true"> filling the viewport behind the UI;
 *         the canvas is created inside it, sized to it, and removed by dispose().
 *   lp:   the player's public API (window.lofipress), read only:
 *         lp.state.visual (scene name), lp.state.playing, lp.state.bpm, and
 *         lp.on(type, fn) with "scene" {visual, bpm}, "play" {playing} and
 *         "note" {pitch, vel, part: "keys"|"melody"|"bass", durS} (notes come in
 *         animation frames through Tone.getDraw, in time with the music).
 *   window.p5 must be loaded first. Scenes never touch the transport or audio.
 *   Names: rain, fire, wind, water, night, calm; any other name draws calm.
 *   host.dataset.scene names the scene on screen once it is drawn.
 *
 * Every scene module's default export is {name, create(env)}, and create returns
 * {draw(ctx, clock) -> alive, note(ev), dispose()}: paint static layers once in
 * create, draw a frame from the clock, answer a note; alive says note lights are
 * still fading. Colours: --bg --fg --accent --accent2 on <html>, read per build.
 * Pacing: at most 30 fps, pixel density 1, nothing drawn while document.hidden.
 * prefers-reduced-motion: reduce: a still picture (the clock stops), redrawn on
 * scene change, resize and notes, at most 1 fps while note lights fade. */

import calm from "./calm.js";
import fire from "./fire.js";
import night from "./night.js";
import rain from "./rain.js";
import water from "./water.js";
import wind from "./wind.js";
import { duskAt, readPalette } from "./palette.js";
import { makeRand, seedOf } from "./layers.js";

const SCENES = { rain, fire, wind, water, night, calm };
export const SCENE_NAMES = Object.keys(SCENES);

const FPS_PLAYING = 30; // the cap: a phone keeps its battery and the music its CPU
const FPS_PAUSED = 20; // the picture lives on while paused, at less cost
const FPS_STILL = 1; // reduced motion: note lights fade in steps, nothing moves
const MAX_STEP_S = 0.25; // after a stall (tab switch, slow phone) time jumps at most this far
const REBUILD_DELAY_MS = 150; // a window drag fires many resizes; repaint layers once it settles

/** The scene drawn for a name: itself when known, else calm. */
export function sceneFor(name) {
  return Object.hasOwn(SCENES, name) ? name : "calm";
}

/** Mount the backdrop in host, driven by the player API lp; returns {dispose()}. */
export function mountScenes(host, lp) {
  const reduce = matchMedia("(prefers-reduced-motion: reduce)");
  const live = { name: sceneFor(lp.state.visual), playing: !!lp.state.playing, bpm: Number(lp.state.bpm) || 80 };
  let p = null; // the p5 instance once setup has run
  let scene = null;
  let alive = false; // note lights still fading
  let looping = true; // p5 starts looping; setup settles it
  let disposed = false;
  let motionS = 0; // scene time: stands still under reduced motion
  let lastMs = performance.now();
  let rebuildTimer = 0;
  let redrawQueued = false;

  const still = () => reduce.matches;
  const size = () => [Math.max(1, host.clientWidth || innerWidth), Math.max(1, host.clientHeight || innerHeight)];

  function build() {
    if (scene) scene.dispose();
    scene = null;
    const [w, h] = size();
    const env = { p, w, h, pal: readPalette(), rand: makeRand(seedOf(live.name)), compact: w < 640 };
    alive = false;
    try {
      scene = SCENES[live.name].create(env);
    } catch (err) {
      // a broken scene must not leave the page without a backdrop; the error still shows
      console.error(`lofipress scenes: "${live.name}" failed to build`, err);
      if (live.name === "calm") throw err;
      live.name = "calm";
      build();
    }
  }

  function setLoop(on, fps) {
    if (on) {
      p.frameRate(fps);
      if (!looping) { lastMs = performance.now(); p.loop(); }
    } else if (looping) {
      p.noLoop();
    }
    looping = on;
  }

  function pace() {
    if (!p || disposed) return;
    if (document.hidden) setLoop(false);
    else if (still()) setLoop(alive, FPS_STILL);
    else setLoop(true, live.playing ? FPS_PLAYING : FPS_PAUSED);
  }

  // One redraw for a burst of events (a chord is several notes in one frame). A running
  // loop draws them anyway, except the still loop: at 1 fps a note would wait a second.
  function requestRedraw() {
    if (!p || disposed || redrawQueued || document.hidden || (looping && !still())) return;
    redrawQueued = true;
    requestAnimationFrame(() => {
      redrawQueued = false;
      if (disposed) return;
      if (!looping) lastMs = performance.now(); // an idle still picture: no time passed for the lights
      p.redraw();
      pace(); // under reduced motion, fading note lights keep a 1 fps loop going
    });
  }

  const sketch = (inst) => {
    inst.setup = () => {
      p = inst;
      inst.pixelDensity(1); // a soft backdrop: a retina canvas would cost 4x the pixels for no gain
      inst.createCanvas(...size());
      build();
      pace();
    };

    inst.draw = () => {
      if (disposed || !scene) return;
      const now = performance.now();
      const realDtS = Math.min(still() ? 1.5 : MAX_STEP_S, (now - lastMs) / 1000);
      lastMs = now;
      const dtS = still() ? 0 : realDtS;
      motionS += dtS;
      const clock = {
        tS: motionS, dtS, realDtS, still: still(), playing: live.playing, bpm: live.bpm,
        beatS: 60 / live.bpm, dusk: duskAt(motionS),
      };
      alive = scene.draw(inst.drawingContext, clock);
      if (host.dataset.scene !== live.name) host.dataset.scene = live.name;
      if (still() && !alive) pace();
    };

    inst.windowResized = () => {
      if (!scene) return;
      inst.resizeCanvas(...size(), true);
      clearTimeout(rebuildTimer);
      rebuildTimer = setTimeout(() => { if (!disposed) { build(); requestRedraw(); } }, REBUILD_DELAY_MS);
      requestRedraw();
    };
  };

  const onScene = (d) => {
    if (disposed) return;
    if (d && Number(d.bpm) > 0) live.bpm = Number(d.bpm);
    const next = sceneFor(d && d.visual);
    if (next === live.name && scene) return;
    live.name = next;
    if (!p) return; // setup will build it
    build();
    requestRedraw();
  };
  const onPlay = (d) => {
    live.playing = !!(d && d.playing);
    pace();
  };
  const onNote = (ev) => {
    if (disposed || !scene || !ev) return;
    scene.note(ev);
    alive = true;
    if (still()) requestRedraw();
  };
  const onVisibility = () => pace();
  const onMotion = () => { pace(); requestRedraw(); };

  const offs = [lp.on("scene", onScene), lp.on("play", onPlay), lp.on("note", onNote)];
  document.addEventListener("visibilitychange", onVisibility);
  reduce.addEventListener("change", onMotion);
  const instance = new window.p5(sketch, host);

  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(rebuildTimer);
      document.removeEventListener("visibilitychange", onVisibility);
      reduce.removeEventListener("change", onMotion);
      // lp.on may hand back an unsubscribe function; the handlers are inert either way
      for (const off of offs) if (typeof off === "function") off();
      if (scene) scene.dispose();
      scene = null;
      instance.remove();
      delete host.dataset.scene;
    },
  };
}
