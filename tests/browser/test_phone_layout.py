"""On a phone (390 px wide), with the demo data: no organiser page scrolls sideways, and axe finds nothing.

Wide tables scroll inside their own focusable region instead of the page; a 200-letter name wraps; the reach
charts' text stays readable; the suggestions show why a colleague is suggested without scrolling.
"""

from __future__ import annotations

import pytest

from organiser.events.models import Event
from organiser.extensions import db
from organiser.invitations.models import Invitation

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Olaf" + "Hendriks" * 24 + "XXXX"  # 200 letters without a space: a typo nobody should have to scroll past


def demo_ids(app) -> dict[str, int]:
    """The demo's events used below, and a person on a guest list who gets a very long name."""
    with app.app_context():

        def event(title: str) -> int:
            return db.session.scalar(db.select(Event.id).where(Event.title == title))

        ids = {
            "safari": event("Wijksafari Oosterpark"),
            "past_safari": event("Wijksafari De Velden"),
            "speurtocht": event("Speurtocht door het Havenkwartier"),
        }
        invitation = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == ids["past_safari"]).order_by(Invitation.id)
        ).first()
        invitation.person.name = LONG_NAME
        ids["person"] = invitation.person_id
        db.session.commit()
    assert all(ids.values()), ids
    return ids


def test_organiser_pages_fit_a_phone(live_server, page, a11y):
    app = live_server["app"]
    assert app.test_cli_runner().invoke(args=["demo-data", "--quiet"]).exit_code == 0
    ids = demo_ids(app)
    base = live_server["url"]
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres").fill("demo@organiser.example")
    page.get_by_label("Wachtwoord").fill("demo-organiser")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}/events")

    safari, past, speurtocht = ids["safari"], ids["past_safari"], ids["speurtocht"]
    paths = [
        "/events",
        "/agenda",
        "/people",
        f"/people/{ids['person']}",
        "/people/import",
        "/reach",
        "/reach/new-ties",
        "/mail",
        "/dev/mail",
        f"/events/{safari}/edit",
        f"/events/{safari}/guests/suggestions?aantal=10",
        f"/events/{past}",
        f"/events/{past}/stops",
        f"/events/{past}/guests",
        f"/events/{past}/answers",
        f"/events/{past}/attendance",
        f"/events/{past}/followup",
        f"/events/{speurtocht}/teams",
        f"/events/{speurtocht}/teams/print",
    ]
    for path in paths:
        response = page.goto(base + path)
        assert response.ok, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px wide"
        a11y.check()

        if path.endswith("/answers"):
            # The invitees' table is wider than the phone: it scrolls in its own region, named by its caption.
            region = page.get_by_role("region", name="Genodigden")
            assert region.evaluate("el => el.scrollWidth > el.clientWidth && el.tabIndex === 0")
            assert LONG_NAME in region.inner_text()
        elif path.startswith("/people/") and path != "/people/import":
            assert page.locator("h1").bounding_box()["width"] <= PHONE["width"]
        elif path in ("/reach", "/reach/new-ties"):
            # No viewBox shrinking the charts: what the reader sees is the font size app.css sets.
            sizes = page.evaluate(
                """[...document.querySelectorAll('svg.chart text')]
                    .filter(t => t.getBoundingClientRect().height > 0)
                    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
            )
            assert sizes and min(sizes) >= 12, sizes
        elif "/suggestions" in path:
            # Why someone is suggested matters most: on a phone each suggestion is stacked, the reasons in view.
            reasons = page.locator(".reasons").first.bounding_box()
            assert reasons["x"] + reasons["width"] <= PHONE["width"]
    assert len(a11y.checked) == len(paths)
