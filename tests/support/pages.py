"""Helpers for browser tests (Playwright pages on the live stack)::

shoot(page, name)              screenshots at desktop and phone width into test-artifacts/
assert_no_overflow(page)       nothing wider than the phone viewport
assert_accessible(page)        alt text, lang, one h1, labelled fields, no positive tabindex
assert_images_loaded(page)     every <img> decoded (naturalWidth > 0)
check_page(page, name)         all four, in that order
tick_not_a_robot(page)         tick the form's "I'm not a robot" box, wait until it says Verified
register_and_activate(...)     on an open claim page: register, activate by the mailed code
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def _test_dir() -> Path:
    """test-artifacts/screenshots/<test file stem>.<test name>/ for the running test."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "unknown::unknown (call)").rsplit(" ", 1)[0]
    path, _, name = current.partition("::")
    safe = re.sub(r"[^\w.-]+", "_", f"{Path(path).stem}.{name}").strip("_")
    return SCREENSHOTS / safe


def _at(page: Page, size: dict) -> dict:
    """Resize the page's viewport; return the size it had."""
    before = page.viewport_size or DESKTOP
    page.set_viewport_size(size)
    return before


def shoot(page: Page, name: str) -> tuple[Path, Path]:
    """Full-page screenshots at desktop (1280 x 800) and phone (390 x 844) width:
    test-artifacts/screenshots/<test>/<name>-desktop.png and <name>-phone.png."""
    folder = _test_dir()
    folder.mkdir(parents=True, exist_ok=True)
    shots = (folder / f"{name}-desktop.png", folder / f"{name}-phone.png")
    before = _at(page, DESKTOP)
    try:
        page.screenshot(path=shots[0], full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=shots[1], full_page=True)
    finally:
        page.set_viewport_size(before)
    return shots


_OVERFLOW = """() => {
  const width = window.innerWidth;
  const scroll = document.scrollingElement.scrollWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5) {
      const id = el.id ? '#' + el.id : '';
      const names = typeof el.className === 'string' ? el.className.trim() : '';
      const cls = names ? '.' + names.split(/\\s+/).join('.') : '';
      wide.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(box.right)}`);
    }
  }
  return {width, scroll, wide: wide.slice(0, 10)};
}"""


def assert_no_overflow(page: Page) -> None:
    """At phone width (390 px) nothing makes the page scroll sideways."""
    before = _at(page, PHONE)
    try:
        found = page.evaluate(_OVERFLOW)
    finally:
        page.set_viewport_size(before)
    if found["scroll"] > found["width"]:
        raise AssertionError(
            f"{page.url} scrolls sideways at {PHONE['width']} px: scrollWidth {found['scroll']}; "
            f"elements past the edge: {found['wide']}"
        )


_A11Y = """() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 120);
  if (!(document.documentElement.getAttribute('lang') || '').trim()) problems.push('<html> has no lang');
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} <h1> elements, want exactly 1`);
  for (const img of document.images) {
    if (!(img.getAttribute('alt') || '').trim()) problems.push(`image without alt text: ${describe(img)}`);
  }
  const skip = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  for (const field of document.querySelectorAll('input, select, textarea')) {
    if (field.tagName === 'INPUT' && skip.has((field.getAttribute('type') || 'text').toLowerCase())) continue;
    const named = (field.getAttribute('aria-label') || '').trim()
      || (field.getAttribute('aria-labelledby') || '').trim()
      || field.closest('label')
      || (field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`));
    if (!named) problems.push(`field without a label: ${describe(field)}`);
  }
  for (const el of document.querySelectorAll('[tabindex]')) {
    if (parseInt(el.getAttribute('tabindex'), 10) > 0) problems.push(`positive tabindex: ${describe(el)}`);
  }
  return problems;
}"""


def assert_accessible(page: Page) -> None:
    """The basics a screen-reader or keyboard user needs: alt text on every image, <html lang>,
    exactly one <h1>, a label for every field (label[for], a wrapping label, aria-label or
    aria-labelledby), and no positive tabindex that would reorder focus."""
    problems = page.evaluate(_A11Y)
    if problems:
        raise AssertionError(f"{page.url}: " + "; ".join(problems))


def assert_images_loaded(page: Page) -> None:
    """Every <img> on the page has loaded and decoded (naturalWidth > 0)."""
    page.wait_for_load_state("load")
    broken = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    if broken:
        raise AssertionError(f"{page.url}: images that did not load: {broken}")


def check_page(page: Page, name: str) -> None:
    """All of the above: images loaded, accessible, no sideways scroll at phone width, screenshots."""
    assert_images_loaded(page)
    assert_accessible(page)
    assert_no_overflow(page)
    shoot(page, name)


def tick_not_a_robot(page: Page) -> None:
    """Tick the form's "I'm not a robot" box as a person would, then wait until the widget has solved its
    proof of work and says Verified (templates/pages/_altcha.html)."""
    page.get_by_role("checkbox", name="I'm not a robot").click()
    page.get_by_role("checkbox", name="Verified", checked=True).wait_for()


def register_and_activate(page: Page, live, email: str, first: str, last: str) -> None:
    """On an open claim page: fill in the registration form, then activate with the mailed code and the
    password chosen at registration, as a person would; ends on the backpack."""
    from tests.support.earners import PASSWORD, activation_code

    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    tick_not_a_robot(page)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("6-digit code").fill(activation_code(live.wait_for_mail(email)["html"]))
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Activate", exact=True).click()
    page.wait_for_url("**/backpack")
