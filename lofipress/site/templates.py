"""A page from its template, held to the site's rules whatever template made it (built-in or a station's own).

A station may bring its own templates (lofipress.site.theme), so "a strict CSP on every page" cannot rest on
ours alone: every page is checked after rendering for the policy's meta tag, inline scripts, event-handler and
style attributes, and links that run code (javascript:, vbscript:, data:). A template that fails to render is
one line naming its file and line, not a `bug:` traceback.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ..core.errors import SiteError
from .csp import CSP, with_csp

STYLE_HASH = re.compile(r" 'sha256-[A-Za-z0-9+/=]+'")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}
CODE_SCHEMES = ("javascript:", "vbscript:", "data:")
TEMPLATE_SUFFIXES = (".html", ".svg", ".xml", ".txt")
FIX = "fix the template (the policy allows scripts and styles only from the site's own files)"


class _Tags(HTMLParser):
    """The policies a page declares and the first thing in it that breaks the policy, read from its tags (not
    from its text: a title that says `<b onmouseover=` is escaped text, not an attribute)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.policies: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {name.lower(): value or "" for name, value in attrs}
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy":
            self.policies.append(a.get("content", ""))
        if self.problem:
            return
        url = next((v for k, v in a.items() if k in URL_ATTRIBUTES and
                    "".join(v.split()).lower().startswith(CODE_SCHEMES)), None)
        if tag == "script" and not a.get("src"):
            self.problem = "an inline <script>"
        elif any(k.startswith("on") for k in a):
            self.problem = f"an event-handler attribute ({next(k for k in a if k.startswith('on'))} on <{tag}>)"
        elif "style" in a:
            self.problem = f"a style attribute (on <{tag}>)"
        elif url is not None:
            self.problem = f"a link that runs code ({url[:40]})"

    handle_startendtag = handle_starttag


def page_problem(html: str) -> str | None:
    """What breaks the site's policy in a finished page, or None."""
    tags = _Tags()
    tags.feed(html)
    tags.close()
    if len(tags.policies) != 1 or STYLE_HASH.sub("", tags.policies[0]) != STYLE_HASH.sub("", CSP):
        return ("does not carry the site's Content-Security-Policy, once (put <meta http-equiv=\"Content-Security-"
                "Policy\" content=\"{{ csp }}\"> in its <head>)")
    return f"holds {tags.problem}" if tags.problem else None


def render_page(env, template: str, context: dict, rel: str) -> str:
    """The page `rel` rendered from `template`, its CSP slot filled, checked against the policy.

    Raises:
        SiteError: the template does not render (a syntax error, an error while rendering, a missing template,
            bytes that are not UTF-8), naming its file and line; or the page breaks the policy, naming the
            template that made it.
    """
    html = with_csp(render_text(env, template, context))
    problem = page_problem(html)
    if problem:
        raise SiteError(f"the page {rel} made from this template {problem}", template_file(env, template), FIX)
    return html


def render_text(env, template: str, context: dict) -> str:
    """A template rendered (a page, an SVG), its failures as one SiteError naming the template's file and line."""
    import jinja2

    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise SiteError(f"template error at line {exc.lineno}: {exc.message}", exc.filename or template,
                        "fix the template's syntax") from None
    except jinja2.TemplateNotFound as exc:
        raise SiteError(f"template {exc.name!r} not found: a template includes or extends others by their name "
                        "in templates/, never by a path", template_file(env, template),
                        "name a template of the station's templates/ or a built-in one") from None
    except UnicodeDecodeError:
        raise SiteError("a template is not UTF-8 text", template_file(env, template),
                        "save it as UTF-8") from None
    except RecursionError:
        raise SiteError("the template includes or extends itself without end", template_file(env, template),
                        "break the loop of includes") from None
    except Exception as exc:  # noqa: BLE001 - an error raised inside a template is the template's
        where = _template_frame(exc)
        if where is None:
            raise  # not in a template: our bug, with its traceback
        file, line = where
        text = " ".join(str(exc).split())[:160]
        raise SiteError(f"template error at line {line}: {type(exc).__name__}: {text}", file,
                        "fix the template") from None


def template_file(env, template: str) -> str:
    """The file a template name resolves to in env's folders, or the name when none has it."""
    for folder in getattr(env.loader, "searchpath", []):
        path = Path(folder) / template
        if path.is_file():
            return str(path)
    return template


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """(file, line) of the innermost template frame of the traceback (Jinja gives template frames the
    template's file name and line), or None when the error arose outside any template."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(TEMPLATE_SUFFIXES):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found
