"""Accessibility checks in the browser: axe-core (npm, pinned in package.json) and a reflow check for large text.

axe-core is read from node_modules/ and evaluated in the page with `page.evaluate`: lab's Content-Security-Policy
(`script-src 'self'`) refuses an inline `<script>` such as `page.add_script_tag(content=...)` makes, and the pages
are checked as they are served, so the policy stays on (no `bypass_csp`). DevTools evaluation is not a page script,
so the policy does not apply to it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.async_api import Page

from lab.settings import PROJECT_DIR

AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
NEEDS_AXE = pytest.mark.skipif(
    not AXE.exists() and not os.environ.get("CI"),
    reason="axe-core is not installed (make node_modules/.installed, which needs npm)",
)
"""Skips the accessibility tests without axe-core, except under CI, where a missing axe-core fails."""

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
NODES = 4  # nodes shown per violation

_RUN = """async ([tags, limit]) => {
  // The page as it settles, not in the middle of a glide: a row moving to its new place passes over another's bar
  // for half a second, and its colours then say nothing about the screen. Endless animations are not waited for.
  const ending = document.getAnimations().filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.race([
    Promise.all(ending.map((a) => a.finished.catch(() => null))),
    new Promise((done) => setTimeout(done, 5000)),
  ]);
  const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  const flat = (text) => (text || '').replace(/\\s+/g, ' ').trim();
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, limit).map((n) => ({
      target: n.target.map(String).join(' >> '), summary: flat(n.failureSummary),
    })),
  }));
}"""


def _source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE.relative_to(PROJECT_DIR)} is missing: run make node_modules/.installed")
    return AXE.read_text(encoding="utf-8") + "\n;true"


async def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and best-practice violations on the page once its animations have ended: one dict
    per rule with `id`, `impact`, `help`, `count` (nodes) and the first few `nodes` (`target` selector and failure
    `summary`)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_source())
    violations: list[dict[str, Any]] = await page.evaluate(_RUN, [TAGS, NODES])
    return violations


def describe(violations: list[dict[str, Any]]) -> list[str]:
    """Violations as readable lines (for failure messages)."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
    return lines


# -- reflow ------------------------------------------------------------------------------------------------------

LABELS = (
    "h1, h2, button, label, legend, [role=radio], [role=checkbox], .bar-label, .scale-label, .cloud-word, .card-text, "
    ".received-answer"
)
"""Where a word must stay whole: prompts, option labels (buttons, legends, labels) and result labels."""

