/* Calm (also any ambience without a scene of its own): a rooftop at dusk. A low moon
 * behind a quiet skyline, two bands of clouds drifting at their own speeds, a parapet
 * with potted plants and a cat whose tail sways, and strings of bulbs overhead.
 * Notes: each note lights a bulb (pitch picks it, left to right): melody the front
 * string, big and warm; keys the back string, smaller and cooler; the bass makes
 * every bulb breathe together. */

import { darken, mix, paintSky, rgba, skyAt } from "./palette.js";
import { drawGlow, drawLayer, drawSliding, makeCachedLayer, makeGlowSprite, paintLayer } from "./layers.js";
import { Pulse, partOf, pitchToUnit, strengthOf } from "./notes.js";
import { paintCity } from "./city.js";
import { paintClouds } from "./clouds.js";
import { paintMoon } from "./stars.js";

const CLOUD_PX_S = { far: 2.5, near: 6 };
const BULB_FADE_S = 1.8; // a bulb dims over this long after its note

function create({ p, w, h, pal, rand, compact }) {
  const u = Math.max(0.55, Math.min(1.4, w / 1280)); // horizontal scale: phones get narrower buildings
  const sky0 = skyAt(pal, 0.6, 0.9);
  const ledgeY = h * (compact ? 0.74 : 0.8); // on a phone the cat's ledge sits over the bar (its top at ~0.82)
  const moonPx = Math.round(Math.min(w, h) * 0.7);
  const moon = paintLayer(p, moonPx, moonPx, (ctx) => paintMoon(ctx, rand, pal, moonPx));
  const moonAt = [w * (compact ? 0.35 : 0.3) - moonPx / 2, ledgeY - h * 0.3 - moonPx / 2];
  const cloudLayer = (count, sizePx, alpha, rim) => paintLayer(p, w, h * 0.5, (ctx) => paintClouds(ctx, rand, {
    widthPx: w, heightPx: h * 0.5, count, sizePx, body: mix(sky0.middle, pal.accent, 0.15), rim, alpha,
    shade: darken(sky0.middle, 0.3),
  }));
  const clouds = {
    far: { g: cloudLayer(compact ? 3 : 6, Math.min(w, h) * 0.05, 0.35, mix(pal.accent, pal.fg, 0.5)), offsetPx: 0 },
    near: { g: cloudLayer(compact ? 2 : 4, Math.min(w, h) * 0.09, 0.5, mix(pal.fg, pal.accent, 0.3)), offsetPx: w * 0.4 },
  };
  const skyline = paintLayer(p, w, h, (ctx) => paintCity(ctx, rand, pal, {
    widthPx: w, bottomPx: ledgeY + 4, minHeightPx: h * 0.08, maxHeightPx: h * 0.3, minWidthPx: 40 * u, maxWidthPx: 110 * u,
    windowPx: [3, 4], gapPx: [4, 5], litShare: 0.22, body: mix(sky0.horizon, darken(sky0.top, 0.4), 0.6), roofs: true,
  }), ledgeY - h * 0.4);
  const roof = paintLayer(p, w, h, (ctx) => paintRooftop(ctx, rand, pal, w, h, ledgeY, compact), ledgeY - h * 0.15);
  const cat = { x: w * (compact ? 0.72 : 0.68), y: ledgeY, s: Math.max(0.7, Math.min(1.3, w / 1280)) };
  const strings = [
    makeString(rand, w, h * 0.16, h * 0.24, h * 0.1, compact ? 8 : 16, 1.3),
    makeString(rand, w, h * 0.3, h * 0.22, h * 0.07, compact ? 7 : 14, 0.85),
  ];
  const skyLayer = makeCachedLayer(p, w, h);
  const bass = new Pulse();
  const warm = mix(pal.fg, pal.accent, 0.35);
  const cool = mix(pal.fg, pal.accent2, 0.5);
  const sprites = new Map([[warm, makeGlowSprite(p, warm)], [cool, makeGlowSprite(p, cool)]]);

  function drawString(ctx, str, tS, colour, still) {
    const swayPx = still ? 0 : Math.sin(tS * 0.5 + str.phase) * 3;
    ctx.strokeStyle = rgba(darken(sky0.top, 0.5), 0.9);
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    ctx.moveTo(-10, str.y0);
    ctx.quadraticCurveTo(w / 2, str.ctrlY + swayPx * 2, w + 10, str.y1);
    ctx.stroke();
    for (const b of str.bulbs) {
      const [x, y] = str.at(b.t, swayPx);
      const hum = still ? 0.5 : 0.5 + 0.12 * Math.sin(tS * 1.3 + b.phase); // filament shimmer
      const lit = Math.min(1, b.level + bass.value * 0.35);
      const r = str.sizePx * (1 + lit * 0.5);
      ctx.globalCompositeOperation = "lighter";
      drawGlow(ctx, sprites.get(colour), x, y + r, r * (3 + lit * 9), 0.12 * hum + 0.5 * lit);
      ctx.globalCompositeOperation = "source-over";
      ctx.fillStyle = rgba(mix(colour, [255, 255, 255], 0.2 + 0.5 * lit), 0.55 + 0.45 * Math.max(hum, lit));
      ctx.beginPath();
      ctx.ellipse(x, y + r, r * 0.7, r, 0, 0, Math.PI * 2);
      ctx.fill();
    }
  }

  return {
    draw(ctx, clock) {
      const sky = skyAt(pal, 0.35 + 0.65 * clock.dusk, 0.9); // calm sits nearer dusk than night does
      bass.step(clock.realDtS, clock.beatS);
      for (const str of strings) for (const b of str.bulbs) b.level = Math.max(0, b.level - clock.realDtS / BULB_FADE_S);
      clouds.far.offsetPx += CLOUD_PX_S.far * clock.dtS;
      clouds.near.offsetPx += CLOUD_PX_S.near * clock.dtS;
      skyLayer.draw(ctx, Math.round(clock.dusk * 80), (c) => {
        paintSky(c, sky, w, ledgeY);
        c.fillStyle = rgba(sky.horizon);
        c.fillRect(0, ledgeY, w, h - ledgeY);
      });
      drawLayer(ctx, moon, moonAt[0], moonAt[1], 0.9);
      drawSliding(ctx, clouds.far.g, clouds.far.offsetPx, h * 0.05);
      drawLayer(ctx, skyline, 0, 0);
      drawSliding(ctx, clouds.near.g, clouds.near.offsetPx, -h * 0.05);
      drawLayer(ctx, roof, 0, 0);
      drawCatTail(ctx, cat, clock.tS, darken(sky0.top, 0.75), clock.still);
      drawString(ctx, strings[1], clock.tS, cool, clock.still);
      drawString(ctx, strings[0], clock.tS, warm, clock.still);
      if (bass.value > 0) {
        // the rooftop takes the bulbs' light on each bass note
        const g = ctx.createLinearGradient(0, ledgeY - h * 0.25, 0, h);
        g.addColorStop(0, rgba(warm, 0));
        g.addColorStop(1, rgba(warm, 0.22 * bass.value));
        ctx.fillStyle = g;
        ctx.fillRect(0, ledgeY - h * 0.25, w, h);
      }
      return bass.alive || strings.some((s) => s.bulbs.some((b) => b.level > 0));
    },

    note(ev) {
      const part = partOf(ev);
      const s = strengthOf(ev);
      if (part === "bass") { bass.hit(0.45 * s + 0.2); return; }
      const str = strings[part === "melody" ? 0 : 1];
      const i = Math.round(pitchToUnit(ev.pitch) * (str.bulbs.length - 1));
      str.bulbs[i].level = Math.min(1, str.bulbs[i].level + 0.4 + s);
    },

    dispose() {
      for (const g of [moon, clouds.far.g, clouds.near.g, skyline, roof, skyLayer, ...sprites.values()]) g.remove();
    },
  };
}

