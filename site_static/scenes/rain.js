/* Rain: a city at night seen through a wet window. The city and its lights are
 * blurred behind the glass, rain falls outside, beads sit on the pane and drops run
 * down it; a desk lamp on the sill warms the frame.
 * Notes: a melody note sets a drop glowing at the top of the pane (pitch: where
 * across the window) that runs down leaving a lit trail; a keys note flares one of
 * the blurred city lights; the bass makes the lamp swell. */

import { darken, lighten, mix, paintSky, rgba, skyAt } from "./palette.js";
import { drawGlow, drawLayer, glow, makeCachedLayer, makeGlowSprite, paintLayer, swayPx } from "./layers.js";
import { Lights, Pulse, partOf, pitchToUnit, strengthOf } from "./notes.js";
import { paintCity } from "./city.js";

const SWAY_PX = 12;
const RAIN_PX_S = 900; // rain outside: fast streaks
const AMBIENT_DROPS = 18; // drops running down the pane at any time

function create({ p, w, h, pal, rand, compact }) {
  const lw = w + 2 * SWAY_PX;
  const sky0 = skyAt(pal, 0.2, 0.3);
  const u = Math.max(0.55, Math.min(1.4, w / 1280));
  const bokeh = makeBokeh(rand, lw, h, pal, compact);
  // behind the glass: the city and its lights, painted sharp then blurred once
  const behind = paintLayer(p, lw, h, (ctx) => {
    const sharp = paintLayer(p, lw, h, (c) => {
      paintCity(c, rand, pal, { widthPx: lw, bottomPx: h * 0.9, minHeightPx: h * 0.2, maxHeightPx: h * 0.72, minWidthPx: 60 * u,
        maxWidthPx: 150 * u, windowPx: [6, 8], gapPx: [6, 7], litShare: 0.35, body: darken(sky0.top, 0.3), roofs: false });
      c.fillStyle = rgba(darken(sky0.top, 0.5));
      c.fillRect(0, h * 0.9, lw, h * 0.1);
      for (const b of bokeh) glow(c, b.x, b.y, b.r, rgba(b.colour, 0.55), rgba(b.colour, 0));
    });
    ctx.filter = `blur(${Math.round(5 * u)}px)`; // the pane is in focus, the city is not
    ctx.drawImage(sharp.elt, 0, 0);
    ctx.filter = "none";
    sharp.remove();
  });
  const beads = paintLayer(p, lw, h, (ctx) => paintBeads(ctx, rand, lw, h, pal));
  // On a phone the bar covers the bottom fifth of the screen: the sill, and the lamp on it, sit above it.
  const lamp = { x: lw * (compact ? 0.2 : 0.14), y: h * (compact ? 0.69 : 0.8) };
  const lampCol = mix(pal.fg, pal.accent, 0.45);
  const frame = paintLayer(p, lw, h, (ctx) => paintFrame(ctx, rand, lw, h, pal, lamp, lampCol, compact));
  const lampGlowR = Math.max(w, h) * 0.45;
  const lampGlow = paintLayer(p, lampGlowR * 2, lampGlowR * 2, (ctx) =>
    glow(ctx, lampGlowR, lampGlowR, lampGlowR, rgba(lampCol, 0.55), rgba(lampCol, 0)));
  const skyLayer = makeCachedLayer(p, w, h);
  const streaks = Array.from({ length: compact ? 60 : 130 }, () => ({ x: rand() * w, y: rand() * h, lenPx: rand.range(10, 26), v: rand.range(0.8, 1.2) }));
  const drops = Array.from({ length: AMBIENT_DROPS }, () => newDrop(rand, lw, h, u, false));
  const lit = new Lights(24); // glowing drops from melody notes
  const bass = new Pulse();
  const dropCol = lighten(mix(pal.fg, pal.accent2, 0.2), 0.3);
  const noteCol = lighten(mix(pal.fg, pal.accent, 0.4), 0.2);
  const dropGlow = makeGlowSprite(p, noteCol);

  return {
    draw(ctx, clock) {
      const sky = skyAt(pal, clock.dusk * 0.6, 0.3);
      const dt = clock.dtS;
      lit.step(clock.realDtS);
      bass.step(clock.realDtS, clock.beatS);
      for (const b of bokeh) b.flare = Math.max(0, b.flare - clock.realDtS / 1.4);
      const camX = (depth) => -SWAY_PX + swayPx(clock.tS, depth, SWAY_PX, 43);

      skyLayer.draw(ctx, Math.round(clock.dusk * 80), (c) => paintSky(c, sky, w, h));
      drawLayer(ctx, behind, camX(0.3), 0);
      ctx.globalCompositeOperation = "lighter";
      for (const b of bokeh) {
        if (b.flare <= 0) continue;
        glow(ctx, b.x + camX(0.3), b.y, b.r * (1.3 + b.flare), rgba(b.colour, 0.7 * b.flare), rgba(b.colour, 0));
      }
      ctx.globalCompositeOperation = "source-over";
      // rain outside: one colour, many thin streaks
      ctx.fillStyle = rgba(lighten(sky.horizon, 0.35), 0.22);
      for (const s of streaks) {
        s.y += RAIN_PX_S * s.v * dt;
        if (s.y > h) { s.y -= h + s.lenPx; s.x = rand() * w; }
        ctx.fillRect(s.x, s.y, 1, s.lenPx);
      }
      const glassX = camX(1);
      drawLayer(ctx, beads, glassX, 0);
      for (const d of drops) {
        runDrop(d, dt, rand, h);
        if (d.y > h + 20) Object.assign(d, newDrop(rand, lw, h, u, true));
        drawDrop(ctx, d, glassX, dropCol, 0.5, 0);
      }
      for (const l of lit.items) {
        runDrop(l.drop, dt, rand, h);
        drawDrop(ctx, l.drop, glassX, noteCol, 0.9, l.level * l.strength, dropGlow);
      }
      drawLayer(ctx, frame, glassX, 0);
      ctx.globalCompositeOperation = "lighter";
      drawLayer(ctx, lampGlow, lamp.x + glassX - lampGlowR, lamp.y - lampGlowR, 0.45 + 0.35 * bass.value);
      ctx.globalCompositeOperation = "source-over";
      return lit.alive || bass.alive || bokeh.some((b) => b.flare > 0);
    },

    note(ev) {
      const part = partOf(ev);
      const s = strengthOf(ev);
      const x = SWAY_PX + w * (0.05 + 0.9 * pitchToUnit(ev.pitch));
      if (part === "bass") { bass.hit(0.5 * s + 0.2); return; }
      if (part === "melody") {
        const drop = newDrop(rand, lw, h, u, false);
        Object.assign(drop, { x, y: h * rand.range(0.08, 0.45), sizePx: drop.sizePx * 1.6, trailTop: null });
        drop.trailTop = drop.y;
        lit.add({ drop, strength: 0.6 + 0.4 * s }, (ev.durS || 0.5) + 1.5);
        return;
      }
      let best = bokeh[0];
      for (const b of bokeh) if (Math.abs(b.x - x) + rand() * w * 0.05 < Math.abs(best.x - x)) best = b;
      best.flare = Math.min(1, best.flare + 0.5 + 0.5 * s);
    },

    dispose() {
      for (const g of [behind, beads, frame, lampGlow, skyLayer, dropGlow]) g.remove();
    },
  };
}

