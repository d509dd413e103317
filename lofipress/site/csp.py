"""Every page's Content-Security-Policy, as a <meta> tag: GitHub Pages sets no headers (`serve` sends it too)."""
from __future__ import annotations

import base64
import hashlib
import re

# Every page's Content-Security-Policy, as a <meta> tag (GitHub Pages sets no headers; `serve` sends it too).
# Scripts only from the site; `blob:` because Tone.js loads its AudioWorklet processors from blob URLs. No inline
# script or style of ours anywhere: a station's colours are a stylesheet (look.css), not a style attribute. One
# inline style is allowed by its hash: the keyframes p5 2.3.4 adds for its loading spinner (the browser test
# of the policy fails when a p5 update changes it).
P5_SPINNER_CSS = "@keyframes p5-loading-spin { to { transform: rotate(360deg); } }"


def _css_hash(css: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


CSP = ("default-src 'self'; script-src 'self' blob:; "
       f"style-src 'self' {_css_hash(P5_SPINNER_CSS)}; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; worker-src 'self' blob:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'")
CSP_SLOT = "<!-- csp -->"  # where a page that carries its own styles (404.html) gets its policy


def with_csp(html: str) -> str:
    """Fill a page's CSP slot with the policy, its inline <style> blocks allowed by their SHA-256 hashes.

    404.html carries its own styles (at any depth its relative links cannot be trusted); nothing else may.
    """
    hashes = " ".join(_css_hash(css) for css in re.findall(r"<style>(.*?)</style>", html, re.S))
    policy = CSP.replace("style-src 'self'", f"style-src 'self' {hashes}") if hashes else CSP
    return html.replace(CSP_SLOT, f'<meta http-equiv="Content-Security-Policy" content="{policy}">', 1)
