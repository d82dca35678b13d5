"""Planning events through the web pages, as an organiser would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from organiser.auth.models import TrailEntry
from organiser.events.forms import to_form_value
from organiser.events.models import Event, EventStatus, Stop
from tests.conftest import local
from tests.factories import route


def event_form(**overrides):
    data = {
        "title": "Wijksafari Oosterpark",
        "format": "wijksafari",
        "description": "Kennismaken met de moestuin.",
        "starts_at": "2030-06-15T13:00",
        "ends_at": "2030-06-15T16:00",
        "location": "Wijkcentrum De Boog",
        "neighbourhood_id": "0",
        "owner": "municipality",
        "capacity": "20",
        "rsvp_deadline": "2030-06-10T12:00",
        "max_plus_ones": "1",
        "min_office_share": "50",
    }
    data.update(overrides)
    return data


def edit_form(event, **overrides):
    """event_form for an existing event, as its edit page fills it in (local times, no deadline), with `overrides`.
    Call it inside a request context (the form's times are in the configured time zone)."""
    own = {
        "title": event.title,
        "format": event.format,
        "starts_at": to_form_value(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": to_form_value(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "location": event.location,
        "rsvp_deadline": "",
        "capacity": str(event.capacity),
        "max_plus_ones": str(event.max_plus_ones),
    }
    return event_form(**{**own, **overrides})


def test_format_defaults_prefill_the_form(logged_in):
    page = logged_in.get("/events/new/speurtocht").get_data(as_text=True)
    assert 'name="capacity" required type="number" value="30"' in page or 'value="30"' in page
    assert 'id="forms_teams" name="forms_teams" type="checkbox" value="y"' in page
    assert (
        "checked" in page.split('id="forms_teams"')[1].split(">")[0]
        or "checked" in page.split('name="forms_teams"')[0][-80:]
    )


def test_create_a_wijksafari_stores_utc_and_shows_amsterdam_time(logged_in, db):
    response = logged_in.post("/events/new/wijksafari", event_form())
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    assert event.status == EventStatus.DRAFT
    # 13:00 in Amsterdam summer time is 11:00 UTC.
    assert event.starts_at == datetime(2030, 6, 15, 11, 0, tzinfo=UTC)
    assert response.headers["Location"] == f"/events/{event.id}/stops"
    page = logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    assert "zaterdag 15 juni 2030, 13:00–16:00" in page


def test_winter_time_is_one_hour_from_utc(logged_in, db):
    logged_in.post(
        "/events/new/bruiscafe",
        event_form(format="bruiscafe", starts_at="2030-12-07T14:00", ends_at="2030-12-07T16:00", rsvp_deadline=""),
    )
    event = db.session.scalar(db.select(Event))
    assert event.starts_at == datetime(2030, 12, 7, 13, 0, tzinfo=UTC)
    assert "zaterdag 7 december 2030, 14:00–16:00" in logged_in.get(f"/events/{event.id}").get_data(as_text=True)


def test_invalid_event_gets_dutch_messages_and_saves_nothing(logged_in, db):
    response = logged_in.post(
        "/events/new/wijksafari",
        event_form(title="", ends_at="2030-06-15T12:00", capacity="0", rsvp_deadline="2030-06-16T12:00"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Geef de bijeenkomst een titel." in page
    assert "Het aantal plaatsen moet tussen 1 en 10.000 liggen." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0
    response = logged_in.post(
        "/events/new/wijksafari", event_form(ends_at="2030-06-15T12:00", rsvp_deadline="2030-06-16T12:00")
    )
    page = response.get_data(as_text=True)
    assert "Het einde moet na het begin liggen." in page
    assert "De reactietermijn moet vóór het begin van de bijeenkomst liggen." in page
    assert 'aria-invalid="true"' in page


def test_garbage_dates_get_a_message_not_an_error(logged_in, db):
    response = logged_in.post("/events/new/bruiscafe", event_form(starts_at="morgen", capacity="veel"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Dit is geen datum met tijd. Schrijf bijvoorbeeld 28-03-2027 14:30." in page and "Ongeldig getal." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_a_date_typed_where_the_browser_shows_no_picker(logged_in, db):
    """Without a date picker the field is a text box: the ways people type a date and time there are read, each as
    the same wall-clock time; the page shows it back in the picker's own format."""
    typed = ["2030-06-15T14:00", " 2030-06-15 14:00 ", "15-06-2030 14:00", "15-06-2030 14.00"]
    for starts_at in typed:
        form = event_form(starts_at=starts_at, ends_at="2030-06-15T16:00", rsvp_deadline="2030-06-10T12:00")
        assert logged_in.post("/events/new/bruiscafe", form).status_code == 302, starts_at
    starts = db.session.scalars(db.select(Event.starts_at)).all()
    assert len(starts) == len(typed) and len(set(starts)) == 1


def test_unknown_format_is_404(logged_in):
    assert logged_in.get("/events/new/picknick").status_code == 404


def test_planning_pages_need_login(client, create_event):
    event = create_event()
    assert client.get("/events/new").status_code == 302
    assert client.get(f"/events/{event.id}/edit").status_code == 302


def test_route_stops_add_reorder_remove(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    url = f"/events/{event.id}/stops"
    r = logged_in.post(
        url,
        {
            "name": "Moestuin",
            "address": "Parkweg 12",
            "starts_at": "2030-06-15T13:00",
            "ends_at": "2030-06-15T13:30",
            "initiative_id": "0",
        },
    )
    assert r.status_code == 302
    logged_in.post(
        url,
        {
            "name": "Repair Café",
            "address": "Vondelstraat 3",
            "starts_at": "2030-06-15T13:45",
            "ends_at": "2030-06-15T14:45",
            "initiative_id": "0",
        },
    )
    # Overlapping and outside the event are refused with a reason.
    page = logged_in.post(
        url,
        {
            "name": "Te vroeg",
            "address": "x",
            "starts_at": "2030-06-15T12:00",
            "ends_at": "2030-06-15T12:30",
            "initiative_id": "0",
        },
    ).get_data(as_text=True)
    assert "De halte moet binnen de tijd van de bijeenkomst vallen." in page
    page = logged_in.post(
        url,
        {
            "name": "Overlap",
            "address": "x",
            "starts_at": "2030-06-15T13:15",
            "ends_at": "2030-06-15T13:50",
            "initiative_id": "0",
        },
    ).get_data(as_text=True)
    assert "Deze tijd overlapt met halte 1 (Moestuin)." in page
    stops = db.session.scalars(db.select(Stop).order_by(Stop.position)).all()
    assert [s.name for s in stops] == ["Moestuin", "Repair Café"]
    # Move the second stop up: it takes the first time slot, each keeps its length.
    logged_in.post(f"{url}/{stops[1].id}/move", {"direction": "up"})
    stops = db.session.scalars(db.select(Stop).order_by(Stop.position)).all()
    assert [s.name for s in stops] == ["Repair Café", "Moestuin"]
    assert stops[0].starts_at == local(2030, 6, 15, 13, 0) and stops[0].ends_at == local(2030, 6, 15, 14, 0)
    assert stops[1].starts_at == local(2030, 6, 15, 14, 15) and stops[1].ends_at == local(2030, 6, 15, 14, 45)
    logged_in.post(f"{url}/{stops[0].id}/delete")
    stops = db.session.scalars(db.select(Stop)).all()
    assert [(s.name, s.position) for s in stops] == [("Moestuin", 1)]


def test_event_cannot_shrink_around_its_stops(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    logged_in.post(
        f"/events/{event.id}/stops",
        {
            "name": "Laat",
            "address": "x",
            "starts_at": "2030-06-15T15:00",
            "ends_at": "2030-06-15T16:00",
            "initiative_id": "0",
        },
    )
    page = logged_in.post(f"/events/{event.id}/edit", event_form(ends_at="2030-06-15T15:30")).get_data(as_text=True)
    assert "De route loopt dan tot 16:00, na het einde." in page


def test_edit_raises_sequence_only_for_time_or_place(logged_in, db):
    logged_in.post("/events/new/bruiscafe", event_form(format="bruiscafe"))
    event = db.session.scalar(db.select(Event))
    logged_in.post(f"/events/{event.id}/edit", event_form(format="bruiscafe", title="Nieuwe titel"))
    db.session.refresh(event)
    assert event.title == "Nieuwe titel" and event.sequence == 0
    logged_in.post(f"/events/{event.id}/edit", event_form(format="bruiscafe", location="Elders 1"))
    db.session.refresh(event)
    assert event.sequence == 1


def test_publish_then_agenda_then_cancel(logged_in, client, db):
    logged_in.post("/events/new/bruiscafe", event_form(format="bruiscafe", title="Bruiscafé Zuid"))
    event = db.session.scalar(db.select(Event))
    assert "Bruiscafé Zuid" not in logged_in.get("/agenda").get_data(as_text=True)
    logged_in.post(f"/events/{event.id}/publish")
    assert "Bruiscafé Zuid" in logged_in.get("/agenda").get_data(as_text=True)
    assert "afgelasten?" in logged_in.get(f"/events/{event.id}/cancel").get_data(as_text=True)
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED  # GET changes nothing
    logged_in.post(f"/events/{event.id}/cancel")
    event = db.session.get(Event, event.id)
    assert event.status == EventStatus.CANCELLED and event.sequence == 1
    assert "Deze bijeenkomst is afgelast." in logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    entry = db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "event_cancelled"))
    assert entry.subject_id == event.id and entry.actor == "organiser@example.org"


def test_drafts_are_hidden_from_the_public(client, create_event):
    draft = create_event(title="Geheim concept", status=EventStatus.DRAFT)
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert "Geheim concept" not in client.get("/agenda").get_data(as_text=True)


def test_agenda_filters_by_format_and_neighbourhood(client, create_event, create_neighbourhood):
    oost = create_neighbourhood("Oosterpark")
    create_event(title="Borrel Oost", format="netwerkborrel", neighbourhood_id=oost.id)
    create_event(title="Café elders", format="bruiscafe")
    page = client.get("/agenda?format=netwerkborrel").get_data(as_text=True)
    assert "Borrel Oost" in page and "Café elders" not in page
    page = client.get("/agenda?wijk=oosterpark").get_data(as_text=True)
    assert "Borrel Oost" in page and "Café elders" not in page
    page = client.get("/agenda?format=bestaat-niet&wijk=").get_data(as_text=True)
    assert "Borrel Oost" in page and "Café elders" in page


def test_past_events_leave_the_agenda(client, create_event):
    create_event(title="Al geweest", starts_at=datetime.now(UTC) - timedelta(days=3))
    assert "Al geweest" not in client.get("/agenda").get_data(as_text=True)


def test_organisers_cannot_touch_each_others_events(client, create_organiser, create_event, db):
    owner = create_organiser("owner@example.org")
    create_organiser("other@example.org")
    event = create_event(organiser=owner)
    client.login("other@example.org")
    assert client.get(f"/events/{event.id}/edit").status_code == 404
    assert client.post(f"/events/{event.id}/cancel").status_code == 404
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert "Beheer" not in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_route_shows_as_timeline_on_public_page(client, create_event, db):
    event = create_event(title="Safari", format="wijksafari", hours=3)
    event.stops = route((event.starts_at, event.starts_at + timedelta(minutes=45), "De moestuin", "Parkweg 12"))
    db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert '<ol class="timeline">' in page and "De moestuin" in page and "14:00" in page


def test_past_start_and_deadline_are_refused(logged_in, db):
    page = logged_in.post(
        "/events/new/bruiscafe",
        event_form(
            format="bruiscafe",
            starts_at="2020-01-10T14:00",
            ends_at="2020-01-10T16:00",
            rsvp_deadline="2020-01-01T12:00",
        ),
    ).get_data(as_text=True)
    assert "De bijeenkomst moet in de toekomst liggen." in page
    page = logged_in.post(
        "/events/new/bruiscafe", event_form(format="bruiscafe", rsvp_deadline="2020-01-01T12:00")
    ).get_data(as_text=True)
    assert "De reactietermijn moet in de toekomst liggen." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_the_route_moves_along_with_the_start(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    url = f"/events/{event.id}/stops"
    logged_in.post(
        url,
        {
            "name": "Moestuin",
            "address": "Parkweg 12",
            "starts_at": "2030-06-15T15:00",
            "ends_at": "2030-06-15T16:00",
            "initiative_id": "0",
        },
    )
    # One hour later, same length: the stop moves along (15:00 → 16:00).
    response = logged_in.post(
        f"/events/{event.id}/edit", event_form(starts_at="2030-06-15T14:00", ends_at="2030-06-15T17:00")
    )
    assert response.status_code == 302
    stop = db.session.scalar(db.select(Stop))
    assert stop.starts_at == local(2030, 6, 15, 16, 0) and stop.ends_at == local(2030, 6, 15, 17, 0)
    # Later but not longer: the route would end after the event.
    page = logged_in.post(
        f"/events/{event.id}/edit", event_form(starts_at="2030-06-15T15:00", ends_at="2030-06-15T17:00")
    ).get_data(as_text=True)
    assert "De route loopt dan tot 18:00, na het einde." in page


def test_a_route_format_cannot_lose_its_route_silently(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    logged_in.post(
        f"/events/{event.id}/stops",
        {
            "name": "Moestuin",
            "address": "Parkweg 12",
            "starts_at": "2030-06-15T13:00",
            "ends_at": "2030-06-15T14:00",
            "initiative_id": "0",
        },
    )
    page = logged_in.post(f"/events/{event.id}/edit", event_form(format="bruiscafe")).get_data(as_text=True)
    assert "Deze werkvorm heeft geen route." in page
    assert db.session.get(Event, event.id).format == "wijksafari"


def test_edit_a_stop(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    url = f"/events/{event.id}/stops"
    for name, start, end in (("A", "13:00", "13:30"), ("B", "14:00", "14:30")):
        logged_in.post(
            url,
            {
                "name": name,
                "address": "x",
                "starts_at": f"2030-06-15T{start}",
                "ends_at": f"2030-06-15T{end}",
                "initiative_id": "0",
            },
        )
    a, b = db.session.scalars(db.select(Stop).order_by(Stop.position)).all()
    assert "Halte wijzigen" in logged_in.get(f"{url}/{a.id}/edit").get_data(as_text=True)
    page = logged_in.post(
        f"{url}/{a.id}/edit",
        {
            "name": "A",
            "address": "x",
            "starts_at": "2030-06-15T14:15",
            "ends_at": "2030-06-15T14:45",
            "initiative_id": "0",
        },
    ).get_data(as_text=True)
    assert "Deze tijd overlapt met halte 2 (B)." in page
    logged_in.post(
        f"{url}/{a.id}/edit",
        {
            "name": "A later",
            "address": "y",
            "starts_at": "2030-06-15T15:00",
            "ends_at": "2030-06-15T15:30",
            "initiative_id": "0",
        },
    )
    assert [(s.name, s.position) for s in db.session.scalars(db.select(Stop).order_by(Stop.position))] == [
        ("B", 1),
        ("A later", 2),
    ]


def test_new_events_take_the_configured_reminder_days(app, logged_in, db):
    """ORGANISER_REMINDER_DAYS_BEFORE_DEADLINE was listed but never used: every event got 3."""
    app.config["REMINDER_DAYS_BEFORE_DEADLINE"] = 5
    logged_in.post("/events/new/bruiscafe", event_form(format="bruiscafe"))
    assert db.session.scalar(db.select(Event)).reminder_days_before_deadline == 5


def test_a_title_too_long_says_so_in_the_apps_words_in_both_languages(logged_in, db):
    """WTForms' own message ("Veld mag niet langer zijn dan 200 karakters") read unlike the rest of the app."""
    response = logged_in.post("/events/new/wijksafari", event_form(title="x" * 201))
    page = response.get_data(as_text=True)
    assert "Dit is te lang: maximaal 200 tekens." in page and "karakters" not in page
    logged_in.post("/language", {"lang": "en", "next": "/events/new/wijksafari"})
    english = logged_in.post("/events/new/wijksafari", event_form(title="x" * 201)).get_data(as_text=True)
    assert "This is too long: at most 200 characters." in english
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0