function makeBokeh(rand, lw, h, pal, compact) {
  const colours = [pal.accent, pal.accent2, pal.fg, mix(pal.accent, pal.fg, 0.5)];
  return Array.from({ length: compact ? 22 : 40 }, () => ({
    x: rand() * lw, y: h * rand.range(0.55, 0.95), r: rand.range(10, 34), colour: lighten(rand.pick(colours), 0.15), flare: 0,
  }));
}

function paintBeads(ctx, rand, lw, h, pal) {
  const n = Math.round((lw * h) / 1200);
  const rim = lighten(pal.fg, 0.3);
  for (let i = 0; i < n; i++) {
    const x = rand() * lw, y = rand() * h, r = Math.pow(rand(), 2.5) * 4 + 0.8;
    ctx.fillStyle = rgba([0, 0, 0], 0.25);
    ctx.beginPath(); ctx.ellipse(x, y, r, r * 1.1, 0, 0, Math.PI * 2); ctx.fill();
    ctx.fillStyle = rgba(rim, 0.5); // a bead is a tiny lens: a highlight at its top
    ctx.fillRect(x - r * 0.3, y - r * 0.6, Math.max(1, r * 0.5), Math.max(1, r * 0.4));
  }
}

function newDrop(rand, lw, h, u, fromTop) {
  const y = fromTop ? -rand() * h * 0.3 : rand() * h;
  return { x: rand() * lw, y, trailTop: y, sizePx: rand.range(2.5, 5) * Math.max(0.8, u), v: 0, rest: rand() * 2 };
}

// Drops stick, gather, then slip: a run of still moments and quick slides, with a wobble.
function runDrop(d, dtS, rand, h) {
  if (dtS <= 0) return;
  d.rest -= dtS;
  if (d.rest > 0) return;
  d.v = d.v > 0 ? d.v : rand.range(40, 160);
  d.y += d.v * dtS;
  d.x += Math.sin(d.y * 0.05) * 0.3;
  if (rand() < dtS * 1.5) { d.v = 0; d.rest = rand.range(0.2, 1.5); }
  if (d.y - d.trailTop > h * 0.15) d.trailTop = d.y - h * 0.15; // old trail dries
}

