"""A station's own templates/ and static/ come before lofipress's (as layouts/ and static/ do in Hugo and Zola):
a template of the same name replaces the built-in one, static/ lands at the site root (CNAME, robots.txt), the
player's files keep their static/ folder, and changing either rebuilds the site."""
from __future__ import annotations

import pytest

import build_fixture as bf
from lofipress import cli
from lofipress.core import resources


@pytest.mark.slow
def test_a_station_s_own_templates_and_static_files_win_and_rebuild_the_site(tmp_path, capsys):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    site = station / "site"
    built_in_css = (resources.STATIC / "style.css").read_bytes()
    assert (site / "static" / "style.css").read_bytes() == built_in_css

    (station / "templates").mkdir()
    about = (resources.TEMPLATES / "about.html").read_text(encoding="utf-8")
    marker = "<p>Pressed in my kitchen.</p>"
    (station / "templates" / "about.html").write_text(about.replace("</main>", f"{marker}</main>", 1),
                                                      encoding="utf-8")
    own = station / "static"
    (own / "static").mkdir(parents=True)
    (own / "static" / "style.css").write_bytes(built_in_css + b"\nbody { letter-spacing: 0.01em; }\n")
    (own / "extra.txt").write_text("mine")
    (own / "CNAME").write_text("radio.example.org\n")
    (own / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (own / ".well-known").mkdir()
    (own / ".well-known" / "security.txt").write_text("Contact: mailto:me@example.org\n")
    (own / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert cli.main(["build", "--station", str(station / "station.toml"), "--quiet"]) == 0
    assert "site unchanged" not in capsys.readouterr().out  # the station's files are part of the site's key
    assert marker in (site / "about.html").read_text(encoding="utf-8")
    assert marker not in (site / "index.html").read_text(encoding="utf-8")  # the rest stays built-in
    assert (site / "static" / "style.css").read_bytes().endswith(b"letter-spacing: 0.01em; }\n")
    assert (site / "extra.txt").read_text() == "mine" and not (site / "static" / "extra.txt").exists()
    assert (site / "CNAME").read_text() == "radio.example.org\n"  # a custom domain set from the station
    assert (site / "robots.txt").is_file() and (site / ".well-known" / "security.txt").is_file()
    assert (site / "favicon.svg").read_text() == '<svg xmlns="http://www.w3.org/2000/svg"/>'  # the station's icon
    assert (site / ".nojekyll").is_file()
    assert (site / "static" / "player" / "main.js").read_bytes() == (resources.STATIC / "player" / "main.js").read_bytes()

    (station / "templates" / "about.html").unlink()  # taken away: the built-in page is back
    assert cli.main(["build", "--station", str(station / "station.toml"), "--quiet"]) == 0
    assert marker not in (site / "about.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, built", [("index.html", "index.html"), ("manifest.json", "manifest.json"),
                                         ("tracks/t01.html", "tracks/t01.html"), ("audio", "audio"),
                                         ("notes/x.json/inner", "notes/x.json")])
def test_a_static_file_that_would_replace_what_the_build_writes_is_an_error_naming_both(tmp_path, capsys, name,
                                                                                         built):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    site = station / "site"
    before = bf.tree_digest(site)
    if name == "notes/x.json/inner":  # a folder where the build writes a file
        name, built = f"notes/{next(iter((site / 'notes').iterdir())).name}/inner", \
            f"notes/{next(iter((site / 'notes').iterdir())).name}"
    mine = station / "static" / name
    mine.parent.mkdir(parents=True)
    mine.write_text("mine")
    assert cli.main(["build", "--station", str(station / "station.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"static/{name} would replace {built}" in err
    assert bf.first_difference(before, bf.tree_digest(site)) is None  # untouched


def test_a_static_link_out_of_the_station_is_refused(tmp_path, capsys):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    (station / "static").mkdir()
    (station / "static" / "leak.txt").symlink_to(secret)
    assert cli.main(["build", "--station", str(station / "station.toml")]) == 2
    assert "static/leak.txt is a link to a file outside" in capsys.readouterr().err
    assert not (station / "site" / "leak.txt").exists()


def test_a_template_link_out_of_the_station_is_refused(tmp_path, capsys):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    secret = tmp_path / "about.html"
    secret.write_text((resources.TEMPLATES / "about.html").read_text(encoding="utf-8"))
    (station / "templates").mkdir()
    (station / "templates" / "about.html").symlink_to(secret)
    assert cli.main(["build", "--station", str(station / "station.toml")]) == 2
    assert "templates/about.html is a link to a file outside" in capsys.readouterr().err


ABOUT_MAIN = "</main>"
BROKEN_TEMPLATES = {  # what goes into the station's about.html -> what the one line says
    "an inline script": (f"<script>alert(1)</script>{ABOUT_MAIN}", "holds an inline <script>"),
    "a javascript: link": (f'<a href="javascript:alert(1)">x</a>{ABOUT_MAIN}', "holds a link that runs code"),
    "a style attribute": (f'<p style="color:red">x</p>{ABOUT_MAIN}', "holds a style attribute"),
    "an event handler": (f'<img src="x.png" onerror="alert(1)">{ABOUT_MAIN}', "holds an event-handler attribute"),
    "a division by zero": (f"{{{{ 1/0 }}}}{ABOUT_MAIN}", "template error at line"),
    "a bad tag": (f"{{% if %}}{ABOUT_MAIN}", "template error at line"),
    "an undefined attribute": (f"{{{{ station.nosuch.deeper }}}}{ABOUT_MAIN}", "UndefinedError"),
    "a path out": (f'{{% include "../../secret.html" %}}{ABOUT_MAIN}', "not found"),
    "itself": (f'{{% include "about.html" %}}{ABOUT_MAIN}', "includes or extends itself"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_TEMPLATES) + ["no policy", "not UTF-8"])
def test_a_station_template_that_breaks_the_policy_or_fails_is_one_line_naming_it(tmp_path, capsys, case):
    """A strict CSP on every page, whoever wrote the template; a template's error names its file, exit 2."""
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    site = station / "site"
    before = bf.tree_digest(site)
    about = (resources.TEMPLATES / "about.html").read_text(encoding="utf-8")
    mine = station / "templates" / "about.html"
    mine.parent.mkdir()
    if case == "no policy":  # a page of its own, not extending _base.html
        mine.write_text("<!doctype html><title>about</title><p>hello</p>")
        said = "does not carry the site's Content-Security-Policy"
    elif case == "not UTF-8":
        mine.write_bytes(about.encode("utf-8").replace(b"</main>", b"\xff\xfe</main>", 1))
        said = "not UTF-8"
    else:
        insert, said = BROKEN_TEMPLATES[case]
        mine.write_text(about.replace(ABOUT_MAIN, insert, 1), encoding="utf-8")
    assert cli.main(["build", "--station", str(station / "station.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and said in err[0], err
    assert str(mine) in err[0] or "about.html" in err[0]
    assert bf.first_difference(before, bf.tree_digest(site)) is None  # untouched
