"""Series (issue 17): "elke eerste dinsdag van de maand, 16:00–18:00, tot juni" makes separate events linked as one
series, each with its own guest list and answers; one occurrence or this and all following can be changed; the
public pages and the public feed show the series.

Summer time starts on Sunday 28 March 2027: 16:00 in Amsterdam is 15:00 UTC before and 14:00 UTC after.
"""

from __future__ import annotations

from datetime import UTC, datetime

from organiser.events.models import Event, EventStatus, Series
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from tests.calendar.checks import check_ical, instants_all_parsers, vevents
from tests.conftest import Client, local
from tests.events.test_events import event_form
from tests.factories import route

FIRST_TUESDAYS = [
    local(2027, 1, 5, 16),
    local(2027, 2, 2, 16),
    local(2027, 3, 2, 16),
    local(2027, 4, 6, 16),
    local(2027, 5, 4, 16),
    local(2027, 6, 1, 16),
]


def monthly(**overrides):
    data = {"frequency": "monthly_weekday", "week_of_month": "1", "end": "until", "until": "2027-06-30"}
    data.update(overrides)
    return data


def occurrences(db) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Event).order_by(Event.starts_at)))


def make_bruiscafe_series(create_event, organiser, logged_in, **form):
    source = create_event(title="Bruiscafé Oost", starts_at=local(2027, 1, 5, 16), hours=2, organiser=organiser)
    response = logged_in.post(f"/events/{source.id}/series/new", monthly(**form))
    assert response.status_code == 302, response.get_data(as_text=True)
    return source, response


def test_every_first_tuesday_until_june_makes_six_events_in_one_series(db, logged_in, organiser, create_event):
    page = logged_in.get("/events/{}/series/new".format(create_event(title="Ander", organiser=organiser).id))
    assert "Elke maand op dezelfde weekdag" in page.get_data(as_text=True)

    source, response = make_bruiscafe_series(create_event, organiser, logged_in)
    series = db.session.scalar(db.select(Series))
    assert response.headers["Location"] == f"/series/{series.id}"
    events = [e for e in occurrences(db) if e.title == "Bruiscafé Oost"]
    assert [e.starts_at for e in events] == FIRST_TUESDAYS
    assert events[0].id == source.id
    # Wall-clock 16:00–18:00 on every date, winter and summer.
    assert events[0].starts_at == datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    assert events[3].starts_at == datetime(2027, 4, 6, 14, 0, tzinfo=UTC)
    assert all(e.ends_at - e.starts_at == events[0].ends_at - events[0].starts_at for e in events)
    assert {e.series.id for e in events} == {series.id}
    assert len({e.uid for e in events}) == 6
    assert {e.status for e in events} == {EventStatus.PUBLISHED}  # as the first one
    assert (series.frequency, series.interval, series.week_of_month) == ("monthly_weekday", 1, 1)

    page = logged_in.get(f"/series/{series.id}").get_data(as_text=True)
    assert "elke eerste dinsdag van de maand" in page
    assert "dinsdag 6 april 2027, 16:00–18:00" in page and "dinsdag 1 juni 2027, 16:00–18:00" in page
    detail = logged_in.get(f"/events/{events[2].id}").get_data(as_text=True)
    assert "Deze bijeenkomst hoort bij de reeks „Bruiscafé Oost”: elke eerste dinsdag van de maand." in detail
    assert f'href="/series/{series.id}"' in detail
    assert f'<a href="/events/{events[3].id}">dinsdag 6 april 2027, 16:00–18:00</a>' in detail  # the other dates
    assert f'href="/events/{events[2].id}"' not in detail
    assert "Herhalen als reeks" not in detail


def test_the_public_agenda_page_and_feed_show_the_series(db, client, logged_in, organiser, create_event):
    make_bruiscafe_series(create_event, organiser, logged_in)
    series = db.session.scalar(db.select(Series))
    agenda = client.get("/agenda").get_data(as_text=True)
    assert agenda.count(f'href="/series/{series.id}"') == 6
    assert "Onderdeel van de reeks" in agenda
    public = client.get(f"/series/{series.id}").get_data(as_text=True)
    assert public.count("16:00–18:00") == 6

    body = client.get("/calendar/public.ics").data
    check_ical(body)
    entries = vevents(body)
    assert len(entries) == 6  # each occurrence its own VEVENT with its own UID, no RRULE
    assert all("RRULE" not in entry for entry in entries.values())
    description = str(next(iter(entries.values()))["DESCRIPTION"])
    assert "Onderdeel van de reeks „Bruiscafé Oost”." in description
    assert f"/series/{series.id}" in description
    starts = sorted(start for start, _end in instants_all_parsers(body).values())
    assert starts == [moment.astimezone(UTC) for moment in FIRST_TUESDAYS]


