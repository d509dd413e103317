/* Water: a lake at night. A pine shore with two cabin lights under the moon, its
 * reflection trembling in the water line by line, a glitter path under the moon, a
 * rowboat drifting, reeds and a lantern on a jetty close by.
 * Notes: every note drops a ripple (pitch: where across the lake): melody rings near
 * the viewer, wide and bright with a glint; keys farther out, small; the bass makes
 * the moon's path and the lantern swell. */

import { darken, lighten, mix, rgba, skyAt, paintSky } from "./palette.js";
import { drawGlow, drawLayer, fillRidge, glow, makeCachedLayer, makeGlowSprite, paintLayer, ridge, swayPx } from "./layers.js";
import { Lights, Pulse, partOf, pitchToUnit, strengthOf } from "./notes.js";
import { paintMoon, paintStars } from "./stars.js";

const STRIP_PX = 3; // reflection slice height: finer trembles better, coarser costs fewer copies
const SWAY_PX = 10;
const BOAT_PX_S = 4;
const RIPPLE_PX_S = 38; // ring growth; a note's ring spreads over its few seconds of life

function create({ p, w, h, pal, rand, compact }) {
  const horizonY = Math.round(h * (compact ? 0.5 : 0.56));
  const waterH = h - horizonY;
  // a lake night is cooler than the city's: the sky leans to --accent2, the water's colour
  const coolSky = (sky) => ({ ...sky, top: mix(sky.top, pal.accent2, 0.08), middle: mix(sky.middle, pal.accent2, 0.16),
    horizon: mix(sky.horizon, pal.accent2, 0.28) });
  const sky0 = coolSky(skyAt(pal, 0.3, 0.4));
  const moonPx = Math.round(Math.min(w, h) * 0.36);
  const moonX = w * (compact ? 0.62 : 0.66);
  const moonY = horizonY * 0.32;
  const stars = paintLayer(p, w, horizonY, (ctx) => paintStars(ctx, rand, pal, w, horizonY, 700));
  const moon = paintLayer(p, moonPx, moonPx, (ctx) => paintMoon(ctx, rand, pal, moonPx));
  const shoreCol = darken(mix(sky0.top, pal.accent2, 0.2), 0.55);
  const lamp = mix(pal.fg, pal.accent, 0.35);
  const shore = paintLayer(p, w + 2 * SWAY_PX, horizonY, (ctx, lw) => paintShore(ctx, rand, lw, horizonY, shoreCol, lamp, sky0, pal));
  // the reflection: the shore upside down, read back in trembling strips (the moon's own
  // reflection is the glitter path: on moving water a mirrored disc would look pasted on)
  const mirror = paintLayer(p, w + 2 * SWAY_PX, waterH, (ctx) => {
    ctx.setTransform(1, 0, 0, -1, 0, horizonY);
    ctx.drawImage(shore.elt, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  });
  const near = paintLayer(p, w + 2 * SWAY_PX, h, (ctx, lw) => paintNear(ctx, rand, lw, h, horizonY, pal, lamp, compact), h * 0.66);
  const lantern = { x: (w + 2 * SWAY_PX) * (compact ? 0.8 : 0.84), y: h * 0.74 };
  const skyLayer = makeCachedLayer(p, w, h);
  const ripples = new Lights(48);
  const bass = new Pulse();
  const boat = { x: w * 0.25, y: horizonY + waterH * 0.22, s: Math.max(0.7, Math.min(1.3, w / 1280)) };
  const ringCol = lighten(mix(pal.fg, pal.accent2, 0.3), 0.25);
  const pathGlow = makeGlowSprite(p, lighten(mix(pal.fg, pal.accent2, 0.2), 0.2));

  function paintSkyAndWater(c, sky) {
    paintSky(c, sky, w, horizonY);
    const g = c.createLinearGradient(0, horizonY, 0, h);
    g.addColorStop(0, rgba(mix(sky.horizon, sky.middle, 0.3)));
    g.addColorStop(1, rgba(darken(sky.top, 0.4)));
    c.fillStyle = g;
    c.fillRect(0, horizonY, w, waterH);
  }

  return {
    draw(ctx, clock) {
      const sky = coolSky(skyAt(pal, clock.dusk * 0.8, 0.4));
      const tS = clock.tS;
      ripples.step(clock.realDtS);
      bass.step(clock.realDtS, clock.beatS);
      boat.x = (boat.x + BOAT_PX_S * clock.dtS) % (w + 80);
      const camX = (depth) => -SWAY_PX + swayPx(tS, depth, SWAY_PX);

      skyLayer.draw(ctx, Math.round(clock.dusk * 80), (c) => paintSkyAndWater(c, sky));
      drawLayer(ctx, stars, 0, 0, sky.night);
      drawLayer(ctx, moon, moonX - moonPx / 2 + camX(0.05) + SWAY_PX, moonY - moonPx / 2);
      drawLayer(ctx, shore, camX(0.3), 0);
      // the reflection, strip by strip: waves grow towards the viewer
      ctx.globalAlpha = 0.55;
      const shoreX = camX(0.3);
      for (let y = 0; y < waterH; y += STRIP_PX) {
        const depth = y / waterH;
        const dx = clock.still ? 0 : Math.sin(y * 0.09 * (1.4 - depth) - tS * 1.6) * (0.5 + depth * 7);
        ctx.drawImage(mirror.elt, 0, y, mirror.width, STRIP_PX, Math.round(shoreX + dx), horizonY + y, mirror.width, STRIP_PX);
      }
      ctx.globalAlpha = 1;
      const pathX = moonX + camX(0.05) + SWAY_PX;
      drawGlitter(ctx, pathX, horizonY, waterH, tS, clock.still, bass.value, lighten(pal.fg, 0.4));
      if (bass.value > 0) { // the bass: moonlight swells softly along its path on the water
        ctx.globalCompositeOperation = "lighter";
        drawGlow(ctx, pathGlow, pathX, horizonY + waterH * 0.45, waterH * 0.6, 0.35 * bass.value);
        ctx.globalCompositeOperation = "source-over";
      }
      drawBoat(ctx, boat, tS, clock.still, darken(shoreCol, 0.3));
      for (const r of ripples.items) drawRipple(ctx, r, clock, ringCol);
      drawLayer(ctx, near, camX(1), 0);
      ctx.globalCompositeOperation = "lighter";
      const flick = clock.still ? 1 : 0.9 + 0.1 * Math.sin(tS * 7) * Math.sin(tS * 2.3);
      glow(ctx, lantern.x + camX(1), lantern.y, h * (0.07 + 0.03 * bass.value), rgba(lamp, (0.45 + 0.2 * bass.value) * flick), rgba(lamp, 0));
      ctx.globalCompositeOperation = "source-over";
      return ripples.alive || bass.alive;
    },

    note(ev) {
      const part = partOf(ev);
      const s = strengthOf(ev);
      if (part === "bass") { bass.hit(0.5 * s + 0.2); return; }
      const melody = part === "melody";
      const depth = melody ? rand.range(0.5, 0.9) : rand.range(0.2, 0.5); // 0 horizon .. 1 viewer
      ripples.add({
        x: w * (0.06 + 0.88 * pitchToUnit(ev.pitch)), y: horizonY + waterH * depth, depth,
        radiusPx: (melody ? 30 : 14) * (0.5 + depth) * (compact ? 0.8 : 1),
        maxPx: (melody ? 150 : 80) * (0.4 + depth) * (compact ? 0.7 : 1), strength: s, glint: melody,
      }, (ev.durS || 0.5) + 1);
    },

    dispose() {
      for (const g of [stars, moon, shore, mirror, near, skyLayer, pathGlow]) g.remove();
    },
  };
}

function paintShore(ctx, rand, lw, horizonY, col, lamp, sky0, pal) {
  const step = 6;
  const hillYs = ridge(rand, lw, step, horizonY - horizonY * 0.12, horizonY * 0.06, 3);
  fillRidge(ctx, hillYs, step, horizonY + 1, rgba(mix(col, sky0.horizon, 0.35)));
  ctx.fillStyle = rgba(col);
  ctx.fillRect(0, horizonY - horizonY * 0.04, lw, horizonY * 0.04 + 1);
  // pines along the water: stacked triangles, tallest where the hills are low
  for (let x = 0; x < lw; x += rand.range(5, 16)) {
    const th = horizonY * rand.range(0.05, 0.13);
    const base = horizonY - horizonY * 0.03;
    ctx.beginPath();
    for (let k = 0; k < 3; k++) {
      const y = base - th * (k / 3);
      const half = th * (0.22 - k * 0.05);
      ctx.moveTo(x - half, y); ctx.lineTo(x, y - th * 0.5); ctx.lineTo(x + half, y);
    }
    ctx.fill();
  }
  for (const u of [0.18, 0.43]) { // two cabins' lights across the lake
    const x = lw * u, y = horizonY - horizonY * 0.035;
    glow(ctx, x, y, 14, rgba(lamp, 0.5), rgba(lamp, 0));
    ctx.fillStyle = rgba(lighten(lamp, 0.3));
    ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
    ctx.fillStyle = rgba(col);
  }
}

function paintNear(ctx, rand, lw, h, horizonY, pal, lamp, compact) {
  const dark = darken(mix(pal.bg, pal.accent2, 0.15), 0.75);
  ctx.strokeStyle = rgba(dark);
  ctx.fillStyle = rgba(dark);
  // reeds in the corners, leaning a little as if the lake breathes
  for (const [from, to] of [[0, lw * 0.18], [lw * 0.44, lw * 0.5]]) { // clear of the moon's path
    for (let i = 0; i < (compact ? 10 : 22); i++) {
      const x = rand.range(from, to);
      const top = h - h * rand.range(0.1, 0.3);
      const lean = rand.range(-20, 20);
      ctx.lineWidth = rand.range(1.5, 3);
      ctx.beginPath();
      ctx.moveTo(x, h + 2);
      ctx.quadraticCurveTo(x + lean * 0.2, (top + h) / 2, x + lean, top);
      ctx.stroke();
      if (rand() < 0.3) { ctx.beginPath(); ctx.ellipse(x + lean, top + 6, 3, 9, lean / 60, 0, Math.PI * 2); ctx.fill(); }
    }
  }
  // a jetty from the right edge with a lantern post
  const deckY = h * 0.86;
  const startX = lw * (compact ? 0.7 : 0.76);
  ctx.fillRect(startX, deckY, lw - startX, h * 0.025);
  for (let x = startX + 8; x < lw; x += 46) ctx.fillRect(x, deckY, 6, h - deckY);
  const postX = lw * (compact ? 0.8 : 0.84);
  ctx.fillRect(postX - 2, h * 0.75, 4, deckY - h * 0.75);
  ctx.fillRect(postX - 7, h * 0.725, 14, h * 0.03);
  ctx.fillStyle = rgba(lighten(lamp, 0.35));
  ctx.fillRect(postX - 4, h * 0.732, 8, h * 0.016);
}

function drawGlitter(ctx, x, horizonY, waterH, tS, still, swell, colour) {
  ctx.fillStyle = rgba(colour);
  for (let i = 0; i < 46; i++) {
    const depth = (i + 0.5) / 46;
    const y = horizonY + depth * waterH * 0.95;
    const shimmer = still ? 0.6 : 0.5 + 0.5 * Math.sin(tS * 3.1 + i * 2.7) * Math.sin(tS * 1.3 + i * 0.9);
    const len = (6 + depth * 70) * (0.3 + shimmer);
    ctx.globalAlpha = Math.min(1, (0.15 + 0.45 * shimmer) * (1 - depth * 0.5) * (1 + swell * 0.5));
    ctx.fillRect(x - len / 2 + Math.sin(i * 12.9) * depth * 30, y, len, 1 + depth * 2);
  }
  ctx.globalAlpha = 1;
}

function drawBoat(ctx, boat, tS, still, col) {
  const bob = still ? 0 : Math.sin(tS * 1.1) * 1.5;
  const x = boat.x - 40, y = boat.y + bob, s = boat.s;
  ctx.fillStyle = rgba(col);
  ctx.beginPath();
  ctx.moveTo(x - 26 * s, y - 5 * s); ctx.lineTo(x + 26 * s, y - 5 * s);
  ctx.quadraticCurveTo(x + 20 * s, y + 3 * s, x + 12 * s, y + 3 * s);
  ctx.lineTo(x - 14 * s, y + 3 * s);
  ctx.quadraticCurveTo(x - 22 * s, y + 2 * s, x - 26 * s, y - 5 * s);
  ctx.fill();
  ctx.globalAlpha = 0.35; // its dark reflection, squashed
  ctx.fillRect(x - 18 * s, y + 4 * s, 36 * s, 3 * s);
  ctx.globalAlpha = 1;
}

function drawRipple(ctx, r, clock, colour) {
  r.radiusPx = Math.min(r.maxPx, r.radiusPx + RIPPLE_PX_S * (0.5 + r.depth) * clock.dtS);
  if (clock.still) r.radiusPx = r.maxPx * 0.6; // no spreading: show the rings as they are mid-way
  const squash = 0.12 + r.depth * 0.22; // seen from above the shore: far rings are thin ellipses
  ctx.strokeStyle = rgba(colour);
  for (let k = 0; k < 3; k++) {
    const rx = r.radiusPx * (1 - k * 0.28);
    if (rx <= 1) continue;
    ctx.globalAlpha = r.level * (0.35 + 0.55 * r.strength) * (1 - k * 0.25);
    ctx.lineWidth = (1 + r.depth * 2.2) * (k === 0 ? 1.4 : 1);
    ctx.beginPath();
    ctx.ellipse(r.x, r.y, rx, rx * squash, 0, 0, Math.PI * 2);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  if (r.glint) glow(ctx, r.x, r.y, 18 + 30 * r.depth, rgba(colour, 0.7 * r.level), rgba(colour, 0));
}

export default { name: "water", create };
