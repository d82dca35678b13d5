"""In a real browser, with the demo data: attendance recorded for the demo speurtocht, the follow-up mails sent
through a real SMTP server the morning after, two attendees answer and share their contact details and see each
other, and the new-ties page counts what they said. Every page is checked by axe-core."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from organiser.events.models import Event
from organiser.extensions import db as _db
from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.invitations.links import issue_rsvp_token
from organiser.invitations.models import Invitation, InvitationState
from organiser.jobs import run_scheduled_jobs
from organiser.mail.dispatch import dispatch_due
from organiser.people.models import ContactRole, PersonKind
from organiser.teams.demo import SPEURTOCHT
from tests.mail.conftest import SMTPServer

pytestmark = pytest.mark.browser


def _move_speurtocht_to_two_days_ago(app) -> dict:
    """The demo speurtocht, held two days ago (its route moved with it); every attendee has a personal link.
    Returns the ids and names the test needs: an office colleague and a resident of a host initiative."""
    with app.app_context():
        event = _db.session.scalar(_db.select(Event).where(Event.title == SPEURTOCHT))
        shift = event.starts_at - (utcnow() - timedelta(days=2))
        event.starts_at, event.ends_at = event.starts_at - shift, event.ends_at - shift
        event.rsvp_deadline = event.starts_at - timedelta(days=3)
        for stop in event.stops:
            stop.starts_at, stop.ends_at = stop.starts_at - shift, stop.ends_at - shift
        coming = _db.session.scalars(
            _db.select(Invitation)
            .where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
            .order_by(Invitation.id)
        ).all()
        for invitation in coming:
            issue_rsvp_token(invitation)
        office = next(i.person for i in coming if i.person.contact_role == ContactRole.OFFICE)
        resident = next(i.person for i in coming if i.person.kind == PersonKind.RESIDENT)
        absent = next(i.person for i in coming if i.person not in (office, resident))
        facts = {
            "event_id": event.id,
            "office": (office.name, office.email, office.department.name),
            "resident": (resident.name, resident.email, resident.initiatives[0].name),
            "absent": absent.email,
            "day": to_local(event.starts_at).date().isoformat(),
        }
        _db.session.commit()
        return facts


def _send_the_morning_after(app, smtp: SMTPServer) -> None:
    """`flask jobs` and the outbox worker as they run the morning after, with a real SMTP server."""
    with app.app_context():
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT=5)
        results = run_scheduled_jobs()
        assert results["followup_questions"] == 2
        while dispatch_due().sent:
            pass
        app.config.update(MAIL_SERVER=None)


def _followup_link(smtp: SMTPServer, address: str, base: str) -> str:
    (mail,) = [
        m for m in smtp.handler.messages if m["To"].addresses[0].addr_spec == address and "nieuw" in m["Subject"]
    ]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    url = re.search(r"http://organiser\.test(/rsvp/[^/\s]+/followup)", text).group(1)
    return base + url


def test_follow_up_after_the_demo_speurtocht(live_server, page, a11y, log_in):
    app, base = live_server["app"], live_server["url"]
    assert app.test_cli_runner().invoke(args=["demo-data", "--quiet"]).exit_code == 0
    facts = _move_speurtocht_to_two_days_ago(app)
    office_name, office_email, department = facts["office"]
    resident_name, resident_email, initiative = facts["resident"]

    log_in("demo@organiser.example", "demo-organiser")
    page.goto(f"{base}/events/{facts['event_id']}/attendance")
    a11y.check()
    page.get_by_label(f"aanwezig: {office_name}").check()
    page.get_by_label(f"aanwezig: {resident_name}").check()
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    page.get_by_text("De aanwezigheid is opgeslagen: 2 aanwezig.").wait_for()
    a11y.check()

    smtp = SMTPServer()
    smtp.start()
    try:
        _send_the_morning_after(app, smtp)
    finally:
        smtp.stop()
    recipients = {m["To"].addresses[0].addr_spec for m in smtp.handler.messages if "nieuw" in m["Subject"]}
    assert recipients == {office_email, resident_email}  # only who was there; not facts["absent"]
    office_link = _followup_link(smtp, office_email, base)
    resident_link = _followup_link(smtp, resident_email, base)

    # The office colleague answers: met someone of the resident's initiative, keeps in touch, and shares.
    page.goto(office_link)
    page.get_by_role("heading", name="Uw antwoorden").wait_for()
    a11y.check()
    page.get_by_role("group", name="Heeft u iemand nieuw leren kennen?").get_by_label("Ja").check()
    page.get_by_label(initiative, exact=True).check()
    page.get_by_role("group", name="Houdt u contact met iemand die u daar leerde kennen?").get_by_label("Ja").check()
    page.get_by_label("Waarover? (optioneel)").fill("Een vergunning voor hun buurtfeest")
    page.get_by_label("4 – heel goed").check()
    page.get_by_role("button", name="Antwoorden versturen").click()
    page.get_by_text("Dank u wel! Uw antwoorden zijn opgeslagen.").wait_for()
    a11y.check()
    page.get_by_role("button", name="Deel mijn naam en e-mailadres").click()
    page.get_by_text("Nog niemand anders deelt zijn gegevens.").wait_for()
    a11y.check()
    # Their invitation page leads back to the questions (for whom lost the mail).
    page.goto(office_link.removesuffix("/followup"))
    a11y.check()
    page.get_by_role("link", name="Naar de vragen na afloop en het uitwisselen van contactgegevens").click()
    page.get_by_role("heading", name="Uw antwoorden").wait_for()

    # The resident answers: met someone of the colleague's department, and shares too: each sees the other.
    page.goto(resident_link)
    a11y.check()
    page.get_by_role("group", name="Heeft u iemand nieuw leren kennen?").get_by_label("Ja").check()
    page.get_by_label(department, exact=True).check()
    page.get_by_label("5 – uitstekend").check()
    page.get_by_role("button", name="Antwoorden versturen").click()
    page.get_by_text("Dank u wel! Uw antwoorden zijn opgeslagen.").wait_for()
    page.get_by_role("button", name="Deel mijn naam en e-mailadres").click()
    page.locator("#contacts").get_by_role("link", name=office_email).wait_for()
    a11y.check()
    page.goto(office_link)
    page.locator("#contacts").get_by_role("link", name=resident_email).wait_for()
    a11y.check()

    # The organiser: the event's evaluation and the new-ties page match the answers.
    page.goto(f"{base}/events/{facts['event_id']}/followup")
    a11y.check()
    figures = page.locator("#evaluation-figures")
    assert figures.get_by_role("row", name="Geantwoord").inner_text().split()[-1] == "2"
    assert "Een vergunning voor hun buurtfeest" in page.locator("#remarks").inner_text()
    page.goto(f"{base}/reach?from={facts['day']}&to={facts['day']}")  # the day of the speurtocht (the demo has more)
    a11y.check()
    page.get_by_role(
        "link", name="Nieuwe contacten: wat deelnemers na afloop zeggen over wie ze leerden kennen"
    ).click()
    page.get_by_role("img", name="Nieuwe contacten tussen afdelingen en initiatieven").wait_for()
    a11y.check()
    ties = page.locator("#table-ties")
    assert ties.locator("thead th").all_inner_texts() == ["Afdeling", initiative, "Totaal"]
    # Both reported the same tie, each from their side: the colleague's department with the resident's initiative.
    assert ties.locator("tbody tr").first.inner_text().split("\t") == [department, "2", "2"]
    office = page.locator("#table-office-ties tbody tr").all_inner_texts()
    assert [row.split("\t")[-1] for row in office] == ["2", "2", "1", "1", "100%"]
    assert len(a11y.checked) == 12
