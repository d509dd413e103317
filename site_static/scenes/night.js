/* Night: a city skyline under stars. Three rows of buildings (far, mid, near) slide
 * at their own slow speeds; beacons blink on the antennas.
 * Notes: a melody note switches on a near window (pitch picks the window from left
 * to right) with a halo; a keys note a smaller mid-row window and a star flare; the
 * bass swells the city's glow at the horizon. */

import { darken, lighten, mix, paintSky, rgba, skyAt } from "./palette.js";
import { drawGlow, drawLayer, drawSliding, makeCachedLayer, makeGlowSprite, paintLayer, slideX } from "./layers.js";
import { Lights, Pulse, partOf, pitchToUnit, strengthOf } from "./notes.js";
import { paintCity } from "./city.js";
import { drawTwinklers, makeTwinklers, paintMoon, paintStars, starNear } from "./stars.js";

const SPEED_PX_S = { far: 1.5, mid: 4, near: 9 }; // slow: a camera drifting, not a train window

function create({ p, w, h, pal, rand, compact }) {
  const u = Math.max(0.55, Math.min(1.4, w / 1280)); // horizontal scale: phones get narrower buildings
  const sky0 = skyAt(pal, 0, 0.45);
  const rows = {};
  const row = (key, bottom, minH, maxH, minW, maxW, win, gap, lit, body, roofs) => {
    let found = null;
    const g = paintLayer(p, w, h, (ctx) => {
      found = paintCity(ctx, rand, pal, {
        widthPx: w, bottomPx: bottom, minHeightPx: minH, maxHeightPx: maxH, minWidthPx: minW * u,
        maxWidthPx: maxW * u, windowPx: win, gapPx: gap, litShare: lit, body, roofs,
      });
    }, bottom - maxH - 8 * win[1] - 10); // room above the tallest roof for tanks and antennas
    rows[key] = { g, ...found, offsetPx: rand() * w };
  };
  const tall = compact ? 1.25 : 1; // a portrait phone has more sky to fill
  row("far", h * 0.84, h * 0.16 * tall, h * 0.4 * tall, 36, 90, [2, 3], [3, 4], 0.16, mix(sky0.horizon, sky0.top, 0.55), false);
  row("mid", h * 0.93, h * 0.12 * tall, h * 0.32 * tall, 50, 120, [4, 6], [4, 5], 0.28, darken(sky0.top, 0.35), true);
  row("near", h + 2, h * 0.06, h * 0.2, 80, 170, [8, 11], [6, 7], 0.3, darken(sky0.top, 0.7), true);

  const starH = h * 0.7;
  const starLayer = paintLayer(p, w, starH, (ctx) => paintStars(ctx, rand, pal, w, starH));
  const moonPx = Math.round(Math.min(w, h) * 0.42);
  const moon = paintLayer(p, moonPx, moonPx, (ctx) => paintMoon(ctx, rand, pal, moonPx));
  const moonAt = [w * (compact ? 0.68 : 0.78) - moonPx / 2, h * (compact ? 0.15 : 0.2) - moonPx / 2];
  const twinklers = makeTwinklers(rand, w, h * 0.55, compact ? 22 : 45);
  const skyLayer = makeCachedLayer(p, w, h);
  const lights = new Lights(72);
  const bass = new Pulse();
  const noteRand = rand; // notes pick windows with the scene's own random source
  // note lights take the station's accents, so they stand apart from the cream windows already lit
  const warm = lighten(mix(pal.accent, pal.fg, 0.2), 0.25);
  const cool = lighten(mix(pal.accent2, pal.fg, 0.2), 0.25);
  const halo = { near: makeGlowSprite(p, warm), mid: makeGlowSprite(p, cool) };

  // A dark window near xPx on row r, and its neighbours on the same floor: a melody
  // note lights a whole flat, which reads from across the room where one window would not.
  function flatNear(r, xPx, size) {
    const band = Math.max(24, w * 0.05);
    const lit = new Set(lights.items.flatMap((l) => l.wins));
    const near = [];
    r.windows.forEach((win, i) => {
      if (!lit.has(win) && win.y < h * 0.97 && Math.abs(slideX(win.x, r.offsetPx, w) - xPx) < band) near.push(i);
    });
    const dark = near.filter((i) => !r.windows[i].lit);
    const pool = dark.length ? dark : near;
    if (!pool.length) return [];
    const first = pool[Math.floor(noteRand() * pool.length)];
    const floor = r.windows[first].y;
    return r.windows.slice(first, first + size).filter((win) => win.y === floor && !lit.has(win));
  }

  function drawLit(ctx, l) {
    const r = rows[l.row];
    const a = l.level * (0.5 + 0.5 * l.strength);
    const first = l.wins[0];
    const x0 = slideX(first.x, r.offsetPx, w);
    const spanPx = l.wins[l.wins.length - 1].x + first.w - first.x;
    ctx.globalCompositeOperation = "lighter";
    drawGlow(ctx, halo[l.row], x0 + spanPx / 2, first.y + first.h / 2, l.haloPx * (0.6 + 0.4 * l.level), 0.8 * a);
    ctx.globalCompositeOperation = "source-over";
    ctx.fillStyle = rgba(l.colour, Math.min(1, a * 1.4));
    for (const win of l.wins) ctx.fillRect(x0 + win.x - first.x - 1, win.y - 1, win.w + 2, win.h + 2);
  }

  return {
    draw(ctx, clock) {
      const sky = skyAt(pal, clock.dusk, 0.45);
      lights.step(clock.realDtS);
      bass.step(clock.realDtS, clock.beatS);
      for (const s of twinklers) s.flare *= Math.exp(-clock.realDtS / 0.6);
      for (const [key, r] of Object.entries(rows)) r.offsetPx += SPEED_PX_S[key] * u * clock.dtS;

      skyLayer.draw(ctx, Math.round(clock.dusk * 80), (c) => paintSky(c, sky, w, h));
      drawLayer(ctx, starLayer, 0, 0, sky.night);
      drawTwinklers(ctx, twinklers, pal, clock.tS, sky.night);
      drawLayer(ctx, moon, moonAt[0], moonAt[1]);
      drawSliding(ctx, rows.far.g, rows.far.offsetPx);
      // the city's light dome: warm haze over the far row, swelling with the bass
      const dome = ctx.createLinearGradient(0, h * 0.45, 0, h);
      const domeA = 0.16 + 0.3 * bass.value;
      dome.addColorStop(0, rgba(sky.horizon, 0));
      dome.addColorStop(1, rgba(mix(sky.horizon, pal.accent, 0.5), domeA));
      ctx.fillStyle = dome;
      ctx.fillRect(0, h * 0.45, w, h * 0.55);
      drawSliding(ctx, rows.mid.g, rows.mid.offsetPx);
      for (const l of lights.items) if (l.row === "mid") drawLit(ctx, l);
      drawSliding(ctx, rows.near.g, rows.near.offsetPx);
      for (const l of lights.items) if (l.row === "near") drawLit(ctx, l);
      if (bass.value > 0) { // the bass: the whole city glows up a little, softly, in front of every row
        ctx.globalCompositeOperation = "lighter";
        drawGlow(ctx, halo.near, w / 2, h * 0.95, Math.max(w, h) * 0.6, 0.22 * bass.value);
        ctx.globalCompositeOperation = "source-over";
      }
      const blink = clock.still || Math.sin(clock.tS * Math.PI) > 0.3; // on ~40% of each 2 s
      if (blink) {
        ctx.fillStyle = rgba(mix(pal.accent, [255, 60, 40], 0.5), 0.9);
        for (const key of ["mid", "near"]) {
          for (const b of rows[key].beacons) ctx.fillRect(slideX(b.x, rows[key].offsetPx, w) - 1.5, b.y - 1.5, 3, 3);
        }
      }
      return lights.alive || bass.alive || twinklers.some((s) => s.flare > 0.02);
    },

    note(ev) {
      const part = partOf(ev);
      const s = strengthOf(ev);
      const xPx = pitchToUnit(ev.pitch) * w;
      if (part === "bass") { bass.hit(0.5 * s + 0.2); return; }
      const key = part === "melody" ? "near" : "mid";
      const wins = flatNear(rows[key], xPx, part === "melody" ? 3 : 1);
      if (wins.length) {
        lights.add({
          row: key, wins, strength: s, colour: part === "melody" ? warm : cool,
          haloPx: (part === "melody" ? 60 + 60 * s : 20 + 24 * s) * Math.max(0.7, u),
        }, ev.durS);
      }
      if (part === "keys") {
        const star = starNear(twinklers, noteRand, xPx, w * 0.08);
        if (star) star.flare = Math.min(1, star.flare + 0.6 * s + 0.2);
      }
    },

    dispose() {
      for (const r of Object.values(rows)) r.g.remove();
      starLayer.remove();
      skyLayer.remove();
      halo.near.remove();
      halo.mid.remove();
      moon.remove();
    },
  };
}

export default { name: "night", create };
