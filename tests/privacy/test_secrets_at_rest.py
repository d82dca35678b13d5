"""Secrets at rest (issue 15): a copy of the database with every kind of mail still waiting to go opens nothing.

The database is filled through the real services: invitees with notes and answers, and a pending mail of every kind
that carries a link (invitation, confirmation, promotion, new link, change, route change, cancellation, reminders,
withdrawal, calendar answer, feed link, account links, host and check-in links, a sign-up's confirmation, the
follow-up questions). Then every column of every table is read as the database holds it (raw SQL: what a stolen
backup holds, not what the application decrypts), and
- no outbox row holds a note;
- every URL found, and every token-shaped string tried on every route that takes a token, answers a visitor 404 or
  410, or 400 for a malformed one (or sends them to log in): never the person's page, a feed or a form.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from organiser.auth.links import send_link
from organiser.auth.models import LinkPurpose, Organiser
from organiser.calendar.links import send_feed_link
from organiser.calendar.models import CalendarFragment
from organiser.events.models import Event
from organiser.extensions import utcnow
from organiser.followup import asking
from organiser.followup.settings import default_settings
from organiser.invitations import hosting, links, notices
from organiser.invitations.models import EventLinkKind, Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage, OutboxStatus

NOTES = ("Glutenvrij en notenallergie", "Rolstoel, ingang zonder drempel", "Slechtziend, grote letters graag")

#: Tokens here are URL-safe base64 (a hash is hex): anything this long in that alphabet is tried as a token.
TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{22,}(?![A-Za-z0-9_-])")
URL = re.compile(r"https?://[^\s\"'<>\\]+")


def raw_values(db) -> dict[str, list[str]]:
    """Every non-empty value of every table as the database stores it ({table: values}), read with plain SQL."""
    values: dict[str, list[str]] = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            untyped = sa.table(table.name, *(sa.column(column.name) for column in table.columns))  # no decoding
            rows = connection.execute(sa.select(untyped)).all()
            values[table.name] = [str(value) for row in rows for value in row if value not in (None, "")]
    return values


def token_routes(app) -> list[str]:
    """The GET routes whose one variable is a secret (a token or key), as format strings with {}."""
    routes = []
    for rule in app.url_map.iter_rules():
        secret = [name for name in rule.arguments if "token" in name or name == "key"]
        if "GET" in rule.methods and len(rule.arguments) == 1 and secret:
            routes.append(re.sub(r"<[^>]+>", "{}", rule.rule))
    return routes


def test_no_pending_mail_holds_a_note_or_a_working_link(
    app, client, db, organiser, create_event, create_initiative, create_person, invite, invitees, sign_up, rsvp_token
):
    app.config["CONFIRMATION_DELAY_SECONDS"] = 600  # confirmations wait, as they do in production
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event = create_event(
        title="Wijksafari Noord", organiser=organiser, capacity=4, max_plus_ones=2, signup_open=True, hosts=[moestuin]
    )
    later = create_event(title="Wijkdiner", organiser=organiser, capacity=20)
    past = create_event(title="Buurtlunch", organiser=organiser, capacity=20, starts_at=utcnow() - timedelta(days=2))
    anna, bram, chris = invitees(event, names=("Anna Aalbers", "Bram Bos", "Chris Claes"))
    tokens = {}
    for invitation, note, answer in zip((anna, bram, chris), NOTES, ("yes", "yes", "maybe"), strict=True):
        token = links.rsvp_token(invitation)
        tokens[invitation.person.name] = token
        response = client.post(f"/rsvp/{token}", {"answer": answer, "plus_ones": "1", "note": note})
        assert response.status_code in (200, 302, 303)
    dirk = invite(event, create_person("Dirk Dekker"), InvitationState.WAITING, note=NOTES[0])
    diner = invite(later, create_person("Eva Eskes"), InvitationState.YES, note=NOTES[1])
    lunch = invite(past, create_person("Fien Fokkema"), InvitationState.YES, attended=True)
    rsvp_token(lunch)  # a link to the follow-up questions
    db.session.expire_all()
    anna, bram, chris = (db.session.get(Invitation, invitation.id) for invitation in (anna, bram, chris))

    with app.test_request_context():
        notices.queue_new_link(anna)
        notices.queue_reminder(chris, OutboxKind.REMINDER, days_ahead=3)
        notices.queue_reminder(anna, OutboxKind.DAY_BEFORE, days_ahead=1)
        notices.queue_calendar_answer(bram, "deadline")
        notices.queue_withdrawn(db.session.get(Invitation, chris.id), held_place=False)
        notices.queue_promotion(db.session.get(Invitation, dirk.id))
        notices.queue_change_notices(event, {"location": ("Stadhuis", "Wijkcentrum")})
        notices.queue_route_notices(event)
        notices.queue_cancellation_notices(db.session.get(Event, later.id), "Te weinig aanmeldingen")
        send_feed_link(anna.person)
        account = Organiser(email="nieuw@gemeente.example", name="Nieuwe Collega")
        db.session.add(account)
        db.session.flush()
        send_link(account, LinkPurpose.WELCOME)
        send_link(organiser, LinkPurpose.RESET)
        hosting.create_event_link(event, EventLinkKind.HOST, "Henk", "henk@moestuin.example", moestuin)
        hosting.create_event_link(event, EventLinkKind.CHECKIN, "Ria", "ria@gemeente.example")
        asking._queue(db.session.get(Invitation, lunch.id), OutboxKind.FOLLOWUP, default_settings(past.id))
        db.session.commit()
    sign_up(event, name="Gert Groen", email="gert@example.org")

    pending = set(db.session.scalars(db.select(OutboxMessage.kind).where(OutboxMessage.status == OutboxStatus.PENDING)))
    expected = {
        OutboxKind.INVITATION, OutboxKind.CONFIRMATION, OutboxKind.PROMOTION, OutboxKind.NEW_LINK, OutboxKind.CHANGE,
        OutboxKind.ROUTE_CHANGE, OutboxKind.CANCELLATION, OutboxKind.REMINDER, OutboxKind.DAY_BEFORE,
        OutboxKind.WITHDRAWN, OutboxKind.CALENDAR_ANSWER, OutboxKind.FEED_LINK, OutboxKind.ACCOUNT_WELCOME,
        OutboxKind.ACCOUNT_RESET, OutboxKind.EVENT_LINK, OutboxKind.SIGNUP_CONFIRM, OutboxKind.FOLLOWUP,
    }  # fmt: skip
    assert expected <= pending, expected - pending
    # The mails do carry the secrets (rendered as the worker renders them): the scan below looks for real ones.
    mails = [rendered(message) for message in db.session.scalars(db.select(OutboxMessage))]
    said = "\n".join(mail.text_body for mail in mails)
    assert tokens["Anna Aalbers"] in said and NOTES[0] in said and "/aanmelden/" in said and "/host/" in said
    assert diner.note and lunch.id
    # Anna's personal feed, served: it shows her personal link, and its entries are stored (calendar_fragment)
    # for every app server to reuse.
    feed_path = re.search(r"/calendar/personal/[A-Za-z0-9_-]+\.ics", said).group(0)
    feed = client.get(feed_path)
    assert feed.status_code == 200
    assert f"/rsvp/{tokens['Anna Aalbers']}" in feed.get_data(as_text=True).replace("\r\n ", "")
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFragment)) >= 1

    stored = raw_values(db)
    for note in NOTES:
        assert not [value for value in stored["outbox_message"] if note in value], note
    everything = "\n".join(value for values in stored.values() for value in values)
    paths = {urlsplit(url).path for url in URL.findall(everything)}
    candidates = set(TOKEN_SHAPED.findall(everything))
    routes = token_routes(app)
    assert "/rsvp/{}" in routes and "/aanmelden/{}" in routes and "/password/new/{}" in routes
    visitor = type(client)(app.test_client())
    opened = []
    for path in sorted(paths | {route.format(token) for route in routes for token in candidates}):
        response = visitor.get(path)
        # A page behind a login opens nothing; a malformed token (400) neither.
        to_login = response.status_code in (302, 303) and urlsplit(response.location).path == "/login"
        secret = any(path.startswith(route.split("{}")[0]) for route in routes)
        if secret and response.status_code not in (400, 404, 410) and not to_login:
            opened.append((path, response.status_code))
    assert not opened, opened