function drawDrop(ctx, d, shiftPx, colour, alpha, glowLevel, sprite = null) {
  const x = d.x + shiftPx;
  const trail = d.y - d.trailTop;
  if (trail > 2) {
    ctx.fillStyle = rgba(colour, 0.06 + 0.3 * glowLevel);
    ctx.fillRect(x - d.sizePx * 0.2, d.trailTop, d.sizePx * 0.4, trail);
  }
  if (glowLevel > 0 && sprite) {
    ctx.globalCompositeOperation = "lighter";
    drawGlow(ctx, sprite, x, d.y, d.sizePx * 9, 0.6 * glowLevel);
    ctx.globalCompositeOperation = "source-over";
  }
  ctx.fillStyle = rgba([0, 0, 0], 0.3);
  ctx.beginPath(); ctx.ellipse(x, d.y, d.sizePx, d.sizePx * 1.25, 0, 0, Math.PI * 2); ctx.fill();
  ctx.fillStyle = rgba(colour, alpha * (0.5 + 0.5 * glowLevel) + 0.2);
  ctx.beginPath(); ctx.ellipse(x, d.y + d.sizePx * 0.25, d.sizePx * 0.75, d.sizePx * 0.85, 0, 0, Math.PI * 2); ctx.fill();
}

function paintFrame(ctx, rand, lw, h, pal, lamp, lampCol, compact) {
  const wood = darken(mix(pal.bg, pal.accent, 0.25), 0.55);
  const edge = Math.round(Math.min(lw, h) * 0.05);
  const sillY = h * (compact ? SILL_COMPACT : 0.86);
  ctx.fillStyle = rgba(wood);
  ctx.fillRect(0, 0, lw, edge); // head
  ctx.fillRect(0, 0, edge, h); // jambs
  ctx.fillRect(lw - edge, 0, edge, h);
  ctx.fillRect(lw / 2 - edge * 0.25, 0, edge * 0.5, sillY); // the mullion
  ctx.fillRect(0, h * 0.42, lw, edge * 0.4); // the transom bar
  ctx.fillStyle = rgba(lighten(wood, 0.06));
  ctx.fillRect(0, sillY, lw, h - sillY); // the sill
  ctx.fillStyle = rgba(lighten(wood, 0.15));
  ctx.fillRect(0, sillY, lw, 3);
  const dark = darken(wood, 0.6);
  // the desk lamp: base, arm, shade
  const s = Math.min(1.3, Math.max(0.7, h / 800));
  ctx.fillStyle = rgba(dark);
  ctx.fillRect(lamp.x - 26 * s, sillY - 6 * s, 52 * s, 6 * s);
  ctx.fillRect(lamp.x - 3 * s, lamp.y, 6 * s, sillY - lamp.y);
  ctx.beginPath();
  ctx.moveTo(lamp.x - 34 * s, lamp.y + 4 * s); ctx.lineTo(lamp.x - 14 * s, lamp.y - 30 * s);
  ctx.lineTo(lamp.x + 14 * s, lamp.y - 30 * s); ctx.lineTo(lamp.x + 34 * s, lamp.y + 4 * s); ctx.fill();
  ctx.fillStyle = rgba(lighten(lampCol, 0.4));
  ctx.fillRect(lamp.x - 30 * s, lamp.y + 2 * s, 60 * s, 4 * s); // the lit rim under the shade
  // a mug and a small plant keep the sill lived-in
  const mx = lw * (compact ? 0.55 : 0.36);
  ctx.fillStyle = rgba(dark);
  ctx.fillRect(mx, sillY - 26 * s, 22 * s, 26 * s);
  ctx.lineWidth = 4 * s;
  ctx.strokeStyle = rgba(dark);
  ctx.beginPath(); ctx.arc(mx + 24 * s, sillY - 14 * s, 6 * s, -1.2, 1.2); ctx.stroke();
  const px = lw * (compact ? 0.82 : 0.8);
  ctx.fillRect(px - 12 * s, sillY - 22 * s, 24 * s, 22 * s);
  ctx.fillStyle = rgba(darken(mix(pal.accent2, wood, 0.4), 0.4));
  for (let i = 0; i < 7; i++) {
    ctx.save();
    ctx.translate(px, sillY - 22 * s);
    ctx.rotate(rand.range(-1.2, 1.2));
    ctx.beginPath(); ctx.ellipse(0, -16 * s, 4 * s, 16 * s, 0, 0, Math.PI * 2); ctx.fill();
    ctx.restore();
  }
}

const SILL_COMPACT = 0.75; // over the phone's bar (its top at about 0.82 of the height)

export default { name: "rain", create };
