"""Feeds made of stored entries (each VEVENT once per event version) and validators from the calendar version:
the same bytes as a feed rendered whole, every change to what is shown changes the ETag, nothing else does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, text, update

from organiser.calendar import feeds
from organiser.calendar.fragments import STAND_IN, with_secret
from organiser.calendar.models import CalendarFragment
from organiser.events.models import Event, Stop
from organiser.invitations import ical
from organiser.invitations.models import Invitation, InvitationState
from organiser.places.models import Initiative, Neighbourhood
from tests.conftest import local


def public(client, **headers):
    response = client.get("/calendar/public.ics", headers=headers)
    assert response.status_code in (200, 304), response.status_code
    return response


def fragments(db) -> int:
    return db.session.scalar(db.select(func.count()).select_from(CalendarFragment))


def route_event(create_event, create_initiative, db, title="Wijksafari Oosterpark", day=15, hood=None):
    event = create_event(title=title, format="wijksafari", starts_at=local(2030, 6, day, 13, 0), hours=3)
    host = create_initiative(name=f"Buurtmoestuin {title}", neighbourhood=hood)
    event.hosts = [host]
    event.stops = [
        Stop(
            position=1,
            name="De moestuin",
            address="Parkweg 12",
            starts_at=event.starts_at,
            ends_at=event.starts_at + timedelta(minutes=30),
            initiative=host,
        )
    ]
    db.session.commit()
    return event


def whole(app, entries, name):
    """The feed as rendered whole by ical.feed_to_ical (the way before stored entries)."""
    return ical.feed_to_ical(entries, name=name, base_url=app.config["BASE_URL"], tzid=app.config["TIMEZONE"])


def test_stored_entries_make_the_bytes_of_a_whole_render(app, client, create_event, create_initiative, db):
    hood = create_initiative(name="Eerste").neighbourhood
    events = [route_event(create_event, create_initiative, db, f"Safari {n}", 10 + n, hood) for n in range(3)]
    events.append(create_event(title="Bruiscafé, met; tekens \\ en een lange titel " * 3))
    body = public(client).data
    url = app.config["BASE_URL"]
    db.session.expire_all()
    ordered = sorted(db.session.scalars(db.select(Event)), key=lambda e: (e.starts_at, e.id))
    assert body == whole(app, [ical.FeedEntry(e, ical.event_page_url(e, url)) for e in ordered], "Agenda organiser")
    assert fragments(db) == len(events)
    # Served again from the stored entries, as another process does: the same bytes.
    app.extensions.pop("calendar_feeds", None)
    app.extensions.pop("calendar_entries", None)
    assert public(client).data == body


def test_personal_feed_of_stored_entries(app, client, create_event, create_person, invite, feed_token, rsvp_token, db):
    pieter = create_person()
    tokens = []
    states = (InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING)
    # Descriptions of every length from 0 to 80 characters put the personal link at every place of a folded line:
    # the stand-in stored for its token is folded over two lines in some of them (fragments.with_secret).
    for n in range(0, 81, 4):
        state = states[n % 3]
        event = create_event(
            title=f"Bijeenkomst {n}", description="x" * n, starts_at=local(2030, 6, 1 + n // 4, 13, 0), capacity=1
        )
        if state == InvitationState.WAITING:  # a waiting place only where the one seat is taken
            invite(event, create_person(name="Iemand Anders"), InvitationState.YES)
        tokens.append(rsvp_token(invite(event, pieter, state)))
    token = feed_token(pieter)
    body = client.get(f"/calendar/personal/{token}.ics").data
    with app.test_request_context():
        planned = feeds.personal_feed_entries(pieter.id)
        assert sorted(p.secret for p in planned) == sorted(tokens)
        by_id = {e.id: e for e in db.session.scalars(db.select(Event))}

        def real(text: str, secret: str | None) -> str:
            return text.replace(STAND_IN, secret or "")

        entries = [
            ical.FeedEntry(
                by_id[p.event_id],
                real(p.link, p.secret),
                status=p.entry_status,
                private=p.private,
                extra_lines=tuple(real(line, p.secret) for line in p.extra_lines),
                changed_at=p.changed_at,
            )
            for p in planned
        ]
        assert body == whole(app, entries, "Mijn uitnodigingen (organiser)")
    # No stored entry holds a personal link (issue 15): the stand-in is there, no token; in some entries the
    # stand-in is folded over two lines (the case with_secret fills octet by octet).
    raw = list(db.session.scalars(db.select(CalendarFragment.body)))
    bodies = [body.replace("\r\n ", "") for body in raw]
    folded = [one for one, whole in zip(raw, bodies, strict=True) if one.count(STAND_IN) < whole.count(STAND_IN)]
    assert all(STAND_IN in body for body in bodies) and folded
    assert not [t for t in tokens for body in bodies if t in body]


def test_a_personal_feed_made_again_plans_only_the_entries_that_changed(
    app, client, create_event, create_person, invite, feed_token, rsvp_token, db, monkeypatch
):
    """Each entry as served is kept by its row: a feed made again (its body not kept, as after any change) plans
    the entries of changed events, answers and links only, and is byte for byte the feed made from nothing."""
    pieter = create_person()
    invitations = [
        invite(create_event(title=f"Borrel {n}", starts_at=local(2030, 6, 1 + n, 13, 0)), pieter) for n in range(3)
    ]
    tokens = [rsvp_token(invitation) for invitation in invitations]
    url = f"/calendar/personal/{feed_token(pieter)}.ics"
    planned = []
    plan = feeds.planned_personal_entries
    monkeypatch.setattr(feeds, "planned_personal_entries", lambda rows: planned.extend(rows) or plan(rows))

    def made_again(expected_plans: int) -> bytes:
        planned.clear()
        app.extensions.pop("calendar_feeds", None)  # the body kept by ETag: not there after a change
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        body = response.data
        assert len(planned) == expected_plans
        app.extensions.pop("calendar_feeds", None)
        app.extensions.pop("calendar_entries", None)
        assert client.get(url).data == body  # as a process that never served this feed makes it
        return body.replace(b"\r\n ", b"")  # unfolded (RFC 5545, 3.1)

    assert made_again(3).count(b"BEGIN:VEVENT") == 3
    assert made_again(0).count(b"BEGIN:VEVENT") == 3
    db.session.execute(update(Event).where(Event.id == invitations[1].event_id).values(title="Borrel verplaatst"))
    db.session.commit()
    assert b"Borrel verplaatst" in made_again(1)
    db.session.execute(update(Event).where(Event.id == invitations[0].event_id).values(title="Borrel nummer nul"))
    db.session.commit()
    client.get(url)  # the same change seen once, then kept
    assert b"Borrel nummer nul" in made_again(0)
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitations[2].id)
        .values(state=InvitationState.MAYBE, answered_at=local(2029, 5, 1, 9, 0))
    )
    db.session.commit()
    assert b"Uw antwoord: misschien." in made_again(1)
    new_token = rsvp_token(db.session.merge(invitations[2]))
    body = made_again(1)
    assert new_token.encode() in body and tokens[2].encode() not in body and tokens[0].encode() in body


def test_a_stand_in_is_filled_wherever_the_line_was_folded():
    """The token goes where its stand-in was: whole, folded once at every place (the fast path), and in layouts a
    folding never makes (folded twice, two stand-ins on a line; the octet-by-octet way): always the token's
    octets in order, with the folds and the text around them as they were."""
    token = "Ab-_0123456789" * 3 + "x"  # TOKEN_LENGTH (43) characters
    assert len(token) == len(STAND_IN)
    fold = "\r\n "
    layouts = [(STAND_IN,)] + [(STAND_IN[:n], STAND_IN[n:]) for n in range(1, len(STAND_IN))]
    layouts.append((STAND_IN[:10], STAND_IN[10:20], STAND_IN[20:]))
    for layout in layouts:
        folded = fold.join(layout)
        expected = fold.join(token[sum(map(len, layout[:i])) :][: len(part)] for i, part in enumerate(layout))
        text = "DESCRIPTION:100% (%s) Antwoord: https://x/rsvp/{}\\n\r\nURL:https://x/rsvp/{}?a=%20\r\n"
        filled = with_secret(text.format(folded, STAND_IN).encode("ascii"), token)
        assert filled == text.format(expected, token).encode("ascii")
    two = f"A:{STAND_IN[:5]}{fold}{STAND_IN[5:]}-{STAND_IN[:30]}{fold}{STAND_IN[30:]}".encode("ascii")
    assert with_secret(two, token) == f"A:{token[:5]}{fold}{token[5:]}-{token[:30]}{fold}{token[30:]}".encode()
    assert with_secret(two, None) is two
    # A run of stand-in octets longer than a token (never written): each octet still the next of a token.
    odd = f"A:{STAND_IN}{STAND_IN[:2]}{fold}{STAND_IN[2:]}".encode("ascii")
    assert with_secret(odd, token) == f"A:{token}{token[:2]}{fold}{token[2:]}".encode()


def test_a_change_to_one_event_makes_one_new_entry(logged_in, client, create_event, organiser, db):
    events = [create_event(title=f"Borrel {n}", organiser=organiser) for n in range(4)]
    first = public(client)
    assert fragments(db) == 4
    assert public(client, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert logged_in.post(f"/events/{events[0].id}/cancel", {}).status_code == 302
    changed = public(client, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and b"Afgelast: Borrel 0" in changed.data
    assert fragments(db) == 5  # the other three entries were reused


def test_what_a_feed_shows_changes_its_etag_whoever_changes_it(client, create_event, create_initiative, db):
    event = route_event(create_event, create_initiative, db)
    etag = public(client).headers["ETag"]

    def changed() -> bool:
        nonlocal etag
        new = public(client, **{"If-None-Match": etag})
        if new.status_code == 304:
            return False
        etag = new.headers["ETag"]
        return True

    # Seats taken by answers (the guarded UPDATE of invitations.answers) are not shown: no change.
    db.session.execute(update(Event).where(Event.id == event.id).values(seats_taken=Event.seats_taken + 2))
    db.session.commit()
    assert not changed()
    # A renamed initiative changes no event row, but the feed names it.
    db.session.execute(update(Initiative).values(name="De Groene Vingers"))
    db.session.commit()
    assert changed()
    assert b"De Groene Vingers" in public(client).data
    # A bulk statement on the event, not through the ORM and without touching updated_at.
    db.session.execute(update(Event).where(Event.id == event.id).values(location="Dorpsstraat 1"))
    db.session.commit()
    assert changed()
    # A stop removed, a host added or removed.
    db.session.execute(db.delete(Stop))
    db.session.commit()
    assert changed()
    event = db.session.get(Event, event.id)
    event.hosts = []
    db.session.commit()
    assert changed()
    # A new event, and one leaving the window of past events.
    old = create_event(title="Bijna voorbij")
    assert changed()
    db.session.execute(
        update(Event)
        .where(Event.id == old.id)
        .values(starts_at=local(2020, 1, 1, 13, 0), ends_at=local(2020, 1, 1, 15, 0))
    )
    db.session.commit()
    assert changed()


def test_the_wijk_feed_follows_its_neighbourhoods_name(client, create_event, create_neighbourhood, db):
    hood = create_neighbourhood()
    create_event(neighbourhood_id=hood.id)
    first = client.get(f"/calendar/public.ics?wijk={hood.slug}")
    db.session.execute(update(Neighbourhood).values(name="Nieuwe naam"))
    db.session.commit()
    again = client.get(f"/calendar/public.ics?wijk={hood.slug}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and b"Nieuwe naam" in again.data


def test_old_entries_are_pruned_and_made_again(app, client, create_event, db):
    create_event()
    body = public(client).data
    with app.test_request_context():
        assert feeds.fragments.prune(timedelta(seconds=-60)) == 1
        db.session.commit()
    assert fragments(db) == 0
    app.extensions.pop("calendar_feeds", None)  # another process: neither the feed nor the entry in memory
    app.extensions.pop("calendar_entries", None)
    assert public(client).data == body
    assert fragments(db) == 1


def test_every_trigger_is_in_place(db):
    """A migration that rebuilds a table on SQLite (batch mode) drops its triggers: this says so."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    names = set(db.session.execute(text(query)).scalars())
    expected = {"event_changes", "event_shown_changes", "stop_changes", "event_host_changes", "initiative_changes"}
    expected |= {"neighbourhood_changes", "organiser_changes"}
    for name in expected:
        assert any(n.startswith(f"calendar_version_{name}") for n in names), name
    for name in ("own", "stop_insert", "stop_update", "stop_delete", "host_insert", "host_delete", "initiative_rename"):
        assert any(n.startswith(f"event_feed_version_{name}") for n in names), name


