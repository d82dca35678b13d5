"""On a phone at the door: search the check-in list as you type, tick in one tap, add walk-ins, scan a QR pass;
the invitee's page with the code and a team's route card. Every page checked by axe-core."""

from __future__ import annotations

import re

import pytest

from organiser.extensions import utcnow
from organiser.invitations import links, passes
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import Person
from organiser.teams import formation
from tests.factories import route

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_checking_people_in_on_a_phone(
    live_server, page, log_in, a11y, db, create_organiser, create_event, create_person, invite, rsvp_token
):
    organiser = create_organiser()
    event = create_event("Bruiscafé van vandaag", starts_at=utcnow(), organiser=organiser)
    vera = invite(event, create_person("Vera Vergunning"), InvitationState.YES)
    invite(event, create_person("Ümit Özdemir"), InvitationState.YES)
    anna = invite(event, create_person("Anna de Vries"), InvitationState.YES)
    create_person("Frits Financiën", department="Financiën")
    token = rsvp_token(anna)
    base = live_server["url"]
    page.set_viewport_size(PHONE)

    # The invitee's own page shows the QR code for the door.
    page.goto(f"{base}/rsvp/{token}")
    qr = page.get_by_role("img", name="QR-code om u aan te melden bij de ingang")
    qr.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    a11y.check()

    log_in()
    page.goto(f"{base}/checkin/events/{event.id}")
    a11y.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Search as you type: the list narrows with every letter, accents ignored.
    search = page.get_by_label("Zoek op naam")
    search.press_sequentially("umi")
    assert page.locator("#checkin-list li:visible").count() == 1
    assert page.locator("#checkin-list li:visible").inner_text().startswith("Ümit Özdemir")
    page.get_by_role("status").filter(has_text="gevonden: 1").wait_for()
    search.fill("")
    search.press_sequentially("vera")
    # One tap: Vera is present, and the page comes back narrowed to her.
    page.get_by_role("button", name=re.compile(r"^Aanwezig\W+Vera Vergunning$")).click()
    page.get_by_text("Vera Vergunning is aanwezig.").wait_for()
    assert "q=vera" in page.url
    assert page.get_by_role("button", name=re.compile(r"^Toch niet\W+Vera Vergunning is niet aanwezig$")).is_visible()
    a11y.check()
    db.session.expire_all()
    assert db.session.get(Invitation, vera.id).attended is True

    # A walk-in from the directory: search, then add.
    search = page.get_by_label("Zoek op naam")
    search.fill("Frits")
    search.press("Enter")
    page.get_by_role("button", name=re.compile(r"^Toevoegen\W+Frits Financiën$")).click()
    page.get_by_text("Frits Financiën is toegevoegd als inloper en is aanwezig.").wait_for()
    a11y.check()
    # A walk-in nobody knew (a form with a mistake answers 400, which the console counts as an error: the mistakes
    # are in tests/reach/test_the_day.py).
    page.get_by_label("Naam", exact=True).fill("Wim Inloop")
    page.get_by_label("E-mailadres").fill("wim@gemeente.example")
    page.get_by_label("Collega die vooral op kantoor werkt").check()
    page.get_by_role("button", name="Inloper toevoegen").click()
    page.get_by_text("Wim Inloop is toegevoegd als inloper en is aanwezig.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    db.session.expire_all()
    wim = db.session.scalar(db.select(Person).where(Person.email == "wim@gemeente.example"))
    walk_in = db.session.scalar(db.select(Invitation).where(Invitation.person_id == wim.id))
    assert walk_in.state == InvitationState.YES and walk_in.attended is True

    # Anna shows her code: the scanned address opens her line; one tap ticks her.
    db.session.refresh(anna)
    page.goto(passes.pass_url(anna).replace("http://organiser.test", base))
    a11y.check()
    page.get_by_role("button", name="Aanwezig melden").click()
    page.get_by_text("Aanwezig: al aangevinkt.").wait_for()
    a11y.check()
    db.session.expire_all()
    assert db.session.get(Invitation, anna.id).attended is True
    assert links.rsvp_token(anna) == token  # scanning changed nothing of her link


def test_a_team_route_card_on_paper(
    live_server, page, log_in, a11y, db, create_organiser, create_event, create_initiative, create_person, invite
):
    organiser = create_organiser()
    koor = create_initiative("Havenkoor")
    event = create_event(
        "Speurtocht door het Havenkwartier", format="speurtocht", organiser=organiser, forms_teams=True, hosts=[koor]
    )
    start = event.starts_at
    event.stops = route((start, start.replace(minute=30), "Start bij het Havenkoor", "Loods 7, Kadestraat", koor))
    db.session.commit()
    for n in range(4):
        invite(event, create_person(f"Collega {n}"), "yes")
    [team, _other] = formation.form_teams(event, 2)
    db.session.commit()
    log_in()
    page.goto(f"{live_server['url']}/events/{event.id}/teams/{team.id}/card")
    qr = page.get_by_role("img", name="QR-code naar de actuele route")
    qr.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    assert page.get_by_role("button", name="Afdrukken").is_visible()
    a11y.check()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
