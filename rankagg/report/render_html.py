"""The report as one self-contained HTML page: inline CSS, inline SVG, a few lines of inline JavaScript.

Nothing is fetched when the page opens (a Content-Security-Policy forbids it);
every user-provided string (system, task, file names) is escaped.
"""

from __future__ import annotations

import html
import math
from typing import Any

from rankagg._format import fmt_value
from rankagg.report.text import (
    board_columns,
    data_lines,
    disagreement_rows,
    footer_items,
    settings_lines,
    summary_sentence,
)

__all__ = ["render_html"]

_CSS = """
:root { color-scheme: light; --fg: #1b1b1b; --muted: #5a5a5a; --line: #d0d0d0; --head: #f2f2f2; --hi: #fff4d6; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 1px solid var(--line); } h3 { font-size: 1.05rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: .5rem 0; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .2rem .55rem; vertical-align: top; }
thead th { background: var(--head); position: sticky; top: 0; text-align: left; white-space: nowrap; }
td.num, th.num { text-align: right; } tbody th { text-align: left; font-weight: 500; }
tbody tr:nth-child(even) { background: #fafafa; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th button:focus-visible { outline: 2px solid #0072b2; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: .7em; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: .7em; }
td.na { color: var(--muted); }
.muted, figcaption { color: var(--muted); font-size: .92em; }
figure { margin: 1.2rem 0; } figure svg { display: block; max-width: 100%; height: auto; }
code { font-size: .92em; background: #f4f4f4; padding: 0 .2em; word-break: break-all; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); padding-top: .5rem; }
ul.notes li, ol.pairs li { margin: .25rem 0; }
"""