def test_drafts_of_a_series_stay_private(db, app, logged_in, organiser, create_event):
    source = create_event(
        title="Concept-café", starts_at=local(2027, 1, 5, 16), organiser=organiser, status=EventStatus.DRAFT
    )
    assert logged_in.post(f"/events/{source.id}/series/new", monthly(end="count", count="3")).status_code == 302
    series = db.session.scalar(db.select(Series))
    assert [e.status for e in occurrences(db)] == [EventStatus.DRAFT] * 3
    assert logged_in.get(f"/series/{series.id}").status_code == 200
    assert Client(app.test_client()).get(f"/series/{series.id}").status_code == 404


def test_weekly_every_two_weeks_and_monthly_on_a_day(db, logged_in, organiser, create_event):
    weekly = create_event(title="Wekelijks", starts_at=local(2027, 1, 5, 16), organiser=organiser)
    logged_in.post(
        f"/events/{weekly.id}/series/new", {"frequency": "weeks", "interval": "2", "end": "count", "count": "3"}
    )
    assert [e.starts_at for e in occurrences(db) if e.title == "Wekelijks"] == [
        local(2027, 1, 5, 16),
        local(2027, 1, 19, 16),
        local(2027, 2, 2, 16),
    ]
    day = create_event(title="Op de 31e", starts_at=local(2027, 1, 31, 10), organiser=organiser)
    logged_in.post(f"/events/{day.id}/series/new", {"frequency": "monthly_day", "end": "until", "until": "2027-05-31"})
    # Months without a 31st are left out.
    assert [e.starts_at for e in occurrences(db) if e.title == "Op de 31e"] == [
        local(2027, 1, 31, 10),
        local(2027, 3, 31, 10),
        local(2027, 5, 31, 10),
    ]


def test_a_rule_past_the_maximum_or_without_dates_is_refused_with_a_clear_message(
    db, logged_in, organiser, create_event
):
    source = create_event(title="Elke week", starts_at=local(2027, 1, 5, 16), organiser=organiser)
    response = logged_in.post(
        f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "until", "until": "2029-01-01"}
    )
    assert response.status_code == 400
    assert "Zo worden het meer dan 52 bijeenkomsten." in response.get_data(as_text=True)
    response = logged_in.post(f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "count", "count": "53"})
    assert response.status_code == 400
    assert "Kies een aantal van 2 tot en met 52." in response.get_data(as_text=True)
    response = logged_in.post(
        f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "until", "until": "2027-01-06"}
    )
    assert "Met deze regel komt er geen datum bij." in response.get_data(as_text=True)
    response = logged_in.post(f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "until"})
    assert "Vul de datum in waarop de reeks eindigt." in response.get_data(as_text=True)
    assert (
        logged_in.post(
            f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "count", "count": "52"}
        ).status_code
        == 302
    )
    assert len(occurrences(db)) == 52 and db.session.scalar(db.select(db.func.count()).select_from(Series)) == 1