def test_feed_version_is_never_the_same_for_two_contents(create_event, create_initiative, db):
    event = create_event()
    versions = [db.session.scalar(db.select(Event.feed_version).where(Event.id == event.id))]

    def changed() -> bool:
        db.session.commit()
        versions.append(db.session.scalar(db.select(Event.feed_version).where(Event.id == event.id)))
        return versions[-1] > versions[-2]

    db.session.execute(update(Event).where(Event.id == event.id).values(seats_taken=3))
    assert not changed()
    db.session.execute(update(Event).where(Event.id == event.id).values(title="Anders"))
    assert changed()
    host = create_initiative()
    event = db.session.get(Event, event.id)
    event.hosts = [host]
    assert changed()
    db.session.execute(update(Initiative).where(Initiative.id == host.id).values(name="Nieuwe naam"))
    assert changed()
    other = create_event(title="Een ander")
    assert db.session.scalar(db.select(Event.feed_version).where(Event.id == other.id)) > versions[-1]


def test_prune_command(app, client, create_event, db):
    create_event()
    public(client)
    runner = app.test_cli_runner()
    assert "Deleted 0 stored feed entries." in runner.invoke(args=["calendar-fragments-prune"]).output
    assert "Deleted 1 stored feed entries." in runner.invoke(args=["calendar-fragments-prune", "--days", "-1"]).output
    assert fragments(db) == 0