_JS = """
(function () {
  function key(row, col) {
    var c = row.cells[col];
    var v = c.getAttribute("data-v");
    return v === null ? c.textContent.trim() : v;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        var num = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a, col), y = key(b, col);
          var xm = x === "" || (num && isNaN(+x)), ym = y === "" || (num && isNaN(+y));
          if (xm || ym) { return xm === ym ? 0 : (xm ? 1 : -1); }  /* missing values last, either way */
          var d = num ? (+x) - (+y) : x.localeCompare(y);
          return asc ? d : -d;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r); });
        body.appendChild(frag);
        Array.prototype.forEach.call(heads, function (h) {
          if (h.querySelector("button")) { h.setAttribute("aria-sort", "none"); }
        });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      });
    });
  });
})();
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _num(v: Any) -> str:
    """``data-v`` of a number: empty for missing."""
    if v is None:
        return ""
    x = float(v)
    return "" if math.isnan(x) else repr(x)


def _cell(v: Any, digits: int = 4, *, text: str | None = None) -> str:
    dv = _num(v)
    if dv == "":
        return '<td class="num na" data-v="">&ndash;</td>'
    shown = fmt_value(float(v), digits) if text is None else text
    return f'<td class="num" data-v="{dv}">{_e(shown)}</td>'


def _th(label: str, *, num: bool, sort: str | None = "none", title: str | None = None) -> str:
    cls = ' class="num"' if num else ""
    typ = ' data-type="num"' if num else ' data-type="text"'
    tip = f' title="{_e(title)}"' if title else ""
    if sort is None:
        return f'<th scope="col"{cls}{tip}>{_e(label)}</th>'
    return f'<th scope="col"{cls}{typ} aria-sort="{sort}"{tip}><button type="button">{_e(label)}</button></th>'


def _leaderboard_table(rep: Any) -> str:
    df = rep.leaderboard
    cols = board_columns(rep)
    conf = f"{100 * rep.bootstrap.confidence:g}%"
    ties = df["rank"].duplicated(keep=False).to_numpy()
    head = "".join(
        _th(c.label, num=c.numeric, sort="ascending" if c.key == "rank" else "none", title=c.help) for c in cols
    )
    body = []
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        rec = dict(zip(df.columns, row))
        cells = []
        for c in cols:
            v = rec.get(c.key)
            if c.key == "rank":
                cells.append(f'<td class="num" data-v="{int(v)}">{int(v)}{"=" if ties[i] else ""}</td>')
            elif c.key == "system":
                cells.append(f'<th scope="row">{_e(v)}</th>')
            elif c.key == "interval":
                lo, hi = int(rec["rank_low"]), int(rec["rank_high"])
                txt = str(lo) if lo == hi else f"{lo}\u2013{hi}"
                cells.append(f'<td class="num" data-v="{lo + hi / 1e6!r}">{txt}</td>')
            elif c.key == "p_top1":
                cells.append(_cell(v, text=f"{float(v):.3f}"))
            else:
                cells.append(_cell(v))
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"Leaderboard under {rep.rule}: {rep.table.n_systems} systems (click a column header to sort)"
    explain = (
        f"Rank and score under {rep.rule} ({rep.settings['score']}); the {conf} bootstrap rank interval and "
        f"P(top 1) over {rep.bootstrap.n_resamples} resamples of the tasks; the mean score and the mean of the "
        "per-task ranks for contrast; the raw score on each task (\u2191 higher is better, \u2193 lower). "
        "= marks tied ranks; a dash, a missing score."
    )
    return (
        f"<p>{_e(explain)}</p>"
        f'<div class="scroll"><table id="leaderboard-table" class="sortable"><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
    )


def _simple_table(caption: str, headers: list[tuple[str, bool]], rows: list[list[Any]], *, tid: str = "") -> str:
    """A sortable table; ``rows`` hold (text, sort value or None) pairs, or plain strings (row headers first)."""
    head = "".join(_th(h, num=num) for h, num in headers)
    out = []
    for r in rows:
        cells = []
        for k, c in enumerate(r):
            if k == 0:
                cells.append(f'<th scope="row">{_e(c)}</th>')
            elif isinstance(c, tuple):
                text, v = c
                dv = "" if v is None else _num(v)
                cells.append(f'<td class="num" data-v="{dv}">{_e(text)}</td>')
            else:
                cells.append(f"<td>{_e(c)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{tid}"' if tid else ""
    return (
        f'<div class="scroll"><table{ident} class="sortable"><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(out) + "\n</tbody></table></div>"
    )


def _comparison(rep: Any) -> str:
    cmp = rep.comparison
    parts = ['<section id="rules"><h2>Rules side by side</h2>']
    n_dis = cmp.n_disagreements()
    parts.append(
        "<p>Each rule ranks the same scores. Kendall tau-b between the consensus rankings (1: the same order), "
        f"and the number of pairs of systems each rule orders opposite to {_e(cmp.reference)}.</p>"
    )
    rows = []
    for r in cmp.rules:
        row: list[Any] = [r]
        for q in cmp.rules:
            t = float(cmp.agreement.loc[r, q])
            row.append((fmt_value(t, 3), t))
        n = int(n_dis.get(r, 0)) if r != cmp.reference else 0
        row.append((str(n), n))
        rows.append(row)
    headers = [("rule", False), *[(r, True) for r in cmp.rules], (f"pairs reversed vs {cmp.reference}", True)]
    parts.append(
        _simple_table(f"Kendall tau-b between rules; pairs ordered opposite to {cmp.reference}", headers, rows)
    )
    ranks = cmp.ranks
    rank_rows = [[s, *[(str(int(ranks.loc[s, r])), int(ranks.loc[s, r])) for r in cmp.rules]] for s in ranks.index]
    parts.append(
        f"<details><summary>Rank of every system under every rule ({len(ranks)} rows)</summary>"
        + _simple_table(
            f"Consensus ranks (1 = best) under each rule, rows in {cmp.reference} order",
            [("system", False), *[(r, True) for r in cmp.rules]],
            rank_rows,
            tid="ranks-table",
        )
        + "</details>"
    )
    parts.append("</section>")
    parts.append(f'<section id="disagreements"><h2>Where the rules disagree with {_e(cmp.reference)}</h2>')
    lines, more = disagreement_rows(rep)
    if not lines:
        parts.append(f"<p>Every rule agrees with {_e(cmp.reference)} on the order of every pair.</p>")
    else:
        parts.append(
            f"<p>Pairs that {_e(cmp.reference)} orders one way and other rules the other way, best pairs first, with "
            "their head-to-head record over the tasks: how many tasks each system of the pair wins against the "
            "other.</p>"
        )
        items = "".join(f"<li>{_e(d['sentence'])}</li>" for d in lines)
        tail = f'<p class="muted">... and {more} more pairs (rankagg compare --format csv lists them all).</p>'
        parts.append(f'<ol id="disagreements-list" class="pairs">{items}</ol>' + (tail if more else ""))
    parts.append("</section>")
    return "\n".join(parts)


def _figures(rep: Any) -> str:
    if not rep.figures:
        return ""
    parts = ['<section id="figures"><h2>Figures</h2>']
    for f in rep.figures:
        parts.append(
            f'<figure id="fig-{_e(f.key)}" class="figure"><h3>{_e(f.title)}</h3>{f.svg}'
            f"<figcaption>{_e(f.alt)}</figcaption></figure>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _dl(items: list[tuple[str, str]]) -> str:
    return '<dl class="meta">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items) + "</dl>"


def render_html(rep: Any) -> str:
    """The :class:`rankagg.report.Report` as one self-contained HTML page."""
    notes = "".join(f"<li>{_e(n)}</li>" for n in rep.notes)
    foot = "".join(f"<dt>{_e(k)}</dt><dd><code>{_e(v)}</code></dd>" for k, v in footer_items(rep))
    doc = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="rankagg {_e(rep.version)}">',
        f"<title>Leaderboard report: {_e(rep.source)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>Leaderboard: {_e(rep.source)}</h1><p>{_e(summary_sentence(rep))}</p>",
        "<h2>Data</h2>" + _dl(data_lines(rep)),
        "<h2>Settings</h2>" + _dl(settings_lines(rep)),
        "</header><main>",
        '<section id="leaderboard"><h2>Leaderboard</h2>',
        _leaderboard_table(rep),
        "</section>",
        (f'<section id="notes"><h2>Notes</h2><ul class="notes">{notes}</ul></section>' if rep.notes else ""),
        _comparison(rep),
        _figures(rep),
        "</main>",
        f'<footer><dl class="meta">{foot}</dl>'
        '<p class="muted">Made with rankagg; run the command above on a file with the same SHA-256, with the same '
        "seed, to make this report again.</p></footer>",
        f"<script>{_JS}</script>",
        "</body></html>",
    ]
    return "\n".join(x for x in doc if x) + "\n"
