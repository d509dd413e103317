/* Wind: rolling hills at dusk. Clouds race at two heights, far and mid hills sway a
 * little with the camera, a wind turbine turns on the ridge, grass leans and waves.
 * Notes: a melody note throws a glowing petal up from the grass (pitch: where across
 * the field) and the wind carries it off; a keys note wakes a firefly there; the bass
 * is a gust: the grass bends further and the turbine hurries. */

import { darken, lighten, mix, paintSky, rgba, skyAt } from "./palette.js";
import { drawGlow, drawLayer, drawSliding, fillRidge, glow, makeCachedLayer, makeGlowSprite, paintLayer, ridge, swayPx } from "./layers.js";
import { Lights, Pulse, partOf, pitchToUnit, strengthOf } from "./notes.js";
import { paintClouds } from "./clouds.js";

const CLOUD_PX_S = { far: 5, near: 14 }; // a windy sky moves where the night sky only drifts
const SWAY_PX = 14; // the camera's sideways breath at the nearest layer
const WIND_PX_S = 70; // how fast a petal is carried to the right

function create({ p, w, h, pal, rand, compact }) {
  const sky0 = skyAt(pal, 0.7, 0.7);
  const step = 8;
  const farYs = ridge(rand, w + 2 * SWAY_PX, step, h * 0.62, h * 0.04, 3);
  const midYs = ridge(rand, w + 2 * SWAY_PX, step, h * 0.74, h * 0.05, 2);
  const nearYs = ridge(rand, w, step, h * 0.86, h * 0.035, 2);
  const farCol = darken(mix(mix(sky0.middle, sky0.horizon, 0.5), pal.accent2, 0.3), 0.15); // hazy: the air between pales far hills
  const midCol = darken(mix(pal.accent2, pal.bg, 0.55), 0.35);
  const nearCol = darken(mix(pal.accent2, pal.bg, 0.5), 0.65);
  const sunPx = Math.round(Math.min(w, h) * 0.5);
  const sun = paintLayer(p, sunPx, sunPx, (ctx) => {
    const c = sunPx / 2;
    glow(ctx, c, c, c, rgba(pal.accent, 0.35), rgba(pal.accent, 0));
    ctx.fillStyle = rgba(lighten(mix(pal.accent, pal.fg, 0.5), 0.2));
    ctx.beginPath(); ctx.arc(c, c, sunPx * 0.09, 0, Math.PI * 2); ctx.fill();
  });
  const cloud = (count, sizePx, alpha) => paintLayer(p, w, h * 0.55, (ctx) => paintClouds(ctx, rand, {
    widthPx: w, heightPx: h * 0.55, count, sizePx, alpha,
    body: mix(sky0.middle, pal.fg, 0.12), rim: mix(pal.fg, pal.accent, 0.4), shade: darken(sky0.middle, 0.25),
  }));
  const clouds = { far: { g: cloud(compact ? 4 : 8, Math.min(w, h) * 0.045, 0.45), offsetPx: 0 },
    near: { g: cloud(compact ? 2 : 4, Math.min(w, h) * 0.08, 0.6), offsetPx: w * 0.3 } };
  const far = paintLayer(p, w + 2 * SWAY_PX, h, (ctx) => fillRidge(ctx, farYs, step, h, rgba(farCol)), h * 0.5);
  const turbine = { x: w * (compact ? 0.3 : 0.22) + SWAY_PX, lenPx: Math.min(w, h) * 0.07, angle: 0 };
  turbine.y = midYs[Math.round(turbine.x / step)] - turbine.lenPx * 1.6;
  const mid = paintLayer(p, w + 2 * SWAY_PX, h, (ctx) => paintMidHill(ctx, rand, pal, midYs, step, h, midCol, turbine, compact),
    Math.min(Math.min(...midYs) - h * 0.08, turbine.y - 4)); // above the tallest tree
  const blades = makeGrass(rand, nearYs, step, w, h, compact);
  const skyLayer = makeCachedLayer(p, w, h * 0.8);
  const petals = new Lights(60);
  const flies = new Lights(40);
  const gust = new Pulse();
  const petalCol = mix(pal.accent, pal.fg, 0.3);
  const flyCol = lighten(mix(pal.accent2, pal.fg, 0.5), 0.2);
  const petalGlow = makeGlowSprite(p, petalCol);
  const gustGlow = makeGlowSprite(p, mix(pal.accent, pal.fg, 0.4));
  const flyGlow = makeGlowSprite(p, flyCol);
  const nearYAt = (x) => nearYs[Math.max(0, Math.min(nearYs.length - 1, Math.round(x / step)))];

  return {
    draw(ctx, clock) {
      const sky = skyAt(pal, 0.4 + 0.6 * clock.dusk, 0.7); // wind sits at sunset's end
      const dt = clock.dtS;
      petals.step(clock.realDtS);
      flies.step(clock.realDtS);
      gust.step(clock.realDtS, clock.beatS * 2);
      clouds.far.offsetPx += CLOUD_PX_S.far * (1 + gust.value) * dt;
      clouds.near.offsetPx += CLOUD_PX_S.near * (1 + gust.value) * dt;
      turbine.angle += (0.6 + 2.5 * gust.value) * dt;
      const camX = (depth) => -SWAY_PX + swayPx(clock.tS, depth, SWAY_PX);

      skyLayer.draw(ctx, Math.round(clock.dusk * 80), (c) => paintSky(c, sky, w, h * 0.8));
      const sunX = w * (compact ? 0.7 : 0.74) + camX(0.1);
      drawLayer(ctx, sun, sunX - sunPx / 2, h * 0.58 - sunPx / 2);
      drawSliding(ctx, clouds.far.g, clouds.far.offsetPx, h * 0.04);
      drawLayer(ctx, far, camX(0.3), 0);
      drawSliding(ctx, clouds.near.g, clouds.near.offsetPx, -h * 0.06);
      drawLayer(ctx, mid, camX(0.6), 0);
      drawTurbine(ctx, turbine, camX(0.6), darken(midCol, 0.3));
      fillRidge(ctx, nearYs, step, h, rgba(nearCol));
      drawGrass(ctx, blades, clock, gust.value, nearCol, mix(nearCol, pal.accent2, 0.35));
      if (gust.value > 0) { // the gust is also seen still: the low sun's light washes over the field
        ctx.globalCompositeOperation = "lighter";
        drawGlow(ctx, gustGlow, sunX, h * 0.62, Math.max(w, h) * 0.55, 0.2 * gust.value);
        ctx.globalCompositeOperation = "source-over";
      }

      ctx.globalCompositeOperation = "lighter";
      for (const f of flies.items) {
        const bob = clock.still ? 0 : Math.sin(clock.tS * 2 + f.phase) * 6;
        const x = f.x + (clock.still ? 0 : Math.sin(clock.tS * 0.7 + f.phase) * 14);
        drawGlow(ctx, flyGlow, x, f.y + bob, 30 * f.strength + 10, 0.6 * f.level);
        ctx.fillStyle = rgba(lighten(flyCol, 0.5), f.level);
        ctx.fillRect(x - 1.5, f.y + bob - 1.5, 3, 3);
      }
      for (const pt of petals.items) {
        pt.vy += 18 * dt; // falls back slowly: the wind keeps it aloft
        pt.x += (pt.vx + WIND_PX_S * gust.value) * dt;
        pt.y += pt.vy * dt;
        pt.spin += pt.spinRate * dt;
        drawGlow(ctx, petalGlow, pt.x, pt.y, pt.sizePx * 6, 0.55 * pt.level);
      }
      ctx.globalCompositeOperation = "source-over";
      for (const pt of petals.items) {
        ctx.save();
        ctx.translate(pt.x, pt.y);
        ctx.rotate(pt.spin);
        ctx.fillStyle = rgba(lighten(petalCol, 0.3), pt.level);
        ctx.beginPath();
        ctx.ellipse(0, 0, pt.sizePx, pt.sizePx * 0.45, 0, 0, Math.PI * 2);
        ctx.fill();
        ctx.restore();
      }
      return petals.alive || flies.alive || gust.alive;
    },

    note(ev) {
      const part = partOf(ev);
      const s = strengthOf(ev);
      const x = pitchToUnit(ev.pitch) * w * 0.9 + w * 0.05;
      if (part === "bass") { gust.hit(0.5 * s + 0.15); return; }
      if (part === "melody") {
        petals.add({
          x, y: nearYAt(x) - h * 0.06 - rand() * h * 0.1, vx: WIND_PX_S * rand.range(0.6, 1.2), vy: -rand.range(30, 60),
          spin: rand() * 6.28, spinRate: rand.range(-3, 3), sizePx: (6 + 8 * s) * Math.max(0.8, Math.min(1.4, w / 1280)),
        }, (ev.durS || 0.5) + 1.2);
      } else {
        flies.add({ x: x + rand.range(-20, 20), y: nearYAt(x) - h * rand.range(0.04, 0.16), strength: s, phase: rand() * 6.28 }, ev.durS);
      }
    },

    dispose() {
      for (const g of [sun, clouds.far.g, clouds.near.g, far, mid, skyLayer, petalGlow, flyGlow, gustGlow]) g.remove();
    },
  };
}