def test_fields_for_another_choice_are_ignored_whatever_they_hold(db, logged_in, organiser, create_event):
    """The browser sends every field of the form: "om de hoeveel weken" with a 1 (or a wrong end date under "een
    aantal keer") must not stop a monthly series, as the fields' hints say they apply only to their own choice."""
    source = create_event(title="Bruiscafé", starts_at=local(2027, 1, 5, 16), organiser=organiser)
    leftovers = {"interval": "1", "until": "2027-02-30", "week_of_month": "9"}
    response = logged_in.post(
        f"/events/{source.id}/series/new",
        {**leftovers, "frequency": "monthly_day", "end": "count", "count": "3"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [e.starts_at.day for e in occurrences(db)] == [5, 5, 5]
    # Where they do apply, they are still checked.
    other = create_event(title="Netwerkborrel", starts_at=local(2027, 1, 5, 16), organiser=organiser)
    response = logged_in.post(
        f"/events/{other.id}/series/new", {"frequency": "weeks", "interval": "1", "end": "count", "count": "3"}
    )
    assert response.status_code == 400
    assert "Kies een getal van 2 tot en met 12." in response.get_data(as_text=True)
    response = logged_in.post(
        f"/events/{other.id}/series/new", {"frequency": "weekly", "end": "until", "until": "2027-02-30"}
    )
    assert response.status_code == 400


def test_a_date_whose_time_does_not_exist_is_refused(db, logged_in, organiser, create_event):
    source = create_event(title="Nachtcafé", starts_at=local(2027, 3, 21, 2, 30), hours=1, organiser=organiser)
    response = logged_in.post(f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "count", "count": "3"})
    assert response.status_code == 400
    assert "Op 28 maart 2027 bestaat 02:30 niet" in response.get_data(as_text=True)
    assert len(occurrences(db)) == 1 and db.session.scalar(db.select(Series)) is None


def test_each_occurrence_has_its_own_guest_list_and_answers(
    db, client, logged_in, organiser, create_event, invite, rsvp_token
):
    source = create_event(title="Bruiscafé Oost", starts_at=local(2027, 1, 5, 16), organiser=organiser)
    invite(source, "Anna", "listed")
    invite(source, "Bert", "no")
    logged_in.post(f"/events/{source.id}/series/new", monthly(end="count", count="3", with_guests="y"))
    events = occurrences(db)
    lists = [
        sorted(i.person.name for i in db.session.scalars(db.select(Invitation).where(Invitation.event_id == e.id)))
        for e in events
    ]
    assert lists == [["Anna", "Bert"], ["Anna"], ["Anna"]]
    # Anna is invited to the second date and answers yes there; the others are unchanged.
    second = db.session.scalar(db.select(Invitation).where(Invitation.event_id == events[1].id))
    second.state, second.sent_at = InvitationState.INVITED, datetime.now(UTC)
    db.session.commit()
    token = rsvp_token(second)
    answer = client.post(f"/rsvp/{token}", {"answer": "yes", "plus_ones": "0", "note": ""})
    assert answer.status_code in (200, 302)
    events = occurrences(db)
    states = [
        db.session.scalar(
            db.select(Invitation.state).where(Invitation.event_id == e.id, Invitation.person.has(name="Anna"))
        )
        for e in events
    ]
    assert states == [InvitationState.LISTED, InvitationState.YES, InvitationState.LISTED]
    assert [e.seats_taken for e in events] == [0, 1, 0]


def test_change_this_and_all_following(db, logged_in, organiser, create_event, invitees):
    make_bruiscafe_series(create_event, organiser, logged_in)
    events = occurrences(db)
    invitees(events[4], 1)  # someone invited to the fifth date hears of its change
    mails = db.session.scalar(
        db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.event_id == events[4].id)
    )
    third = events[2]
    form = event_form(
        format="bruiscafe",
        title="Bruiscafé Oost (nieuw adres)",
        starts_at="2027-03-02T16:30",
        ends_at="2027-03-02T18:30",
        location="Buurthuis De Brug",
        rsvp_deadline="",
        max_plus_ones="0",
        capacity="20",
        scope="following",
    )
    page = logged_in.get(f"/events/{third.id}/edit").get_data(as_text=True)
    assert "Deze en alle volgende in de reeks" in page
    response = logged_in.post(f"/events/{third.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    events = occurrences(db)
    assert [e.title for e in events] == ["Bruiscafé Oost"] * 2 + ["Bruiscafé Oost (nieuw adres)"] * 4
    assert [e.location for e in events][2:] == ["Buurthuis De Brug"] * 4
    assert [e.starts_at for e in events] == FIRST_TUESDAYS[:2] + [m.replace(minute=30) for m in FIRST_TUESDAYS[2:]]
    assert events[5].ends_at == local(2027, 6, 1, 18, 30)
    assert [e.sequence for e in events] == [0, 0, 1, 1, 1, 1]
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.event_id == events[4].id)
        )
        == mails + 1
    )

    # Only this one: the others stay.
    form.update(scope="this", title="Alleen in april", starts_at="2027-04-06T17:00", ends_at="2027-04-06T19:00")
    assert logged_in.post(f"/events/{events[3].id}/edit", form).status_code == 302
    events = occurrences(db)
    assert [e.title for e in events][3:] == [
        "Alleen in april",
        "Bruiscafé Oost (nieuw adres)",
        "Bruiscafé Oost (nieuw adres)",
    ]
    assert events[3].starts_at == local(2027, 4, 6, 17) and events[4].starts_at == local(2027, 5, 4, 16, 30)


def test_this_and_following_refused_when_a_later_date_has_more_yes_than_seats(
    db, logged_in, organiser, create_event, invite
):
    make_bruiscafe_series(create_event, organiser, logged_in)
    events = occurrences(db)
    for name in ("Anna", "Bert", "Carla"):
        invite(events[4], name, "yes")
    form = event_form(
        format="bruiscafe",
        title="Bruiscafé Oost",
        starts_at="2027-03-02T16:00",
        ends_at="2027-03-02T18:00",
        location="Kerkstraat 41",
        rsvp_deadline="",
        max_plus_ones="0",
        capacity="2",
        scope="following",
    )
    response = logged_in.post(f"/events/{events[2].id}/edit", form)
    assert response.status_code == 400
    assert "Op 4 mei 2027 hebben al 3 mensen toegezegd" in response.get_data(as_text=True)
    assert 'value="2"' in response.get_data(as_text=True)  # what was typed is kept
    assert [e.capacity for e in occurrences(db)] == [20] * 6


