"""The reach dashboard on a small crafted dataset: the numbers, the period, the charts, the CSV exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from organiser.events.models import EventStatus
from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.spreadsheet import safe_cell
from tests.factories import recorded_statements, route


def chart_text(page: str, chart_id: str) -> str:
    """The words written in one SVG chart, its lines joined by spaces."""
    svg = re.search(rf'<svg class="chart"[^>]*aria-labelledby="{chart_id}-title.*?</svg>', page, re.S).group(0)
    return " ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg))


class TableParser(HTMLParser):
    """The cells of every <table id=...> on a page, as text."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(page: str) -> dict[str, list[list[str]]]:
    parser = TableParser()
    parser.feed(page)
    return parser.tables


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def days_ago(days: int, hour: int = 14):
    moment = to_local(utcnow() - timedelta(days=days))
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def reach_data(db, create_event, create_department, create_person, create_initiative, create_neighbourhood, invite):
    """Four departments, office and frontline colleagues, a resident, and events before, in and after the period."""
    hood = create_neighbourhood("Havenkwartier")
    koor = create_initiative("Havenkoor", hood)
    bus = create_initiative("Wijkbus Havenkwartier", hood)
    tuin = create_initiative("Moestuin De Groene Vingers", hood)
    vergunningen = create_department("Vergunningen")
    financien = create_department("Financiën")
    publiekszaken = create_department("Publiekszaken")
    wijkteams = create_department("Wijkteams")
    p = {
        "p1": create_person("Anna de Vries", department=vergunningen),
        "p2": create_person("Bram Bakker", department=vergunningen),
        "p3": create_person("Chris Smit", department=vergunningen),
        "p4": create_person("Dirk Visser", department=vergunningen, active=False),
        "f1": create_person("Fatima El Amrani", department=financien),
        "q1": create_person("Quinten Mulder", department=publiekszaken),
        "q2": create_person("Rosa de Boer", department=publiekszaken),
        "w1": create_person("Willem Jansen", role="frontline", department=wijkteams),
        "r1": create_person("Ria Bewoner", kind="resident", initiatives=[koor]),
    }
    # Before the default period: Anna's first event ever.
    old = create_event("Oud bruiscafé", format="bruiscafe", starts_at=days_ago(400))
    invite(old, p["p1"], state="yes")
    # In the period, attendance not recorded: every yes counts.
    safari = create_event("Safari langs de haven", format="wijksafari", starts_at=days_ago(60), hours=3, hosts=[koor])
    safari.stops = route(
        (safari.starts_at, safari.starts_at + timedelta(hours=1), "De wijkbus", "Kadestraat 30", bus),
    )
    db.session.commit()
    for key in ("p1", "p2", "w1", "r1", "p4"):
        invite(safari, p[key], state="yes")
    invite(safari, p["f1"], state="no")
    # In the period, attendance recorded: only those checked in count (Bram said yes but did not come).
    cafe = create_event("Bruiscafé in de moestuin", format="bruiscafe", starts_at=days_ago(30), hosts=[tuin])
    invite(cafe, p["p3"], attended=True, state="yes")
    invite(cafe, p["p2"], attended=False, state="yes")
    invite(cafe, p["f1"], state="yes")
    # Cancelled: Fatima's yes does not count.
    cancelled = create_event(
        "Afgelaste borrel", format="netwerkborrel", starts_at=days_ago(20), status=EventStatus.CANCELLED, hosts=[bus]
    )
    invite(cancelled, p["f1"], state="yes")
    # Not yet held.
    future = create_event("Komende broedplaats", format="broedplaats", starts_at=days_ago(-10), hosts=[koor])
    invite(future, p["p3"], state="yes")
    return {"people": p, "old": old, "safari": safari, "cafe": cafe, "cancelled": cancelled, "future": future}


def test_office_reach_counts_attendance_not_cancelled_nor_future(logged_in, reach_data):
    page = logged_in.get("/reach").get_data(as_text=True)
    summary = tables_of(page)["table-summary"]
    # Anna, Bram, Dirk (since left) at the safari, Chris checked in at the café; Fatima only at the cancelled one.
    assert summary[1][1] == "4"
    assert summary[2][1] == "3"  # Dirk is no longer active
    assert summary[3][1] == "6"  # Anna, Bram, Chris, Fatima, Quinten, Rosa
    assert summary[4][1] == "50%"
    # The sentence under the bar, broken into lines that fit a phone.
    assert chart_text(page, "chart-summary") == "3 van de 6 actieve kantoorcollega&#39;s bereikt (50%)"


