"""In a real browser (issue 16): a resident signs up for a public bruiscafé, confirms from the mail, and appears
on the organiser's answers page with the mix updated; every page checked with axe-core."""

from __future__ import annotations

import re

import pytest

from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage

pytestmark = pytest.mark.browser


def test_a_resident_signs_up_confirms_and_the_organiser_sees_it(
    live_server, page, a11y, log_in, db, organiser, create_event, create_initiative, invite
):
    base = live_server["url"]
    create_initiative("Buurtmoestuin Oost")
    event = create_event(
        title="Bruiscafé Oost",
        format="bruiscafe",
        organiser=organiser,
        signup_open=True,
        signup_seats=5,
        max_plus_ones=1,
    )
    invite(event, "Kantoorcollega", InvitationState.YES)

    page.goto(f"{base}/agenda")
    a11y.check()
    page.get_by_role("link", name="Bruiscafé Oost").click()
    page.get_by_role("heading", name="Meedoen").wait_for()
    a11y.check()
    page.get_by_label("Uw naam").fill("Sanne de Vries")
    page.get_by_label("Uw e-mailadres").fill("sanne@example.org")
    page.get_by_label("Bewoner (eventueel van een bewonersinitiatief)").check()
    page.get_by_label("Uw bewonersinitiatief (alleen voor bewoners, optioneel)").select_option(
        label="Buurtmoestuin Oost"
    )
    page.get_by_label("Opmerking (optioneel)").fill("Ik kom met de rolstoel")
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_role("heading", name="Kijk in uw e-mail").wait_for()
    a11y.check()

    # The mail: a link to a page with a confirm button.
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "signup_confirm"))
    link = re.search(r"http://\S+/aanmelden/[A-Za-z0-9_-]+", mail.text_body).group(0)
    page.goto(base + link.split("organiser.test", 1)[1])
    page.get_by_role("heading", name="Aanmelding bevestigen").wait_for()
    a11y.check()
    page.get_by_role("button", name="Ja, bevestig mijn aanmelding").click()
    page.get_by_text("Uw aanmelding is bevestigd").wait_for()
    assert "/rsvp/" in page.url
    a11y.check()

    context = page.context
    context.clear_cookies()
    log_in()
    page.goto(f"{base}/events/{event.id}/answers")
    page.get_by_role("rowheader", name="Sanne de Vries zelf aangemeld").wait_for()
    a11y.check()
    content = page.content()
    assert "zelf aangemeld" in content and "Op eigen initiatief: 1. Op uitnodiging: 1" in content
    # The mix counts her: one resident comes.
    residents = page.locator("#mix-heading ~ .mix-tables tfoot tr", has_text="Bewoners").first
    assert residents.locator("td").nth(2).inner_text().strip() == "1"
    db.session.expire_all()
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.signed_up_at.is_not(None)))
    assert invitation.state == InvitationState.YES and invitation.note == "Ik kom met de rolstoel"

    page.get_by_role("link", name="Instellingen voor aanmelden en de wachtlijst").click()
    page.get_by_role("heading", name="Aanmelden via de agenda").wait_for()
    a11y.check()
    assert len(a11y.checked) == 7
