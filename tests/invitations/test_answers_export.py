"""The answers CSV says where each answer came from (the web page, the calendar app, the organiser), as the
answers page does."""

from __future__ import annotations

import csv
import io

from organiser.invitations import answers, links
from organiser.invitations.models import AnswerSource, Invitation


def test_the_answers_csv_names_the_source_of_every_answer(logged_in, client, organiser, db, create_event, invitees):
    event = create_event(organiser=organiser)
    web, calendar, phone, silent = invitees(event, names=["Wendy Web", "Carl Agenda", "Tom Telefoon", "Stil"])
    client.post(f"/rsvp/{links.rsvp_token(web)}", {"answer": "yes", "plus_ones": "0", "note": ""})
    answers.record_answer(db.session.get(Invitation, calendar.id), "maybe", source=AnswerSource.CALENDAR)
    db.session.commit()
    logged_in.post(f"/events/{event.id}/answers/{phone.id}", {"answer": "no", "plus_ones": "0"})

    response = logged_in.get(f"/events/{event.id}/answers.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    header = rows[0]
    source = {row[0]: row[header.index("Bron van het antwoord")] for row in rows[1:]}
    assert source == {
        "Wendy Web": "via de antwoordpagina",
        "Carl Agenda": "via de agenda-app",
        "Tom Telefoon": "vastgelegd door de organisator",
        "Stil": "",
    }