def test_departments_show_never_invited_first(logged_in, reach_data):
    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-departments"]
    assert rows[0] == [
        "Afdeling",
        "Stand",
        "Actieve collega's",
        "Uitgenodigd",
        "Bereikt",
        "Waarvan kantoor",
        "Niet uitgenodigd",
    ]
    assert rows[1:] == [
        ["Publiekszaken", "Niet uitgenodigd", "2", "0", "0", "0", "2"],
        ["Financiën", "Uitgenodigd, niet bereikt", "1", "1", "0", "0", "0"],
        ["Wijkteams", "Bereikt", "1", "1", "1", "0", "0"],
        ["Vergunningen", "Bereikt", "3", "4", "4", "4", "0"],
    ]


def test_first_timers_per_event_look_at_all_history(logged_in, reach_data):
    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-first-timers"]
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"Safari langs de haven", "Bruiscafé in de moestuin"}
    # Safari: Anna, Bram, Willem, Ria, Dirk came; all but Anna (who came a year before) for the first time.
    assert by_title["Safari langs de haven"][2:] == ["Wijksafari", "5", "4", "2"]
    # Café: only Chris was checked in; Bram's yes does not count and Fatima was not ticked.
    assert by_title["Bruiscafé in de moestuin"][2:] == ["Bruiscafé", "1", "1", "1"]


def test_months_table_counts_per_format(logged_in, reach_data):
    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-months"]
    header, body = rows[0], rows[1:]
    assert len(body) in (12, 13)  # every month the period touches, also the empty ones
    column = {name: header.index(name) for name in ("Wijksafari", "Bruiscafé", "Netwerkborrel", "Totaal")}
    assert sum(int(r[column["Wijksafari"]]) for r in body) == 5
    assert sum(int(r[column["Bruiscafé"]]) for r in body) == 1
    assert sum(int(r[column["Netwerkborrel"]]) for r in body) == 0
    assert sum(int(r[column["Totaal"]]) for r in body) == 6
    assert sum(int(r[-1]) for r in body) == 5  # first-timers


def test_initiatives_met_per_department_through_hosts_and_stops(logged_in, reach_data):
    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-initiatives"]
    by_department = {row[0]: row[1:] for row in rows[1:]}
    assert by_department["Vergunningen"] == [
        "3",
        "Havenkoor (3), Wijkbus Havenkwartier (3), Moestuin De Groene Vingers (1)",
    ]
    assert by_department["Wijkteams"] == ["2", "Havenkoor (1), Wijkbus Havenkwartier (1)"]
    assert by_department["Financiën"] == ["0", ""]
    assert by_department["Publiekszaken"] == ["0", ""]


def test_period_filter(logged_in, reach_data):
    day = to_local(reach_data["old"].starts_at).date()
    query = f"?from={(day - timedelta(days=1)).isoformat()}&to={(day + timedelta(days=1)).isoformat()}"
    page = logged_in.get("/reach" + query).get_data(as_text=True)
    tables = tables_of(page)
    assert tables["table-summary"][1][1] == "1"  # only Anna, at the old café
    assert [r[0] for r in tables["table-first-timers"][1:]] == ["Oud bruiscafé"]
    assert tables["table-first-timers"][1][3:] == ["1", "1", "1"]
    assert len(tables["table-months"]) == 2  # header and one month
    # The CSV links keep the period.
    assert f"/reach/summary.csv?from={(day - timedelta(days=1)).isoformat()}" in page


@pytest.mark.parametrize("key", ["summary", "ties"])
def test_a_csv_of_an_invalid_period_is_refused_and_leaves_no_message_behind(logged_in, reach_data, key):
    for query in ("?from=abc", "?from=2026-12-31&to=2020-01-01"):
        response = logged_in.get(f"/reach/{key}.csv{query}")
        assert response.status_code == 400
        assert response.mimetype == "text/html"  # no file of another period than the one asked for
        assert "er is geen bestand gemaakt" in response.get_data(as_text=True)
    assert "Deze periode klopt niet" not in logged_in.get("/agenda").get_data(as_text=True)


def test_invalid_period_is_explained_and_falls_back(logged_in, reach_data):
    response = logged_in.get("/reach?from=2025-13-45&to=morgen")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vul een geldige datum in" in page
    assert "Deze periode klopt niet. U ziet nu de afgelopen twaalf maanden." in page
    assert tables_of(page)["table-summary"][1][1] == "4"  # the default period's figures
    page = logged_in.get("/reach?from=2025-06-01&to=2025-01-01").get_data(as_text=True)
    assert "De einddatum ligt vóór de begindatum." in page