_REFLOW = """([selectors, controls, width]) => {
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + [...e.classList].map((c) => '.' + c).join('');
  const seen = new Set();
  const split = [];
  // Would the word have fitted on a line of its own? Its width unbroken, against the width its line box has (the
  // content box of the nearest element that is not inline). A word wider than that must break or stick out.
  const fits = (node, word) => {
    const probe = document.createElement('span');
    probe.textContent = word.replace(/[\\-\\u2010]$/, '');
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
    node.parentElement.append(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    let box = node.parentElement;
    while (getComputedStyle(box).display === 'inline') box = box.parentElement;
    const style = getComputedStyle(box);
    // in fractions of a pixel (clientWidth is rounded): a word 0.2 px wider than its line does not fit
    const room = box.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
      - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth);
    return needed <= room + 0.01;
  };
  for (const element of document.querySelectorAll(selectors)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (seen.has(node)) continue;
      seen.add(node);
      // a word ends at a space or after a hyphen (breaking after a hyphen is ordinary typography)
      for (const match of node.data.matchAll(/[^\\s\\-\\u2010]+[\\-\\u2010]?/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0)
          .map((r) => r.top).sort((a, b) => a - b);
        const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > 2).length;
        if (lines > 1) {
          split.push({ word: match[0], lines, element: name(node.parentElement), fits: fits(node, match[0]) });
        }
      }
    }
  }
  // a control another element covers cannot be tapped (each is scrolled into view to look)
  const covered = [];
  const [x, y] = [scrollX, scrollY];
  for (const control of document.querySelectorAll(controls)) {
    if (!control.getClientRects().length || getComputedStyle(control).visibility === 'hidden') continue;
    control.scrollIntoView({ block: 'center', inline: 'center' });
    const r = control.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const own = hit && (control.contains(hit) || (hit.control || hit.closest('label')?.control) === control);
    const text = (control.textContent || control.value || '').trim().slice(0, 40);
    if (hit && !own) covered.push({ control: name(control), text, by: name(hit) });
  }
  scrollTo(x, y);
  // what sticks out: the innermost elements whose box or content reaches past `width`
  const right = (e) => {  // content counts where it is not clipped
    const r = e.getBoundingClientRect();
    const shown = getComputedStyle(e).overflowX === 'visible' ? r.left + e.scrollWidth : r.right;
    return Math.max(r.right, shown) + scrollX;
  };
  const past = (e) => right(e) > width + 1;
  const wide = [...document.body.querySelectorAll('*')].filter((e) => past(e) && ![...e.children].some(past))
    .slice(0, 8).map((e) => ({
      element: name(e), text: (e.textContent || '').trim().slice(0, 40), right: Math.round(right(e)),
    }));
  const doc = document.documentElement;
  return {
    scroll_width: doc.scrollWidth, client_width: doc.clientWidth, inner_width: window.innerWidth, split, covered, wide,
  };
}"""


CONTROLS = "a[href], button, input, select, textarea, [role=radio], [role=checkbox], [role=button]"


async def reflow(page: Page, selectors: str = LABELS, controls: str = CONTROLS) -> dict[str, Any]:
    """How the page fits its viewport: the document's `scroll_width` next to its `client_width` and the window's
    `inner_width`; `wide`: the first innermost elements sticking out past the viewport's width (`element`, `text`,
    `right`); `split`: each word in `selectors` that the browser broke across lines (`word`, `lines`, `element`, and
    `fits`: whether it would have fitted on a line of its own, so that breaking it was avoidable);
    `covered`: each of `controls` whose middle another element covers (`control`, `text`, `by`).

    A phone (is_mobile) lays out a page that is too wide at its content's width and zooms out: `inner_width` then
    grows past the viewport, and `wide` is measured against the viewport as configured."""
    width = page.viewport_size["width"] if page.viewport_size else await page.evaluate("innerWidth")
    found: dict[str, Any] = await page.evaluate(_REFLOW, [selectors, controls, width])
    return found


_TEXT_SIZE = """(percent) => {
  // one synchronous call, so the page cannot re-render between the two measurements
  const root = document.documentElement;
  const name = (e) => e.tagName.toLowerCase() + [...e.classList].map((c) => '.' + c).join('');
  const texts = [...document.querySelectorAll('body *')]
    .filter((e) => e.getClientRects().length && [...e.childNodes].some((n) => n.nodeType === 3 && n.data.trim()));
  root.style.fontSize = '';
  const before = texts.map((e) => parseFloat(getComputedStyle(e).fontSize));
  root.style.fontSize = percent + '%';
  const after = texts.map((e) => parseFloat(getComputedStyle(e).fontSize));
  return texts.map((e, i) => [name(e), before[i], after[i]]);
}"""


async def text_size(page: Page, percent: int) -> list[str]:
    """Set the root font size to `percent` (as a reader's browser setting does: the stylesheet sizes text in rem and
    em, so text follows) and return the text elements whose size did not follow, as 'element: 18px -> 20px'."""
    sizes: list[list[Any]] = await page.evaluate(_TEXT_SIZE, percent)
    ratio = percent / 100
    lines = [
        f"{name}: {old:g}px -> {new:g}px" for name, old, new in sizes if abs(new - old * ratio) > 0.05 * old * ratio
    ]
    return list(dict.fromkeys(lines))
