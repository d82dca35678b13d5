"""New ties on the reach pages: the departments × initiatives matrix (heat map and table), office colleagues with a
new contact, formats, events; CSV exports equal to the tables; a fixed number of queries as the data grows."""

from __future__ import annotations

import re

import pytest

from tests.factories import recorded_statements
from tests.reach.test_dashboard import csv_rows, days_ago, tables_of


@pytest.fixture
def ties_data(db, create_event, create_initiative, create_person, create_department, invite, answer_followup):
    """A bruiscafé (hosted by the Havenkoor) and a wijksafari (the Wijkbus and the Moestuin) in the last weeks.

    Café: Anna (office, Vergunningen) met the Havenkoor; Bram (office, Financiën) met nobody new; Willem (frontline,
    Wijkteams) met the Havenkoor; Ria (resident of the Havenkoor) met Vergunningen, anonymously; Dirk was asked and
    did not answer. Safari: Chris (office, Vergunningen) met the Wijkbus and the Moestuin; Anna met the Wijkbus.
    """
    koor = create_initiative("Havenkoor")
    bus = create_initiative("Wijkbus", koor.neighbourhood)
    tuin = create_initiative("Moestuin", koor.neighbourhood)
    vergunningen = create_department("Vergunningen")
    people = {
        "anna": create_person("Anna", department=vergunningen),
        "bram": create_person("Bram", department="Financiën"),
        "chris": create_person("Chris", department=vergunningen),
        "dirk": create_person("Dirk", department="Belastingen"),
        "willem": create_person("Willem", role="frontline", department="Wijkteams"),
        "ria": create_person("Ria", kind="resident", initiatives=[koor]),
    }
    cafe = create_event("Bruiscafé", format="bruiscafe", starts_at=days_ago(5), hosts=[koor])
    safari = create_event("Safari", format="wijksafari", starts_at=days_ago(8), hosts=[bus, tuin])
    at_cafe = {key: invite(cafe, people[key], "yes") for key in ("anna", "bram", "dirk", "willem", "ria")}
    at_safari = {key: invite(safari, people[key], "yes") for key in ("anna", "chris")}
    answer_followup(at_cafe["anna"], met_someone=True, initiative_ids=[koor.id], keeps_in_touch=True, rating=4)
    answer_followup(at_cafe["bram"], met_someone=False, rating=2)
    answer_followup(at_cafe["willem"], met_someone=True, initiative_ids=[koor.id], rating=5)
    answer_followup(at_cafe["ria"], met_someone=True, department_ids=[vergunningen.id], anonymous=True, rating=3)
    answer_followup(at_cafe["dirk"])  # asked, no answer
    answer_followup(at_safari["chris"], met_someone=True, initiative_ids=[bus.id, tuin.id], keeps_in_touch=True)
    answer_followup(at_safari["anna"], met_someone=True, initiative_ids=[bus.id], rating=5)
    return {"people": people, "cafe": cafe, "safari": safari, "vergunningen": vergunningen}


def test_the_matrix_counts_ties_both_ways(logged_in, ties_data):
    rows = tables_of(logged_in.get("/reach/new-ties").get_data(as_text=True))["table-ties"]
    assert rows[0] == ["Afdeling", "Havenkoor", "Wijkbus", "Moestuin", "Totaal"]
    # Vergunningen: Anna and Ria (a resident naming Vergunningen) with the Havenkoor, Chris and Anna with the Wijkbus,
    # Chris with the Moestuin. Wijkteams: Willem with the Havenkoor. Bram met nobody new: Financiën is not there.
    assert rows[1:] == [["Vergunningen", "2", "2", "1", "5"], ["Wijkteams", "1", "0", "0", "1"]]


def test_the_heat_map_is_an_accessible_picture_with_the_same_numbers(logged_in, ties_data):
    page = logged_in.get("/reach/new-ties").get_data(as_text=True)
    svg = re.search(
        r'<svg class="chart" role="img" aria-labelledby="chart-ties-title chart-ties-desc".*?</svg>', page, re.S
    )
    assert svg is not None
    svg = svg.group(0)
    assert '<title id="chart-ties-title">Nieuwe contacten tussen afdelingen en initiatieven</title>' in svg
    assert "hoe donkerder het vak, hoe meer" in svg  # the text alternative says how to read it
    cells = re.findall(r'class="chart__value[^"]*">(\d+)</text>', svg)
    assert cells == ["2", "2", "1", "1", "0", "0"]  # the numbers are written in the cells, not told by colour
    assert "chart__heat--4" in svg and "chart__heat--0" in svg
    assert "1: Havenkoor" in svg and "3: Moestuin" in svg
    assert "style=" not in page


