"""Who may see and change people: the cross-organiser paths of issue 14, as tests that fail without the rules.

Organiser A invites Petra to A's events (a published one and a draft). Organiser B, a colleague, must not
see A's draft or Petra's answers to A's events, and must not change Petra in ways that touch A's events
(e-mail, deactivation, feed link, deletion): those go through A or an administrator.
"""

from __future__ import annotations

import pytest

from organiser.auth.models import Role, TrailEntry
from organiser.calendar.links import issue_feed_token
from organiser.calendar.models import FeedToken
from organiser.events.models import EventStatus
from organiser.extensions import utcnow
from organiser.invitations.links import issue_rsvp_token
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from organiser.people.models import Person


@pytest.fixture
def world(app, db, create_organiser, create_event, create_person):
    """A's events with Petra on them (yes to the published one), and logged-in clients for B and the admin."""
    a = create_organiser(email="a@example.org", name="Anna A")
    b = create_organiser(email="b@example.org", name="Bert B")
    admin = create_organiser(email="beheer@example.org", name="Bea Beheer", is_admin=True)
    published = create_event(title="Bruiscafé van Anna", organiser=a)
    published.seats_taken = 1
    draft = create_event(title="Geheim concept van Anna", organiser=a, status=EventStatus.DRAFT)
    petra = create_person(name="Petra Persoon", email="petra@gemeente.example")
    with app.test_request_context():
        for event, state in ((published, InvitationState.YES), (draft, InvitationState.LISTED)):
            invitation = Invitation(
                event=event, person=petra, state=state, sent_at=utcnow() if state != InvitationState.LISTED else None
            )
            db.session.add(invitation)
            db.session.flush()
            issue_rsvp_token(invitation)
        issue_feed_token(petra)
    db.session.commit()

    def client_for(email):
        from tests.conftest import Client

        client = Client(app.test_client())
        client.login(email)
        return client

    return {
        "a": a,
        "b": b,
        "admin": admin,
        "petra": petra,
        "published": published,
        "draft": draft,
        "as_a": lambda: client_for("a@example.org"),
        "as_b": lambda: client_for("b@example.org"),
        "as_admin": lambda: client_for("beheer@example.org"),
    }


def person_form(person, **changes):
    data = {"name": person.name, "email": person.email, "kind": "staff", "department_id": str(person.department_id)}
    data.update({"contact_role": "office"})
    data.update(changes)
    return data


def test_a_person_page_shows_only_events_the_viewer_may_see(world):
    petra = world["petra"]
    page = world["as_b"]().get(f"/people/{petra.id}").get_data(as_text=True)
    assert "Geheim concept van Anna" not in page  # never another organiser's draft
    assert "Bruiscafé van Anna" not in page and "Komt" not in page  # nor Petra's answers to A's events
    page = world["as_a"]().get(f"/people/{petra.id}").get_data(as_text=True)
    assert "Geheim concept van Anna" in page and "Bruiscafé van Anna" in page
    page = world["as_admin"]().get(f"/people/{petra.id}").get_data(as_text=True)
    assert "Geheim concept van Anna" in page


def test_another_organiser_cannot_change_the_email_of_someone_on_my_events(world, db):
    petra = world["petra"]
    response = world["as_b"]().post(f"/people/{petra.id}/edit", person_form(petra, email="b-prive@example.org"))
    assert response.status_code in (200, 403)
    assert "Anna A" in response.get_data(as_text=True) or response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Person, petra.id).email == "petra@gemeente.example"
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_another_organiser_may_still_correct_a_name(world, db):
    petra = world["petra"]
    response = world["as_b"]().post(f"/people/{petra.id}/edit", person_form(petra, name="Petra de Persoon"))
    assert response.status_code == 302
    assert db.session.get(Person, petra.id).name == "Petra de Persoon"


def test_another_organiser_cannot_mail_a_feed_link_deactivate_or_delete(world, db):
    petra = world["petra"]
    as_b = world["as_b"]()
    as_b.post(f"/people/{petra.id}/feed-link")
    as_b.post(f"/people/{petra.id}/deactivate")
    as_b.post(f"/people/{petra.id}/delete")
    db.session.expire_all()
    petra = db.session.get(Person, petra.id)
    assert petra.active and petra.deleted_at is None and petra.email == "petra@gemeente.example"
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(db.select(FeedToken).where(FeedToken.revoked_at.is_(None))) is not None
    assert world["published"].seats_taken == 1  # Petra's seat at A's event is still hers


def test_the_owner_changes_an_email_old_links_stop_and_the_old_address_is_told(world, db):
    petra = world["petra"]
    old_hashes = set(db.session.scalars(db.select(Invitation.token_hash)))
    response = world["as_a"]().post(f"/people/{petra.id}/edit", person_form(petra, email="petra@nieuw.example"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, petra.id).email == "petra@nieuw.example"
    assert old_hashes.isdisjoint(set(db.session.scalars(db.select(Invitation.token_hash))))
    assert db.session.scalar(db.select(FeedToken).where(FeedToken.revoked_at.is_(None))) is None
    told = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "petra@gemeente.example"))
    assert told is not None and "petra@nieuw.example" not in told.text_body  # told, without the new address
    assert db.session.scalar(
        db.select(TrailEntry).where(TrailEntry.action == "person_email_changed", TrailEntry.subject_id == petra.id)
    )


def test_an_administrator_may_delete_someone_on_anyones_events(world, db):
    petra = world["petra"]
    response = world["as_admin"]().post(f"/people/{petra.id}/delete")
    assert response.status_code == 302
    assert db.session.get(Person, petra.id).deleted_at is not None
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "person_deleted"))


def test_roles_decide_who_sees_and_exports_the_directory(world, db, create_organiser):
    create_organiser(email="hulp@example.org", name="Hans Hulp").role = Role.CHECKIN
    db.session.commit()
    from tests.conftest import Client

    helper = Client(world["as_b"]().raw.application.test_client())
    helper.login("hulp@example.org")
    assert helper.get("/people").status_code == 403
    assert helper.get("/people/export.csv").status_code == 403
    assert helper.get(f"/people/{world['petra'].id}").status_code == 403
    export = world["as_b"]().get("/people/export.csv")
    assert export.status_code == 200 and "petra@gemeente.example" in export.get_data(as_text=True)
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "people_exported")).actor == (
        "b@example.org"
    )