// A string of bulbs hanging in a curve from the left edge to the right edge.
function makeString(rand, w, y0, y1, sagPx, count, sizeScale) {
  const ctrlY = (y0 + y1) / 2 + sagPx * 2; // a quadratic's control point sits twice the sag below
  const bulbs = Array.from({ length: count }, (_, k) => ({ t: (k + 0.5) / count, phase: rand() * 6.28, level: 0 }));
  const at = (t, swayPx) => {
    const a = (1 - t) * (1 - t), b = 2 * (1 - t) * t, c = t * t;
    return [a * -10 + b * (w / 2) + c * (w + 10), a * y0 + b * (ctrlY + swayPx * 2) + c * y1];
  };
  return { y0, y1, ctrlY, bulbs, at, phase: rand() * 6.28, sizePx: 4 * sizeScale * Math.max(0.8, Math.min(1.3, w / 1280)) };
}

function paintRooftop(ctx, rand, pal, w, h, ledgeY, compact) {
  const wall = darken(mix(pal.bg, pal.accent, 0.12), 0.55);
  ctx.fillStyle = rgba(wall);
  ctx.fillRect(0, ledgeY, w, h - ledgeY);
  ctx.fillStyle = rgba(darken(wall, 0.3));
  ctx.fillRect(0, ledgeY, w, 6); // the coping stone's shadowed lip
  ctx.fillStyle = rgba(mix(wall, pal.fg, 0.12));
  ctx.fillRect(0, ledgeY - 3, w, 3); // and its top catching the last light
  // bricks: rows of offset joints, faint, so the wall reads as brick without noise
  ctx.strokeStyle = rgba(darken(wall, 0.35), 0.6);
  ctx.lineWidth = 1;
  const brickH = 14, brickW = 38;
  for (let y = ledgeY + 6, row = 0; y < h; y += brickH, row++) {
    ctx.beginPath();
    ctx.moveTo(0, y); ctx.lineTo(w, y);
    for (let x = (row % 2) * brickW / 2; x < w; x += brickW) { ctx.moveTo(x, y); ctx.lineTo(x, y + brickH); }
    ctx.stroke();
  }
  const leaf = darken(mix(pal.accent2, pal.bg, 0.4), 0.45);
  const pots = compact ? [0.1, 0.42] : [0.08, 0.2, 0.44, 0.86];
  for (const u of pots) paintPlant(ctx, rand, w * u, ledgeY - 3, rand.range(0.8, 1.4) * Math.min(1.2, h / 700), leaf, pal);
  paintCat(ctx, w * (compact ? 0.72 : 0.68), ledgeY - 3, Math.max(0.7, Math.min(1.3, w / 1280)), darken(wall, 0.7));
}

