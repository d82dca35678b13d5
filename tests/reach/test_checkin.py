"""Check-in helpers: attendance on the day, by login (role) or by a personal link; nothing else."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from organiser.auth.models import Role
from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.invitations.models import EventLink, Invitation, InvitationState
from tests.conftest import AMSTERDAM, Client


def noon_today() -> datetime:
    return datetime.combine(to_local(utcnow()).date(), time(12, 0), tzinfo=AMSTERDAM)


@pytest.fixture
def day(app, db, organiser, create_organiser, create_event, request):
    make_person = request.getfixturevalue("create_person")
    make_invitation = request.getfixturevalue("invite")
    today = create_event(title="Bruiscafé van vandaag", starts_at=noon_today(), organiser=organiser)
    later = create_event(title="Netwerkborrel volgende week", starts_at=noon_today() + timedelta(days=7))
    vera = make_invitation(today, make_person("Vera Vergunning"), InvitationState.YES)
    make_invitation(later, make_person("Karel Later"), InvitationState.YES)
    helper = create_organiser(email="hulp@example.org", name="Hans Hulp")
    helper.role = Role.CHECKIN
    db.session.commit()
    client = Client(app.test_client())
    return {"today": today, "later": later, "vera": vera, "client": client}


def test_a_check_in_helper_ticks_attendance_for_today_and_nothing_else(day, db):
    client = day["client"]
    response = client.post("/login", {"email": "hulp@example.org", "password": "correct horse battery"})
    assert response.headers["Location"] == "/checkin"
    client._csrf = None
    page = client.get("/checkin").get_data(as_text=True)
    assert "Bruiscafé van vandaag" in page and "Netwerkborrel volgende week" not in page
    url = f"/checkin/events/{day['today'].id}"
    assert "Vera Vergunning" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/tick/{day['vera'].id}", {"present": "1"}).status_code == 302
    assert db.session.get(Invitation, day["vera"].id).attended is True

    assert client.get(f"/checkin/events/{day['later'].id}").status_code == 404
    # Attendance only: no planning pages, no directory, no figures, no mail.
    for path in (
        "/people",
        "/events",
        "/events/new",
        f"/events/{day['today'].id}/guests",
        f"/events/{day['today'].id}/edit",
        "/reach",
        "/mail",
    ):
        assert client.get(path).status_code == 403, path
    assert client.get("/agenda").status_code == 200 and client.get("/account").status_code == 200


def test_a_check_in_link_opens_one_event_until_revoked(day, logged_in, client, db):
    made = logged_in.post(f"/events/{day['today'].id}/links", {"name": "Hulp bij de deur", "initiative_id": ""})
    page = logged_in.get(made.headers["Location"]).get_data(as_text=True)
    path = re.search(r"http://organiser\.test(/checkin/link/[A-Za-z0-9_-]+)", page).group(1)
    helper = day["client"]
    assert "Vera Vergunning" in helper.get(path).get_data(as_text=True)
    assert helper.post(path).status_code == 405  # no "save the whole list": nothing can wipe it in one click
    assert helper.post(f"{path}/tick/{day['vera'].id}", {"present": "1"}).status_code == 302
    assert db.session.get(Invitation, day["vera"].id).attended is True
    assert helper.get("/events").status_code == 302  # the link logs nobody in
    link = db.session.scalar(db.select(EventLink))
    logged_in.post(f"/events/{day['today'].id}/links/{link.id}/revoke")
    assert helper.get(path).status_code == 404