function paintMidHill(ctx, rand, pal, ys, step, h, col, turbine, compact) {
  fillRidge(ctx, ys, step, h, rgba(col));
  const yAt = (x) => ys[Math.max(0, Math.min(ys.length - 1, Math.round(x / step)))];
  const width = (ys.length - 1) * step;
  const tree = darken(col, 0.35);
  // trees in small groves, round canopies: the shape reads as "countryside" at any size
  for (let i = 0; i < (compact ? 5 : 11); i++) {
    const x = rand() * width;
    const r = h * rand.range(0.012, 0.025);
    const y = yAt(x);
    ctx.fillStyle = rgba(tree);
    ctx.fillRect(x - r * 0.12, y - r * 1.4, r * 0.24, r * 1.4);
    ctx.beginPath(); ctx.arc(x, y - r * 1.7, r, 0, Math.PI * 2); ctx.fill();
    ctx.beginPath(); ctx.arc(x + r * 0.6, y - r * 1.3, r * 0.7, 0, Math.PI * 2); ctx.fill();
  }
  // a farmhouse with one warm window
  const hx = width * (compact ? 0.62 : 0.55), hy = yAt(width * 0.55), s = h * 0.03;
  ctx.fillStyle = rgba(darken(col, 0.45));
  ctx.fillRect(hx, hy - s * 1.2, s * 2, s * 1.3);
  ctx.beginPath(); ctx.moveTo(hx - s * 0.2, hy - s * 1.2); ctx.lineTo(hx + s, hy - s * 2); ctx.lineTo(hx + s * 2.2, hy - s * 1.2); ctx.fill();
  const lamp = mix(pal.fg, pal.accent, 0.3);
  glow(ctx, hx + s * 0.6, hy - s * 0.6, s * 2.5, rgba(lamp, 0.35), rgba(lamp, 0));
  ctx.fillStyle = rgba(lamp, 0.95);
  ctx.fillRect(hx + s * 0.4, hy - s * 0.8, s * 0.4, s * 0.4);
  // the turbine's mast (its blades turn each frame)
  ctx.fillStyle = rgba(darken(col, 0.3));
  ctx.beginPath();
  ctx.moveTo(turbine.x - 2, yAt(turbine.x) + 2); ctx.lineTo(turbine.x - 0.8, turbine.y);
  ctx.lineTo(turbine.x + 0.8, turbine.y); ctx.lineTo(turbine.x + 2, yAt(turbine.x) + 2);
  ctx.fill();
}

