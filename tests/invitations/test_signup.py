"""Open sign-up for public encounters (issue 16): the public page, double opt-in, matching by address, the seats
for sign-ups and those held for the invited, the waiting-list rule, abuse, and the organiser's side."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from organiser.events.copying import copy_event
from organiser.events.models import Event, WaitingRule
from organiser.extensions import utcnow
from organiser.invitations import answers, signups
from organiser.invitations.links import answer_form_key
from organiser.invitations.models import Invitation, InvitationState, Signup
from organiser.jobs import run_scheduled_jobs
from organiser.mail.models import OutboxMessage
from organiser.people.models import ContactRole, Person, PersonKind


@pytest.fixture
def open_event(create_event, organiser):
    """Factory: a published bruiscafé with open sign-up (by default 5 seats for sign-ups of 20)."""

    def factory(**fields):
        fields.setdefault("signup_open", True)
        fields.setdefault("signup_seats", 5)
        fields.setdefault("max_plus_ones", 1)
        return create_event(title="Bruiscafé Oost", organiser=organiser, **fields)

    return factory


def form(name="Sanne de Vries", email="sanne@example.org", kind="resident", **fields):
    return {"name": name, "email": email, "kind": kind, "plus_ones": "0", "note": "", "website": "", **fields}


def signup_mails(db, email=None):
    query = db.select(OutboxMessage).where(OutboxMessage.kind == "signup_confirm").order_by(OutboxMessage.id)
    if email:
        query = query.where(OutboxMessage.to_address == email)
    return db.session.scalars(query).all()


def token_in(mail) -> str:
    return re.search(r"/aanmelden/([A-Za-z0-9_-]+)", mail.text_body).group(1)


def confirm(app, client, token):
    with app.app_context():
        key = answer_form_key(token, "signup")
    return client.post(f"/aanmelden/{token}", {"form_key": key})


def test_by_invitation_only_the_page_says_so_and_names_whom_to_ask(client, db, create_event):
    event = create_event(title="Netwerkborrel", signup_open=False, contact="Olga Organisator, 020 123 4567")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Alleen op uitnodiging." in page and "Olga Organisator, 020 123 4567" in page
    assert 'name="email"' not in page
    # A sign-up posted anyway is refused, and nothing is kept.
    response = client.post(f"/events/{event.id}/aanmelden", form())
    assert response.status_code == 302 and db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0


def test_sign_up_confirm_from_the_mail_and_become_an_invitee(app, client, db, open_event, create_initiative):
    initiative = create_initiative("Buurtmoestuin")
    event = open_event()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Aanmelden kan tot" in page and "Er zijn nog 5 plaatsen voor aanmeldingen." in page
    assert "Wat doen we met uw gegevens?" in page and 'class="honeypot" aria-hidden="true"' in page

    response = client.post(
        f"/events/{event.id}/aanmelden", form(initiative_id=str(initiative.id), plus_ones="1", note="Rolstoel")
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/events/{event.id}/aanmelden/verstuurd"
    )
    assert "Kijk in uw e-mail" in client.get(response.headers["Location"]).get_data(as_text=True)
    # Unconfirmed: a sign-up row only; no person, no invitation, no seat.
    signup = db.session.scalar(db.select(Signup))
    assert signup.email == "sanne@example.org" and signup.plus_ones == 1 and signup.note == "Rolstoel"
    assert db.session.scalar(db.select(Person).where(Person.email == "sanne@example.org")) is None
    assert db.session.get(Event, event.id).seats_taken == 0
    [mail] = signup_mails(db)
    token = token_in(mail)
    assert signup.token_hash != token and mail.subject == "Bevestig uw aanmelding voor Bruiscafé Oost"

    # The link's page shows what was signed up for and changes nothing (mail scanners follow links).
    response = client.get(f"/aanmelden/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sanne de Vries" in page and "Ja, bevestig mijn aanmelding" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(db.select(Signup)) is not None and db.session.scalar(db.select(Invitation)) is None

    # A POST without the link's key changes nothing either.
    assert client.post(f"/aanmelden/{token}", {"form_key": "x"}).status_code == 400
    assert client.post(f"/aanmelden/{token}", {}).status_code == 400
    assert db.session.scalar(db.select(Invitation)) is None

    response = confirm(app, client, token)
    assert response.status_code == 302 and "/rsvp/" in response.headers["Location"]
    person = db.session.scalar(db.select(Person).where(Person.email == "sanne@example.org"))
    assert person.kind == PersonKind.RESIDENT and [i.name for i in person.initiatives] == ["Buurtmoestuin"]
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == person.id))
    assert invitation.state == InvitationState.YES and invitation.plus_ones == 1 and invitation.note == "Rolstoel"
    assert invitation.signed_up_at is not None and invitation.token_hash is not None
    event = db.session.get(Event, event.id)
    assert event.seats_taken == 2 and event.signup_seats_taken == 2
    assert db.session.scalar(db.select(Signup)) is None  # the sign-up row went
    assert [m.kind for m in db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "signup_confirm",
        "confirmation",
    ]
    rsvp = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "U meldde zich zelf aan via de agenda." in rsvp
    assert "Uw aanmelding is bevestigd" in rsvp
    # The link is used up.
    assert client.get(f"/aanmelden/{token}").status_code == 404


def test_a_known_address_gets_the_same_answer_and_mail(app, client, db, open_event, create_person):
    colleague = create_person("Fatima El Amrani", email="fatima@gemeente.example", department="Vergunningen")
    event = open_event()
    known = client.post(f"/events/{event.id}/aanmelden", form(name="F. El Amrani", email="Fatima@Gemeente.example"))
    unknown = client.post(f"/events/{event.id}/aanmelden", form(name="F. El Amrani", email="nieuw@example.org"))
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    first, second = signup_mails(db)
    assert first.subject == second.subject
    assert first.text_body.replace(token_in(first), "T") == second.text_body.replace(token_in(second), "T")

    confirm(app, client, token_in(first))
    # The directory's person got the invitation; their details stay as the directory has them.
    people = db.session.scalars(db.select(Person).where(Person.email == "fatima@gemeente.example")).all()
    assert [p.id for p in people] == [colleague.id] and people[0].name == "Fatima El Amrani"
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == colleague.id))
    assert invitation.state == InvitationState.YES and invitation.signed_up


def test_already_invited_signing_up_keeps_their_invitation(app, client, db, open_event, invite, create_person):
    event = open_event()
    colleague = create_person("Karel", email="karel@gemeente.example")
    invitation = invite(event, colleague)
    department = str(colleague.department_id)
    client.post(
        f"/events/{event.id}/aanmelden", form(email="karel@gemeente.example", kind="staff", department_id=department)
    )
    confirm(app, client, token_in(signup_mails(db)[0]))
    db.session.refresh(invitation)
    assert invitation.state == InvitationState.YES and not invitation.signed_up  # invited, not a sign-up seat
    assert db.session.get(Event, event.id).signup_seats_taken == 0


def test_honeypot_and_a_second_sign_up_soon_after_send_nothing(client, db, open_event):
    event = open_event()
    robot = client.post(f"/events/{event.id}/aanmelden", form(website="http://spam.example"))
    assert robot.status_code == 302 and robot.headers["Location"].endswith("/aanmelden/verstuurd")
    assert db.session.scalar(db.select(Signup)) is None and signup_mails(db) == []

    for _ in range(3):
        response = client.post(f"/events/{event.id}/aanmelden", form())
        assert response.status_code == 302
    assert len(signup_mails(db, "sanne@example.org")) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 1


def test_sign_ups_are_rate_limited_per_email(app, client, db, open_event):
    event = open_event()
    app.config.update(RATE_LIMIT_SIGNUP="2/hour", RATE_LIMIT_SIGNUP_ADDRESS="100/hour")
    assert client.post(f"/events/{event.id}/aanmelden", form(email="a@example.org")).status_code == 302
    assert client.post(f"/events/{event.id}/aanmelden", form(email="a@example.org")).status_code == 302
    refused = client.post(f"/events/{event.id}/aanmelden", form(email="A@example.org"))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert client.post(f"/events/{event.id}/aanmelden", form(email="b@example.org")).status_code == 302


def test_sign_ups_are_rate_limited_per_address(app, client, db, open_event):
    event = open_event()
    app.config.update(RATE_LIMIT_SIGNUP="100/hour", RATE_LIMIT_SIGNUP_ADDRESS="3/hour")
    for n in range(3):
        assert client.post(f"/events/{event.id}/aanmelden", form(email=f"x{n}@example.org")).status_code == 302
    assert client.post(f"/events/{event.id}/aanmelden", form(email="x9@example.org")).status_code == 429
    assert len(signup_mails(db)) == 3


def test_bad_input_gets_clear_messages(client, db, open_event, create_department):
    create_department("Financiën")
    event = open_event()
    response = client.post(f"/events/{event.id}/aanmelden", form(name="", email="geen-adres", kind="staff"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Vul uw naam in.", "Dit is geen geldig e-mailadres.", "Kies uw afdeling."):
        assert message in page
    assert db.session.scalar(db.select(Signup)) is None


def test_unconfirmed_sign_ups_hold_no_seat_and_expire(app, client, db, open_event, sign_up):
    event = open_event(capacity=2, signup_seats=2)
    tokens = [sign_up(event) for _ in range(30)]
    assert db.session.get(Event, event.id).seats_taken == 0
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Er zijn nog 2 plaatsen voor aanmeldingen." in page

    results = run_scheduled_jobs(utcnow() + timedelta(hours=49))
    assert results["deleted_unconfirmed_signups"] == 30
    assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0
    assert client.get(f"/aanmelden/{tokens[0]}").status_code == 404


def test_sign_up_seats_are_capped_and_held_seats_wait_for_the_deadline(app, db, open_event, sign_up, invite):
    deadline = utcnow() + timedelta(days=3)
    event = open_event(capacity=4, signup_seats=3, held_seats=2, rsvp_deadline=deadline)
    tokens = [sign_up(event) for _ in range(3)]
    with app.test_request_context():
        outcomes = [signups.confirm_signup(signups.find_signup(token)) for token in tokens]
        db.session.commit()
    # Two seats are free to sign-ups before the deadline (four, less two held); the third waits.
    assert [o.outcome.state for o in outcomes] == [InvitationState.YES, InvitationState.YES, InvitationState.WAITING]
    colleague = invite(event, "Collega", InvitationState.YES)  # an invited colleague takes a held seat
    assert colleague.state == InvitationState.YES
    event = db.session.get(Event, event.id)
    assert (event.seats_taken, event.signup_seats_taken) == (3, 2)

    # After the deadline the seat still held goes to the waiting sign-up (a scheduled job).
    with app.test_request_context():
        results = run_scheduled_jobs(deadline + timedelta(minutes=1))
    assert results["released_held_seats"] == 1
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.seats_taken, event.signup_seats_taken) == (4, 3)
    assert db.session.get(Invitation, outcomes[2].invitation.id).state == InvitationState.YES


def test_the_mix_rule_puts_office_colleagues_who_never_came_first(
    app, client, db, open_event, invite, create_person, rsvp_token
):
    event = open_event(capacity=1, waiting_rule=WaitingRule.MIX)
    invite(event, "Eerste", InvitationState.YES)
    resident = invite(event, create_person("Bewoner", kind="resident"), InvitationState.WAITING)
    frontline = invite(event, create_person("Wijkmanager", role=ContactRole.FRONTLINE), InvitationState.WAITING)
    office = invite(event, create_person("Kantoor", role=ContactRole.OFFICE), InvitationState.WAITING)
    assert [answers.waiting_position(i) for i in (office, resident, frontline)] == [1, 2, 3]

    page = client.get(f"/rsvp/{rsvp_token(resident)}").get_data(as_text=True)
    assert "op plaats 2" in page and "eerst kantoorcollega&#39;s die nog nooit bij een ontmoeting waren" in page

    first = db.session.scalar(
        db.select(Invitation).where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
    )
    with app.test_request_context():
        answers.record_answer(first, "no", by_organiser=True, notify=False)
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Invitation, office.id).state == InvitationState.YES
    assert db.session.get(Invitation, resident.id).state == InvitationState.WAITING


def test_the_organiser_sets_up_sign_up_and_sees_and_removes_sign_ups(app, logged_in, db, open_event, sign_up, invite):
    event = open_event(signup_open=False, signup_seats=0, capacity=2)
    url = f"/events/{event.id}/aanmelden/instellingen"
    assert "Aanmelden via de agenda" in logged_in.get(url).get_data(as_text=True)
    settings = {
        "signup_open": "1",
        "signup_seats": "2",
        "signup_until": "",
        "held_seats": "0",
        "contact": "Olga",
        "waiting_rule": "mix",
    }
    refused = logged_in.post(url, {**settings, "signup_seats": "30"})
    assert refused.status_code == 400 and "Dat is meer dan het aantal plaatsen (2)." in refused.get_data(as_text=True)
    assert logged_in.post(url, settings).status_code == 302
    event = db.session.get(Event, event.id)
    assert event.signup_open and event.signup_seats == 2 and event.waiting_rule == WaitingRule.MIX

    token = sign_up(event, name="Nep Aanmelder")
    with app.test_request_context():
        fake = signups.confirm_signup(signups.find_signup(token)).invitation
        db.session.commit()
    invite(event, "Collega", InvitationState.YES)
    waiting = invite(event, "Wachtende", InvitationState.WAITING)
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "zelf aangemeld" in page and "Op eigen initiatief: 1. Op uitnodiging: 2" in page
    assert "De mix" in page and "Aanmelding verwijderen" in page

    fake_id = fake.id
    assert logged_in.post(f"/events/{event.id}/answers/{fake_id}/remove").status_code == 302
    assert db.session.scalar(db.select(Invitation).where(Invitation.id == fake_id)) is None
    assert db.session.get(Invitation, waiting.id).state == InvitationState.YES  # the freed seat went on
    event = db.session.get(Event, event.id)
    assert (event.seats_taken, event.signup_seats_taken) == (2, 0)


def test_my_data_shows_the_sign_up_and_erasing_removes_unconfirmed_ones(
    app, client, db, open_event, create_event, sign_up
):
    event = open_event()
    other = create_event(title="Wijksafari", signup_open=True, signup_seats=5)
    token = sign_up(event, email="jan@example.org")
    with app.test_request_context():
        confirmed = signups.confirm_signup(signups.find_signup(token))
        db.session.commit()
    # A later sign-up to another event, not confirmed yet (the mail interval passed).
    app.config["SIGNUP_MAIL_INTERVAL_MINUTES"] = 0
    sign_up(other, email="jan@example.org", note="Vegetarisch")
    page = client.get(f"/rsvp/{confirmed.token}/data").get_data(as_text=True)
    assert "Zelf aangemeld via de agenda op" in page and "Aanmeldingen die u nog niet bevestigde" in page
    data = client.get(f"/rsvp/{confirmed.token}/data.json").get_json()
    assert data["invitations"][0]["signed_up_at"] is not None
    assert (
        data["unconfirmed_signups"][0]["event"] == "Wijksafari"
        and data["unconfirmed_signups"][0]["note"] == "Vegetarisch"
    )

    client.post(f"/rsvp/{confirmed.token}/erase")
    assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0
    assert db.session.get(Event, event.id).signup_seats_taken == 0


@pytest.mark.parametrize("token", ["x" * 43, "kort", "a" * 500, "%2F%2Fevil.example%2F", "..%2F..", "ç" * 43])
def test_unknown_confirmation_links_answer_alike(app, client, db, token):
    for response in (client.get(f"/aanmelden/{token}"), client.post(f"/aanmelden/{token}", {"form_key": "x"})):
        assert response.status_code == 404
    if "%2F" not in token:  # an encoded slash is another path: the router's own 404
        assert "Deze link werkt niet (meer)" in client.get(f"/aanmelden/{token}").get_data(as_text=True)


def test_a_copy_keeps_the_sign_up_settings_but_not_the_sign_ups(app, db, open_event, sign_up):
    event = open_event(
        held_seats=3, contact="Olga", waiting_rule=WaitingRule.MIX, signup_until=utcnow() + timedelta(days=5)
    )
    with app.test_request_context():
        signups.confirm_signup(signups.find_signup(sign_up(event)))
        copy = copy_event(event, event.starts_at + timedelta(days=7), organiser_id=None)
        db.session.commit()
    assert (copy.signup_open, copy.signup_seats, copy.held_seats, copy.contact) == (True, 5, 3, "Olga")
    assert copy.waiting_rule == WaitingRule.MIX and copy.signup_seats_taken == 0 and copy.seats_taken == 0
    assert copy.signup_until == event.signup_until + timedelta(days=7)


def test_the_settings_count_one_person_and_one_seat_in_the_singular(app, logged_in, db, open_event, sign_up):
    event = open_event(capacity=4, signup_seats=3, held_seats=2, rsvp_deadline=utcnow() + timedelta(days=3))
    tokens = [sign_up(event) for _ in range(3)]
    with app.test_request_context():
        for token in tokens:
            signups.confirm_signup(signups.find_signup(token))
        db.session.commit()
    url = f"/events/{event.id}/aanmelden/instellingen"
    settings = {"signup_open": "1", "signup_seats": "3", "held_seats": "2", "waiting_rule": "arrival"}
    refused = logged_in.post(url, {**settings, "signup_seats": "1"}).get_data(as_text=True)
    assert "Aanmeldingen nemen al 2 plaatsen in; het aantal kan niet lager zijn." in refused
    assert logged_in.post(url, {**settings, "held_seats": "1"}).status_code == 302  # the one waiting gets a seat
    page = logged_in.get(url).get_data(as_text=True)
    assert "1 persoon van de wachtlijst heeft een plaats gekregen." in page

    other = open_event(capacity=4, signup_seats=3)
    with app.test_request_context():
        signups.confirm_signup(signups.find_signup(sign_up(other)))
        db.session.commit()
    url = f"/events/{other.id}/aanmelden/instellingen"
    refused = logged_in.post(url, {**settings, "held_seats": "0", "signup_seats": "0"}).get_data(as_text=True)
    assert "Aanmeldingen nemen al 1 plaats in; het aantal kan niet lager zijn." in refused


def test_a_confirmation_refused_redirects_so_a_reload_sends_nothing_again(app, client, db, open_event, sign_up):
    event = open_event()
    token = sign_up(event)
    db.session.get(Event, event.id).signup_open = False  # the organiser closed sign-up after the mail went
    db.session.commit()
    response = confirm(app, client, token)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/aanmelden/{token}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aanmelden voor deze bijeenkomst is niet (meer) mogelijk." in page
    assert db.session.scalar(db.select(Invitation)) is None and db.session.scalar(db.select(Signup)) is not None