function paintPlant(ctx, rand, x, y, s, leaf, pal) {
  ctx.fillStyle = rgba(darken(mix(pal.accent, pal.bg, 0.4), 0.35));
  ctx.beginPath(); // a clay pot, narrower at the foot
  ctx.moveTo(x - 16 * s, y - 30 * s); ctx.lineTo(x + 16 * s, y - 30 * s);
  ctx.lineTo(x + 11 * s, y); ctx.lineTo(x - 11 * s, y); ctx.fill();
  ctx.fillStyle = rgba(leaf);
  for (let i = 0; i < 9; i++) {
    const a = -Math.PI / 2 + rand.range(-1.1, 1.1);
    const len = rand.range(22, 46) * s;
    ctx.save();
    ctx.translate(x, y - 30 * s);
    ctx.rotate(a + Math.PI / 2);
    ctx.beginPath();
    ctx.ellipse(0, -len / 2, len * 0.16, len / 2, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }
}

function paintCat(ctx, x, y, s, fur) {
  ctx.fillStyle = rgba(fur);
  ctx.beginPath(); ctx.ellipse(x, y - 20 * s, 17 * s, 21 * s, 0, 0, Math.PI * 2); ctx.fill(); // body
  ctx.beginPath(); ctx.arc(x + 2 * s, y - 46 * s, 11 * s, 0, Math.PI * 2); ctx.fill(); // head
  for (const side of [-1, 1]) { // ears
    ctx.beginPath();
    ctx.moveTo(x + 2 * s + side * 3 * s, y - 54 * s);
    ctx.lineTo(x + 2 * s + side * 10 * s, y - 64 * s);
    ctx.lineTo(x + 2 * s + side * 11 * s, y - 48 * s);
    ctx.fill();
  }
}

function drawCatTail(ctx, cat, tS, fur, still) {
  const swing = still ? 0.3 : Math.sin(tS * 0.9) * 0.8; // a slow, contented swish
  const { x, y, s } = cat;
  ctx.strokeStyle = rgba(fur);
  ctx.lineWidth = 5 * s;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(x + 12 * s, y - 6 * s);
  ctx.quadraticCurveTo(x + 30 * s, y + 8 * s, x + 30 * s + swing * 10 * s, y + 30 * s);
  ctx.stroke();
  ctx.lineCap = "butt";
}

export default { name: "calm", create };
