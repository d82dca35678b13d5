"""Reach (issue 16): attendees who came on their own initiative (the open sign-up) versus by invitation, per
format, on the dashboard and in its CSV export."""

from __future__ import annotations

from organiser.extensions import utcnow
from tests.reach.test_dashboard import csv_rows, days_ago, tables_of


def test_own_initiative_versus_invited_per_format(logged_in, db, create_event, create_person, invite):
    cafe = create_event("Bruiscafé Oost", format="bruiscafe", starts_at=days_ago(30), signup_open=True, signup_seats=5)
    borrel = create_event("Netwerkborrel", format="netwerkborrel", starts_at=days_ago(20))
    upcoming = create_event("Bruiscafé later", format="bruiscafe", signup_open=True, signup_seats=5)
    for name in ("Sanne", "Joost"):
        invite(cafe, create_person(name, kind="resident"), "yes", signed_up_at=utcnow())
    invite(cafe, create_person("Declined", kind="resident"), "no", signed_up_at=utcnow())  # did not come
    invite(cafe, "Anna", "yes")
    invite(borrel, "Bram", "yes")
    invite(upcoming, create_person("Nog niet", kind="resident"), "yes", signed_up_at=utcnow())  # not yet held

    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-own-initiative"]
    assert rows[0] == ["Werkvorm", "Aanwezig", "Op eigen initiatief", "Op uitnodiging", "Aandeel eigen initiatief"]
    assert rows[1:] == [["Bruiscafé", "3", "2", "1", "67%"], ["Netwerkborrel", "1", "0", "1", "0%"]]
    exported = csv_rows(logged_in.get("/reach/own-initiative.csv"))
    assert exported[1:] == [["Bruiscafé", "3", "2", "1", "67%"], ["Netwerkborrel", "1", "0", "1", "0%"]]