function drawTurbine(ctx, t, xShiftPx, col) {
  ctx.fillStyle = rgba(col);
  for (let k = 0; k < 3; k++) {
    const a = t.angle + (k * 2 * Math.PI) / 3;
    ctx.save();
    ctx.translate(t.x + xShiftPx, t.y);
    ctx.rotate(a);
    ctx.beginPath();
    ctx.moveTo(-2, 0); ctx.lineTo(0, -t.lenPx); ctx.lineTo(2.5, -t.lenPx * 0.2); ctx.fill();
    ctx.restore();
  }
}

function makeGrass(rand, ys, step, w, h, compact) {
  const n = Math.round(w / (compact ? 4 : 5));
  return Array.from({ length: n }, () => {
    const x = rand() * w;
    return { x, y: ys[Math.round(x / step)] + rand() * h * 0.12 + 4, lenPx: h * rand.range(0.03, 0.07), phase: rand() * 6.28, front: rand() < 0.5 };
  }).sort((a, b) => a.y - b.y);
}

function drawGrass(ctx, blades, clock, gust, back, front) {
  const bend = clock.still ? 0.25 : 0; // a still picture keeps a gentle lean
  for (const [isFront, col] of [[false, back], [true, front]]) {
    ctx.strokeStyle = rgba(isFront ? front : mix(back, front, 0.4));
    ctx.lineWidth = isFront ? 2 : 1.5;
    ctx.beginPath();
    for (const b of blades) {
      if (b.front !== isFront) continue;
      // a wave runs through the field left to right; each blade also has its own flutter
      const wave = clock.still ? bend : 0.15 + 0.22 * Math.sin(clock.tS * 1.4 - b.x * 0.012 + b.phase * 0.3);
      const lean = (wave + gust * 0.6) * b.lenPx;
      ctx.moveTo(b.x, b.y);
      ctx.quadraticCurveTo(b.x + lean * 0.3, b.y - b.lenPx * 0.6, b.x + lean, b.y - b.lenPx + Math.abs(lean) * 0.3);
    }
    ctx.stroke();
  }
}

export default { name: "wind", create };
