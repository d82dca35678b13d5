"""Accounts in the UI: an administrator invites, changes roles, deactivates and reactivates; sessions end."""

from __future__ import annotations

from datetime import timedelta

from organiser.auth.models import AccountLink, Organiser, Role, TrailEntry
from organiser.events.models import Event
from organiser.extensions import utcnow
from organiser.mail.models import OutboxMessage

NEW_PASSWORD = "Zomer in de Velden 2026"


def invite(client, email="nieuw@example.org", name="Nina Nieuw", role="organiser"):
    return client.post("/accounts", {"email": email, "name": name, "role": role})


def test_administrator_invites_an_organiser_who_sets_a_password_and_logs_in(client, db, admin, link_mailed_to):
    client.login("beheer@example.org")
    response = invite(client)
    assert response.status_code == 302
    account = db.session.scalar(db.select(Organiser).where(Organiser.email == "nieuw@example.org"))
    assert account.role == Role.ORGANISER and not account.has_password
    assert "Uitgenodigd, nog geen wachtwoord" in client.get("/accounts").get_data(as_text=True)

    link = link_mailed_to("nieuw@example.org")
    stored = db.session.scalar(db.select(AccountLink).where(AccountLink.organiser_id == account.id))
    assert link and link.rsplit("/", 1)[1] not in stored.token_hash  # only the hash is kept
    assert stored.expires_at - stored.created_at == timedelta(hours=72)

    visitor = type(client)(client.raw.application.test_client())
    page = visitor.get(link)
    assert page.status_code == 200 and "Welkom bij organiser" in page.get_data(as_text=True)
    assert visitor.get(link).status_code == 200  # looking does not use the link up
    response = visitor.post(link, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert visitor.get(link).status_code == 404  # used once
    visitor.login("nieuw@example.org", NEW_PASSWORD)
    assert "Mijn bijeenkomsten" in visitor.get("/events").get_data(as_text=True)
    actions = db.session.scalars(db.select(TrailEntry.action).order_by(TrailEntry.id)).all()
    assert "account_invited" in actions and "password_set" in actions and actions[-1] == "login"


def test_invitation_refuses_bad_addresses_and_duplicates(client, db, admin):
    client.login("beheer@example.org")
    for email in ("a@", "geen-adres", "beheer@example.org"):
        response = invite(client, email=email)
        assert response.status_code == 400
    page = invite(client, email="a@").get_data(as_text=True)
    assert "Dit is geen geldig e-mailadres." in page
    # The address is someone else's, not the administrator's own.
    assert "Vul het e-mailadres in van wie u uitnodigt." in invite(client, email="").get_data(as_text=True)
    assert "Er is al een organisator met dit e-mailadres." in invite(client, email="Beheer@Example.org").get_data(
        as_text=True
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(Organiser)) == 1


def test_only_administrators_manage_accounts(client, db, organiser, admin):
    client.login()
    assert client.get("/accounts").status_code == 403
    assert invite(client).status_code == 403
    assert client.post(f"/accounts/{admin.id}/role", {"role": "checkin"}).status_code == 403
    assert client.post(f"/accounts/{admin.id}/deactivate", {"successor": ""}).status_code == 403
    assert client.get("/accounts/trail").status_code == 403
    assert db.session.get(Organiser, admin.id).role == Role.ADMINISTRATOR


def test_expired_welcome_link_does_not_work(client, db, admin, link_mailed_to):
    client.login("beheer@example.org")
    invite(client)
    link = db.session.scalar(db.select(AccountLink))
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(link_mailed_to("nieuw@example.org"))
    assert page.status_code == 404 and "Deze link werkt niet" in page.get_data(as_text=True)


def test_a_new_welcome_link_replaces_the_old_one(client, db, admin, link_mailed_to):
    client.login("beheer@example.org")
    invite(client)
    first = link_mailed_to("nieuw@example.org")
    account = db.session.scalar(db.select(Organiser).where(Organiser.email == "nieuw@example.org"))
    assert client.post(f"/accounts/{account.id}/welcome").status_code == 302
    second = link_mailed_to("nieuw@example.org")
    assert first != second
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_role_change_and_the_last_administrator(client, db, admin, organiser):
    client.login("beheer@example.org")
    client.post(f"/accounts/{organiser.id}/role", {"role": "administrator"})
    assert db.session.get(Organiser, organiser.id).role == Role.ADMINISTRATOR
    client.post(f"/accounts/{organiser.id}/role", {"role": "organiser"})
    # The only administrator cannot take the role away from themselves, nor switch themselves off.
    response = client.post(f"/accounts/{admin.id}/role", {"role": "organiser"})
    assert response.status_code == 302
    assert "minstens één actieve beheerder" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(f"/accounts/{admin.id}/deactivate", {"successor": ""})
    assert db.session.get(Organiser, admin.id).active and db.session.get(Organiser, admin.id).is_admin
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "role_changed")).actor == (
        "beheer@example.org"
    )


def test_deactivation_ends_sessions_at_once_and_hands_events_over(
    app, client, db, admin, organiser, create_organiser, create_event
):
    colleague = create_organiser(email="collega@example.org", name="Cor Collega")
    event = create_event(title="Bruiscafé van Olga", organiser=organiser)
    other = type(client)(app.test_client())
    other.login()
    assert other.get("/events").status_code == 200

    client.login("beheer@example.org")
    response = client.post(f"/accounts/{organiser.id}/deactivate", {"successor": str(colleague.id)})
    assert response.status_code == 302
    assert other.get("/events").status_code == 302  # the running session ended at once
    assert db.session.get(Event, event.id).organiser_id == colleague.id
    response = other.post("/login", {"email": "organiser@example.org", "password": "correct horse battery"})
    assert response.status_code == 200  # cannot log in any more

    client.post(f"/accounts/{organiser.id}/reactivate")
    other.login()
    assert other.get("/events").status_code == 200


def test_links_stop_working_when_the_account_is_deactivated(client, db, admin, link_mailed_to):
    client.login("beheer@example.org")
    invite(client)
    account = db.session.scalar(db.select(Organiser).where(Organiser.email == "nieuw@example.org"))
    client.post(f"/accounts/{account.id}/deactivate", {"successor": ""})
    assert client.get(link_mailed_to("nieuw@example.org")).status_code == 404


def test_welcome_mail_says_what_to_do(client, db, admin):
    client.login("beheer@example.org")
    invite(client)
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.subject == "Uw account voor organiser"
    assert "Bea Beheer heeft een account voor u gemaakt" in message.text_body
    assert "72 uur" in message.text_body and "nieuw@example.org" in message.text_body
