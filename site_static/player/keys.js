/* lofipress player: keyboard shortcuts (listed in the help dialog, rendered by the build). */
import { $, S, state } from "./core.js";
import { applyGain } from "./mixer.js";
import { writeUrl } from "./plan.js";
import { armStation, toggle, step } from "./transport.js";
import { help, mute, setPanel, setSceneOnly, syncUi } from "./ui.js";

function nudgeMaster(delta) {
  S.level.master = Math.min(1, Math.max(0, S.level.master + delta));
  const el = $("vol-master");
  if (el) el.value = String(S.level.master * (Number(el.max) || 100));
  applyGain("master");
  writeUrl();
}

// 1-4: focus the layer's volume (opening the mixer); pressed again there, mute it.
function layerKey(n) {
  const el = $(`vol-${n}`);
  if (!state.panel) setPanel(true, false);
  if (el && document.activeElement !== el) el.focus();
  else mute(n);
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const d = $("help-dialog");
  if (d && d.open && e.key !== "?") return;
  const tag = e.target.tagName || "";
  const field = /^(INPUT|SELECT|TEXTAREA)$/.test(tag) || e.target.isContentEditable;
  const clickable = field || /^(BUTTON|A|SUMMARY)$/.test(tag);
  const keys = {
    " ": () => toggle(),
    ArrowLeft: () => step(-1), ArrowRight: () => step(1),
    ArrowUp: () => nudgeMaster(0.05), ArrowDown: () => nudgeMaster(-0.05),
    m: () => mute("all"),
    s: () => { state.shuffle = !state.shuffle; S.nextSel = null; armStation(); writeUrl(); syncUi(); },
    x: () => setPanel(!state.panel),
    v: () => setSceneOnly(!state.sceneOnly),
    Escape: () => { if (state.sceneOnly) setSceneOnly(false); else if (state.panel) setPanel(false); },
    "1": () => layerKey("main"), "2": () => layerKey("drums"), "3": () => layerKey("ambience"), "4": () => layerKey("quote"),
    "?": () => help(),
  };
  const fn = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
  if (!fn) return;
  const digitOnSlider = /^[1-4]$/.test(e.key) && e.target.type === "range";
  if (e.key !== "Escape" && (e.key === " " ? clickable : field) && !digitOnSlider) return; // the control's own keys win
  if (e.key === "Escape" && !state.panel && !state.sceneOnly) return;
  e.preventDefault();
  fn();
}

export function listenKeys() {
  document.addEventListener("keydown", onKey);
}
