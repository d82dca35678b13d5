"""In a real browser (issue 17): copy the demo wijksafari to next month, make a monthly series of the demo bruiscafé,
send the invitations of one occurrence and answer it through its RSVP link. axe-core checks every page."""

from __future__ import annotations

import pytest

from organiser.events.models import Event, Series
from organiser.extensions import db
from organiser.invitations import links
from organiser.invitations.models import Invitation, InvitationState

pytestmark = pytest.mark.browser


def test_copy_the_wijksafari_make_a_bruiscafe_series_and_answer_one_date(live_server, page, a11y, log_in):
    app, base = live_server["app"], live_server["url"]
    assert app.test_cli_runner().invoke(args=["demo-data", "--quiet"]).exit_code == 0
    log_in("demo@organiser.example", "demo-organiser")
    a11y.check()

    # Copy the wijksafari (no guests yet in the demo) to next month.
    page.get_by_role("link", name="Wijksafari Oosterpark").first.click()
    a11y.check()
    page.get_by_role("link", name="Kopiëren naar een nieuwe datum").click()
    a11y.check()
    suggested = page.get_by_label("Nieuwe datum en begintijd").input_value()
    assert suggested.endswith("T13:00")  # a month on, at the same time
    page.get_by_role("button", name="Kopiëren").click()
    page.get_by_text("De kopie is opgeslagen als concept.").wait_for()
    a11y.check()
    assert page.locator("ol.timeline li").count() == 4  # the route came along
    copy_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        copy = db.session.get(Event, copy_id)
        assert copy is not None and copy.status.value == "draft" and len(copy.stops) == 4
        assert [h.name for h in copy.hosts] == ["Moestuin De Groene Vingers", "Repair Café Oost"]

    # A monthly series of the bruiscafé: three dates, each its own event.
    page.get_by_role("link", name="Mijn bijeenkomsten").click()
    page.get_by_role("link", name="Bruiscafé in de Buurtkamer").first.click()
    page.get_by_role("link", name="Herhalen als reeks").click()
    a11y.check()
    page.get_by_label("Elke maand op dezelfde weekdag (bijvoorbeeld de eerste dinsdag)").check()
    page.get_by_label("Een aantal keer").check()
    page.get_by_label("Aantal keer (deze bijeenkomst meegeteld)").fill("3")
    page.get_by_label("Gastenlijst meenemen (zonder wie heeft afgezegd)").check()
    page.get_by_role("button", name="Reeks maken").click()
    page.get_by_text("De reeks is gemaakt: 3 bijeenkomsten").wait_for()
    a11y.check()
    dates = page.locator("ul.cards li")
    assert dates.count() == 3
    with app.app_context():
        series = db.session.scalar(db.select(Series).where(Series.title == "Bruiscafé in de Buurtkamer"))
        listed = db.session.scalars(db.select(Invitation.state).where(Invitation.event_id == series.events[1].id)).all()
        assert listed and set(listed) == {InvitationState.LISTED}  # the guest list came along, unsent
    assert all("16:00–18:00" in dates.nth(n).inner_text() for n in range(3))

    # The second date: send its invitations, then answer through one RSVP link.
    dates.nth(1).get_by_role("link").click()
    a11y.check()
    assert "Deze bijeenkomst hoort bij de reeks" in page.content()
    second_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_role("link", name="Uitnodigingen versturen").click()
    a11y.check()
    page.locator("form.form button[type=submit]").click()
    page.get_by_text("uitnodigingen worden verstuurd.", exact=False).first.wait_for()
    a11y.check()
    with app.app_context():
        invitation = db.session.scalars(
            db.select(Invitation)
            .where(Invitation.event_id == second_id, Invitation.state == InvitationState.INVITED)
            .order_by(Invitation.id)
        ).first()
        assert invitation is not None
        token, invitation_id, person_id = links.rsvp_token(invitation), invitation.id, invitation.person_id
        series = db.session.scalar(db.select(Series).where(Series.title == "Bruiscafé in de Buurtkamer"))
        others = [e.id for e in series.events if e.id != second_id]
        before = {
            event_id: db.session.scalar(
                db.select(Invitation.state).where(Invitation.event_id == event_id, Invitation.person_id == person_id)
            )
            for event_id in others
        }

    page.context.clear_cookies()
    page.goto(f"{base}/rsvp/{token}")
    a11y.check()
    page.get_by_label("Ja, ik kom").check()
    page.get_by_role("button", name="Antwoord versturen").click()
    page.get_by_text("Komt", exact=True).first.wait_for()
    a11y.check()
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).state == InvitationState.YES
        after = {
            event_id: db.session.scalar(
                db.select(Invitation.state).where(Invitation.event_id == event_id, Invitation.person_id == person_id)
            )
            for event_id in others
        }
    assert after == before  # the other dates keep their own answers

    page.goto(f"{base}/agenda")
    assert page.get_by_text("Onderdeel van de reeks").count() >= 1
    a11y.check()