def test_only_who_may_change_the_event_may_make_a_series(app, db, organiser, create_organiser, create_event):
    anna = create_organiser(email="anna@example.org", name="Anna A")
    source = create_event(title="Bruiscafé van Anna", organiser=anna, starts_at=local(2027, 1, 5, 16))
    olga = Client(app.test_client())
    olga.login("organiser@example.org")
    assert olga.get(f"/events/{source.id}/series/new").status_code == 404
    assert olga.post(f"/events/{source.id}/series/new", monthly()).status_code == 404
    assert len(occurrences(db)) == 1


def test_a_cancelled_event_or_one_in_a_series_is_not_repeated(db, logged_in, organiser, create_event):
    cancelled = create_event(
        title="Afgelast", organiser=organiser, status=EventStatus.CANCELLED, starts_at=local(2027, 1, 5, 16)
    )
    response = logged_in.post(f"/events/{cancelled.id}/series/new", monthly())
    assert "Een afgelaste bijeenkomst kan niet worden herhaald." in response.get_data(as_text=True)
    source, _response = make_bruiscafe_series(create_event, organiser, logged_in)
    again = logged_in.post(f"/events/{source.id}/series/new", monthly())
    assert again.status_code == 302 and again.headers["Location"].startswith("/series/")
    assert db.session.scalar(db.select(db.func.count()).select_from(Series)) == 1


def test_a_route_series_moves_its_stops_and_refuses_a_change_that_cuts_a_later_route_short(
    db, logged_in, organiser, create_event
):
    source = create_event(
        title="Safari",
        format="wijksafari",
        starts_at=local(2027, 3, 20, 13),
        hours=2,
        organiser=organiser,
        stops=route((local(2027, 3, 20, 13, 30), local(2027, 3, 20, 14, 30), "De moestuin", "Parkweg 12")),
    )
    logged_in.post(f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "count", "count": "3"})
    events = occurrences(db)
    # Across the change to summer time (28 March) the stop stays at 13:30 wall-clock time.
    assert [e.stops[0].starts_at for e in events] == [
        local(2027, 3, 20, 13, 30),
        local(2027, 3, 27, 13, 30),
        local(2027, 4, 3, 13, 30),
    ]
    # The second one's route is longer than the first's: ending at 14:15 everywhere would cut it short.
    events[2].stops[0].ends_at = local(2027, 4, 3, 14, 45)
    db.session.commit()
    ends_before = [e.ends_at for e in events]
    form = event_form(
        format="wijksafari",
        title="Safari",
        starts_at="2027-03-27T13:00",
        ends_at="2027-03-27T14:40",
        location="Kerkstraat 41",
        rsvp_deadline="",
        max_plus_ones="0",
        capacity="20",
        scope="following",
    )
    response = logged_in.post(f"/events/{events[1].id}/edit", form)
    assert response.status_code == 400
    assert "Op 3 april 2027 loopt de route dan door na het einde." in response.get_data(as_text=True)
    assert (
        [e.ends_at for e in occurrences(db)]
        == ends_before
        == [local(2027, 3, d, 15) for d in (20, 27)] + [local(2027, 4, 3, 15)]
    )


def test_changing_the_last_but_one_says_one_following_date_in_the_singular(db, logged_in, organiser, create_event):
    make_bruiscafe_series(create_event, organiser, logged_in, end="count", count="3")
    events = occurrences(db)
    form = event_form(
        format="bruiscafe",
        title="Bruiscafé Oost",
        starts_at="2027-02-02T16:00",
        ends_at="2027-02-02T18:00",
        location="Buurthuis De Brug",
        rsvp_deadline="",
        max_plus_ones="0",
        capacity="20",
        scope="following",
    )
    response = logged_in.post(f"/events/{events[1].id}/edit", form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "De wijzigingen zijn opgeslagen, ook bij de volgende bijeenkomst in de reeks." in page
    assert [e.location for e in occurrences(db)][1:] == ["Buurthuis De Brug"] * 2


def test_the_end_date_may_be_typed_in_the_dutch_order(db, logged_in, organiser, create_event):
    """Where the browser shows no date picker: 30-06-2027 is the same end as 2027-06-30; text that is no date is
    answered with an example of one."""
    make_bruiscafe_series(create_event, organiser, logged_in, until=" 30-06-2027 ")
    assert [e.starts_at for e in occurrences(db)] == FIRST_TUESDAYS
    source = create_event(title="Netwerkborrel", starts_at=local(2027, 1, 5, 16), hours=2, organiser=organiser)
    response = logged_in.post(f"/events/{source.id}/series/new", monthly(until="eind juni"))
    assert response.status_code == 400
    assert "Dit is geen datum. Schrijf bijvoorbeeld 28-03-2027." in response.get_data(as_text=True)
