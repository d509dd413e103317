/* lofipress visuals: a p5 (v2, instance mode) backdrop per ambience (rain, fire,
 * wind, water, night, calm) and blooms for the notes of the playing track. It only reads
 * the player's events; notes arrive through Tone.getDraw(), in animation frames. */
(() => {
  "use strict";
  const host = document.getElementById("visual");
  if (!host || !window.p5 || !window.lofipress) return;
  const lp = window.lofipress;
  const motion = matchMedia("(prefers-reduced-motion: reduce)");

  const sketch = (p) => {
    let ctx, w = 0, h = 0, bg = null;
    let scene = lp.state.visual || "calm", playing = false, bpm = 80;
    let parts = [], blooms = [];
    const level = new Float32Array(12); // per pitch class, decays: a quiet "skyline"
    const pal = {};

    const rgb = (hex, fallback) => {
      const m = /^#?([0-9a-f]{6})$/i.exec((hex || "").trim());
      const n = parseInt(m ? m[1] : fallback, 16);
      return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    };
    const rgba = (c, a) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;
    const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
    const readPalette = () => {
      const cs = getComputedStyle(document.documentElement);
      pal.bg = rgb(cs.getPropertyValue("--bg"), "1d1b2c");
      pal.fg = rgb(cs.getPropertyValue("--fg"), "f2d6b3");
      pal.accent = rgb(cs.getPropertyValue("--accent"), "e07a5f");
      pal.accent2 = rgb(cs.getPropertyValue("--accent2"), "81b29a");
    };
    const speed = () => (motion.matches ? 0.04 : 1);

    // The still part of a scene (sky gradient, glow, horizon), drawn once per size/scene.
    function paintBackground() {
      bg = p.createGraphics(w, h);
      bg.pixelDensity(1);
      const g = bg.drawingContext;
      const top = mix(pal.bg, [0, 0, 0], 0.35);
      const tint = { fire: pal.accent, water: pal.accent2, wind: pal.accent2, rain: mix(pal.accent2, pal.bg, 0.4) }[scene] || pal.accent;
      const grad = g.createLinearGradient(0, 0, 0, h);
      grad.addColorStop(0, rgba(top, 1));
      grad.addColorStop(0.65, rgba(pal.bg, 1));
      grad.addColorStop(1, rgba(mix(pal.bg, tint, scene === "fire" ? 0.28 : 0.14), 1));
      g.fillStyle = grad;
      g.fillRect(0, 0, w, h);
      // a low moon / lamp glow
      const gx = scene === "fire" ? w * 0.5 : w * 0.82, gy = scene === "fire" ? h * 1.02 : h * 0.2;
      const r = Math.max(w, h) * (scene === "fire" ? 0.55 : 0.35);
      const glow = g.createRadialGradient(gx, gy, 0, gx, gy, r);
      glow.addColorStop(0, rgba(scene === "fire" ? pal.accent : pal.fg, scene === "fire" ? 0.32 : 0.12));
      glow.addColorStop(1, rgba(pal.fg, 0));
      g.fillStyle = glow;
      g.fillRect(0, 0, w, h);
      if (scene !== "fire") {
        g.fillStyle = rgba(pal.fg, 0.55);
        g.beginPath();
        g.arc(gx, gy, Math.min(w, h) * 0.035, 0, Math.PI * 2);
        g.fill();
      }
      // distant rooftops
      g.fillStyle = rgba(mix(pal.bg, [0, 0, 0], 0.45), 0.9);
      let x = 0;
      const rnd = mulberry(7);
      g.beginPath();
      g.moveTo(0, h);
      while (x < w) {
        const bw = 30 + rnd() * 90, bh = h * (0.05 + rnd() * 0.12);
        g.lineTo(x, h - bh);
        g.lineTo(x + bw, h - bh);
        x += bw;
      }
      g.lineTo(w, h);
      g.fill();
    }

    function mulberry(a) {
      return () => { a |= 0; a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
    }

    function makeParticles() {
      const area = (w * h) / (1280 * 800);
      const n = Math.round({ rain: 180, fire: 70, wind: 46, water: 6, night: 110, calm: 28 }[scene] * Math.min(1.5, Math.max(0.35, area)));
      parts = Array.from({ length: n }, () => spawn(true));
    }

    function spawn(anywhere) {
      const r = Math.random;
      switch (scene) {
        case "rain": return { x: r() * w * 1.2, y: anywhere ? r() * h : -20, v: 9 + r() * 7, l: 8 + r() * 14, a: 0.15 + r() * 0.3 };
        case "fire": return { x: w * (0.3 + r() * 0.4), y: anywhere ? h * (0.4 + r() * 0.6) : h + 5, v: 0.6 + r() * 1.4, s: 1 + r() * 2.5, life: r(), ph: r() * 6.3 };
        case "wind": return { x: anywhere ? r() * w : -40, y: r() * h * 0.85, v: 1.2 + r() * 2.2, s: 2 + r() * 4, ph: r() * 6.3, a: 0.25 + r() * 0.35 };
        case "water": return { k: parts.length, amp: 6 + r() * 10, len: 0.004 + r() * 0.006, ph: r() * 6.3, v: 0.01 + r() * 0.02 };
        case "night": { // mostly still stars; one in eight a firefly low over the roofs
          const fly = r() < 0.12;
          return { fly, x: r() * w, y: fly ? h * (0.6 + r() * 0.35) : r() * h * 0.62, s: fly ? 2.5 : 0.6 + r() * 1.6, tw: 0.4 + r() * 1.8, ph: r() * 6.3 };
        }
        default: return { x: r() * w, y: r() * h, s: 20 + r() * 70, v: 0.1 + r() * 0.25, ph: r() * 6.3, a: 0.04 + r() * 0.06 };
      }
    }

    function drawScene(dt) {
      const k = speed() * dt;
      const t = p.millis() / 1000 * speed();
      if (scene === "rain") {
        ctx.lineWidth = 1;
        ctx.strokeStyle = rgba(pal.fg, 0.28);
        ctx.beginPath();
        for (const d of parts) {
          d.y += d.v * k; d.x -= d.v * 0.18 * k;
          if (d.y > h) Object.assign(d, spawn(false));
          ctx.moveTo(d.x, d.y);
          ctx.lineTo(d.x + d.l * 0.18, d.y - d.l);
        }
        ctx.stroke();
      } else if (scene === "fire") {
        for (const e of parts) {
          e.y -= e.v * k; e.life += 0.004 * k;
          e.x += Math.sin(t * 2 + e.ph) * 0.4 * k;
          if (e.y < h * 0.25 || e.life > 1) Object.assign(e, spawn(false), { life: 0 });
          const a = (1 - e.life) * (0.5 + 0.5 * Math.sin(t * 9 + e.ph));
          ctx.fillStyle = rgba(mix(pal.accent, pal.fg, e.life * 0.6), a * 0.8);
          ctx.fillRect(e.x, e.y, e.s, e.s);
        }
      } else if (scene === "wind") {
        ctx.lineWidth = 1.2;
        for (const l of parts) {
          l.x += l.v * k;
          const y = l.y + Math.sin(l.x * 0.01 + l.ph) * 18;
          if (l.x > w + 40) Object.assign(l, spawn(false));
          ctx.strokeStyle = rgba(pal.accent2, l.a);
          ctx.beginPath();
          ctx.moveTo(l.x - 40 * l.v, y + Math.sin((l.x - 40) * 0.01 + l.ph) * 18);
          ctx.quadraticCurveTo(l.x - 20 * l.v, y - 6, l.x, y);
          ctx.stroke();
        }
      } else if (scene === "night") {
        for (const s of parts) {
          const glow = 0.5 + 0.5 * Math.sin(t * s.tw + s.ph);
          if (s.fly) {
            s.x = (s.x + Math.cos(t * 0.3 + s.ph) * 0.5 * k + w) % w;
            s.y += Math.sin(t * 0.4 + s.ph) * 0.3 * k;
          }
          ctx.fillStyle = s.fly ? rgba(pal.accent2, 0.7 * glow) : rgba(pal.fg, 0.2 + 0.4 * glow);
          ctx.fillRect(s.x, s.y, s.s, s.s);
        }
      } else if (scene === "water") {
        for (const [i, wv] of parts.entries()) {
          wv.ph += wv.v * k;
          const base = h * (0.72 + i * 0.05);
          ctx.fillStyle = rgba(mix(pal.accent2, pal.bg, 0.45 + i * 0.08), 0.22);
          ctx.beginPath();
          ctx.moveTo(0, h);
          for (let x = 0; x <= w + 20; x += 20) ctx.lineTo(x, base + Math.sin(x * wv.len + wv.ph) * wv.amp);
          ctx.lineTo(w, h);
          ctx.fill();
        }
      } else {
        for (const b of parts) {
          b.y -= b.v * k;
          if (b.y < -b.s) { b.y = h + b.s; b.x = Math.random() * w; }
          ctx.fillStyle = rgba(pal.fg, b.a * (0.7 + 0.3 * Math.sin(t + b.ph)));
          ctx.beginPath();
          ctx.arc(b.x, b.y, b.s, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    }

    // Notes: a bloom at the note's pitch (left = low), height by part; a skyline of pitch classes.
    function drawNotes(dt) {
      const k = speed() * dt;
      for (let i = blooms.length - 1; i >= 0; i--) {
        const b = blooms[i];
        b.age += (k / 30) / Math.max(0.4, b.dur);
        if (b.age >= 1) { blooms.splice(i, 1); continue; }
        const r = b.r * (0.6 + b.age * 0.8);
        const a = (1 - b.age) * b.a;
        const g = ctx.createRadialGradient(b.x, b.y, 0, b.x, b.y, r);
        g.addColorStop(0, rgba(b.c, a));
        g.addColorStop(1, rgba(b.c, 0));
        ctx.fillStyle = g;
        ctx.fillRect(b.x - r, b.y - r, r * 2, r * 2);
      }
      const bw = w / 12;
      for (let i = 0; i < 12; i++) {
        level[i] *= Math.pow(0.96, k);
        const bh = level[i] * h * 0.12;
        if (bh < 0.5) continue;
        ctx.fillStyle = rgba(i % 2 ? pal.accent2 : pal.accent, 0.18 + level[i] * 0.2);
        ctx.fillRect(i * bw + bw * 0.3, h - bh, bw * 0.4, bh);
      }
    }

    function onNote(ev) {
      const part = ev.part || "keys";
      const x = ((ev.pitch - 24) / 72) * w;
      const y = h * (part === "bass" ? 0.78 : part === "melody" ? 0.32 : 0.55) + (Math.random() - 0.5) * h * 0.08;
      const c = part === "bass" ? pal.accent2 : part === "melody" ? pal.fg : pal.accent;
      if (blooms.length < 160) blooms.push({ x, y, r: 30 + (ev.vel / 127) * Math.min(w, h) * 0.09, a: 0.22 + ev.vel / 127 * 0.28, c, dur: ev.durS || 1, age: 0 });
      level[ev.pitch % 12] = Math.min(1, level[ev.pitch % 12] + ev.vel / 127 * 0.5);
      if (motion.matches) p.redraw();
    }

    function setRate() {
      if (document.hidden) { p.noLoop(); return; }
      p.frameRate(motion.matches ? 2 : playing ? 30 : 20);
      p.loop();
    }

    p.setup = () => {
      readPalette();
      w = host.clientWidth || innerWidth;
      h = host.clientHeight || innerHeight;
      p.pixelDensity(1); // a soft backdrop: full resolution would only cost CPU
      p.createCanvas(w, h);
      ctx = p.drawingContext;
      paintBackground();
      makeParticles();
      setRate();
    };

    p.draw = () => {
      const dt = Math.min(4, (p.deltaTime || 33) / 33.3); // in 30 fps frames
      ctx.drawImage(bg.elt || bg.canvas, 0, 0);
      drawScene(dt);
      drawNotes(dt);
    };

    p.windowResized = () => {
      w = host.clientWidth || innerWidth;
      h = host.clientHeight || innerHeight;
      p.resizeCanvas(w, h);
      ctx = p.drawingContext;
      if (bg) bg.remove();
      paintBackground();
      makeParticles();
    };

    lp.on("scene", (d) => {
      const next = (d && d.visual) || "calm";
      if (d && d.bpm) bpm = d.bpm;
      if (next === scene && bg) return;
      scene = next;
      if (!ctx) return;
      if (bg) bg.remove();
      paintBackground();
      makeParticles();
      if (motion.matches) p.redraw();
    });
    lp.on("play", (d) => { if (playing !== d.playing) { playing = d.playing; if (ctx) setRate(); } });
    lp.on("note", onNote);
    document.addEventListener("visibilitychange", () => ctx && setRate());
    motion.addEventListener("change", () => ctx && setRate());
  };

  new p5(sketch, host); // eslint-disable-line no-new
})();