def test_dashboard_needs_login(client):
    response = client.get("/reach")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/reach/summary.csv").status_code == 302


def test_charts_are_accessible_svg_with_tables(logged_in, reach_data):
    page = logged_in.get("/reach").get_data(as_text=True)
    for key in ("summary", "departments", "months", "first-timers", "initiatives"):
        assert f'<svg class="chart" role="img" aria-labelledby="chart-{key}-title chart-{key}-desc"' in page
        assert f'<title id="chart-{key}-title">' in page
        assert f'<table class="table" id="table-{key}">' in page
    assert "<rect" in page and "style=" not in page and "<script>" not in page
    # Numbers are written next to the bars, not told by colour alone.
    assert ">bereikt: 4</text>" in page and ">uitgenodigd: 4</text>" in page


def test_csv_export_matches_the_table(logged_in, reach_data):
    page = logged_in.get("/reach").get_data(as_text=True)
    tables = tables_of(page)
    for key in ("summary", "departments", "first-timers", "months", "initiatives"):
        assert f'href="/reach/{key}.csv?from=' in page
        response = logged_in.get(f"/reach/{key}.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        assert csv_rows(response) == tables[f"table-{key}"], key


def test_csv_export_is_formula_safe(logged_in, reach_data, create_department, create_person):
    create_person("Eva Formule", department=create_department('=HYPERLINK("http://x")'))
    rows = csv_rows(logged_in.get("/reach/departments.csv"))
    assert ['\'=HYPERLINK("http://x")', "Niet uitgenodigd", "1", "0", "0", "0", "1"] in rows
    page_rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-departments"]
    assert rows == [[safe_cell(cell) for cell in row] for row in page_rows]


def test_unknown_csv_is_404(logged_in):
    assert logged_in.get("/reach/people.csv").status_code == 404


def test_empty_dashboard_says_so(logged_in):
    page = logged_in.get("/reach").get_data(as_text=True)
    assert "Geen gegevens in deze periode." in page
    assert tables_of(page)["table-summary"][4][1] == "0%"


def test_dashboard_runs_a_fixed_number_of_queries(logged_in, db, reach_data, create_event, create_person, invite):
    from organiser.reach.dashboard import TABLE_KEYS

    with recorded_statements(db) as small:
        assert logged_in.get("/reach").status_code == 200
    # Ten times the events and people: the same number of queries.
    for n in range(10):
        event = create_event(f"Extra bruiscafé {n}", starts_at=days_ago(40 + n))
        for _ in range(5):
            invite(event, create_person(department=reach_data["people"]["p1"].department), state="yes")
    with recorded_statements(db) as large:
        assert logged_in.get("/reach").status_code == 200
    assert len(small) == len(large)
    assert len(large) <= 5  # the organiser's session, and three aggregate queries
    for url in [f"/reach/{key}.csv" for key in TABLE_KEYS] + ["/reach/first-timers"]:
        with recorded_statements(db) as single:
            assert logged_in.get(url).status_code == 200
        assert len(single) <= 2, url  # the organiser's session, and one aggregate query


def test_short_dates_match_the_when_filter(app):
    from datetime import UTC, datetime

    from organiser.i18n import format_when
    from organiser.reach.first_timers import ShortDates

    with app.test_request_context():
        dates = ShortDates()
        for moment in (datetime(2026, 1, 31, 23, 30, tzinfo=UTC), datetime(2026, 7, 4, 12, 5, tzinfo=UTC)):
            assert dates.short(moment) == format_when(moment, "short")


def test_dashboard_shows_the_most_recent_events_and_links_to_all(
    logged_in, db, monkeypatch, reach_data, create_event, create_person, invite
):
    from organiser.reach import dashboard

    monkeypatch.setattr(dashboard, "DASHBOARD_EVENTS", 1)
    page = logged_in.get("/reach").get_data(as_text=True)
    rows = tables_of(page)["table-first-timers"]
    assert [r[0] for r in rows[1:]] == ["Bruiscafé in de moestuin"]  # the most recent of the two
    assert "Nieuwe gezichten bij de 1 meest recente van de 2 bijeenkomsten" in page
    assert 'href="/reach/first-timers?from=' in page
    full = logged_in.get("/reach/first-timers").get_data(as_text=True)
    full_rows = tables_of(full)["table-first-timers"]
    assert [r[0] for r in full_rows[1:]] == ["Safari langs de haven", "Bruiscafé in de moestuin"]
    assert csv_rows(logged_in.get("/reach/first-timers.csv")) == full_rows