def test_office_colleagues_with_a_new_contact(logged_in, ties_data):
    rows = tables_of(logged_in.get("/reach/new-ties").get_data(as_text=True))["table-office-ties"]
    assert [row[1] for row in rows[1:]] == ["6", "5", "4", "3", "75%"]  # Anna twice, Bram, Chris; Bram met nobody


def test_formats_with_the_most_contact_first(logged_in, ties_data):
    rows = tables_of(logged_in.get("/reach/new-ties").get_data(as_text=True))["table-format-ties"]
    assert rows[1] == ["Wijksafari", "1", "2", "2", "100%", "3", "5,0"]
    assert rows[2] == ["Bruiscafé", "1", "4", "3", "75%", "3", "3,5"]


def test_per_event_summary(logged_in, ties_data):
    rows = tables_of(logged_in.get("/reach/new-ties").get_data(as_text=True))["table-event-ties"]
    by_title = {row[0]: row[2:] for row in rows[1:]}
    assert by_title == {
        "Safari": ["Wijksafari", "2", "2", "2", "1", "5,0"],
        "Bruiscafé": ["Bruiscafé", "5", "4", "3", "1", "3,5"],
    }


def test_no_names_on_the_page(logged_in, ties_data):
    page = logged_in.get("/reach/new-ties").get_data(as_text=True)
    for name in ("Anna", "Bram", "Chris", "Willem", "Ria", "Dirk"):
        assert f">{name}<" not in page and f"{name} " not in page


def test_csv_exports_equal_the_tables(logged_in, ties_data):
    page = logged_in.get("/reach/new-ties").get_data(as_text=True)
    tables = tables_of(page)
    for key in ("ties", "office-ties", "format-ties", "event-ties"):
        assert f'href="/reach/{key}.csv?from=' in page
        response = logged_in.get(f"/reach/{key}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert csv_rows(response) == tables[f"table-{key}"], key


def test_the_dashboard_links_to_new_ties_and_empty_says_so(logged_in):
    assert 'href="/reach/new-ties?from=' in logged_in.get("/reach").get_data(as_text=True)
    page = logged_in.get("/reach/new-ties").get_data(as_text=True)
    assert "Geen gegevens in deze periode." in page
    assert 'aria-labelledby="chart-ties-title' not in page  # no empty picture


def test_new_ties_need_login(client):
    assert client.get("/reach/new-ties").status_code == 302
    assert client.get("/reach/ties.csv").status_code == 302


def test_a_fixed_number_of_queries(logged_in, db, ties_data, create_event, create_person, invite, answer_followup):
    with recorded_statements(db) as small:
        assert logged_in.get("/reach/new-ties").status_code == 200
    department = ties_data["vergunningen"]
    for n in range(8):
        event = create_event(f"Extra borrel {n}", format="netwerkborrel", starts_at=days_ago(3 + n))
        for _ in range(4):
            invitation = invite(event, create_person(department=department), "yes")
            answer_followup(invitation, met_someone=True, rating=4)
    with recorded_statements(db) as large:
        assert logged_in.get("/reach/new-ties").status_code == 200
    assert len(small) == len(large)
    assert len(large) <= 6  # the organiser's session, and four aggregate queries
    for key in ("ties", "office-ties", "format-ties", "event-ties"):
        with recorded_statements(db) as single:
            assert logged_in.get(f"/reach/{key}.csv").status_code == 200
        assert len(single) <= 2, key


def test_a_large_matrix_shows_the_busiest_in_the_picture_and_all_in_the_table(
    logged_in, db, create_event, create_initiative, create_person, create_department, invite, answer_followup
):
    from organiser.reach.new_ties import HEAT_MAX_COLUMNS

    first = create_initiative("Initiatief 00")
    initiatives = [first] + [
        create_initiative(f"Initiatief {n:02d}", first.neighbourhood) for n in range(1, HEAT_MAX_COLUMNS + 2)
    ]
    event = create_event("Grote borrel", format="netwerkborrel", starts_at=days_ago(4), hosts=initiatives)
    colleague = invite(event, create_person("Olga", department=create_department("Vergunningen")), "yes")
    answer_followup(colleague, met_someone=True, initiative_ids=[i.id for i in initiatives])
    page = logged_in.get("/reach/new-ties").get_data(as_text=True)
    svg = re.search(r'<svg class="chart"[^>]*chart-ties-title.*?</svg>', page, re.S).group(0)
    assert len(re.findall(r'class="chart__heat ', svg)) == HEAT_MAX_COLUMNS
    assert f"de 1 afdelingen en {HEAT_MAX_COLUMNS} initiatieven met de meeste nieuwe contacten" in svg
    assert len(tables_of(page)["table-ties"][0]) == len(initiatives) + 2
