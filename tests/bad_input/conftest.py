"""Hostile input for every form and token URL (hypothesis): strategies, and the checks every answer must pass.

The checks: never a 5xx; where the form comes back, it says what is wrong; nothing is half-saved (no row
count changes after a refused submission). Example counts stay modest so that the suite stays fast; every
example corrupts one to three fields of an otherwise valid submission, so the nasty value reaches the code
behind the validation as well.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Settings for the property tests: few examples, no deadline (the first request of a test is slow), the same
#: examples every run (CI must not turn red at random), and function-scoped fixtures are fine here: each
#: example checks its own before/after counts.
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Values that broke (or break) web apps: control characters, numbers that are not numbers, dates at the
#: edges of the calendar, very long values, markup and formulas.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x7f",
    "\r\nBcc: victim@example.org",
    "\t",
    "²",
    "١٢٣",
    "-1",
    "0",
    "-0",
    "1e309",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "99999999999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "0x10",
    "1_000",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2030-02-30T10:00",
    "2030-13-01T10:00",
    "0001-01-01",
    "9999-12-31",
    "31-12-0001",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","klik")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'; DROP TABLE person; --",
    "../../etc/passwd",
    "%00",
    "\u202eevil",
    "\ufeff",
    "𝕬" * 50,
    "🙂" * 300,
    "x" * 5000,
    "a@b",
    "naam@",
    "@example.org",
    "naam@xn--",
    "naam@[127.0.0.1]",
    "naam@example.org\r\nBcc: x@example.org",
    "//evil.example/",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
]

dates = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M")
)
numbers = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
#: Any value a program could put in a form field.
junk = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000),
    numbers,
    dates,
)


@st.composite
def submissions(draw, valid: dict[str, str], special: dict | None = None):
    """A valid submission with one to three fields replaced by junk (or left out)."""
    special = special or {}
    data = dict(valid)
    for name in draw(st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=3, unique=True)):
        value = draw(st.one_of(special.get(name, junk), junk, st.none()))
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    return data


#: Not state a request changes but records of what a GET saw or made: when a calendar feed's content last changed
#: (its Last-Modified, shared by every app server), and the VEVENT bytes a feed rendered (a cache).
OBSERVATION_TABLES = frozenset({"feed_state", "calendar_fragment"})


def row_counts(db) -> dict[str, int]:
    """Rows per table, in one query."""
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in OBSERVATION_TABLES]
    select = ", ".join(f'(SELECT count(*) FROM "{name}") AS "{name}"' for name in tables)  # noqa: S608 (our own table names)
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.text(f"SELECT {select}")).mappings().one())


ERROR_SHOWN = re.compile(r'class="error-summary"|class="flash flash--error"|class="error"')


def check_answer(response, before: dict, after: dict, *, form: bool = True) -> None:
    """Never a 5xx; a refused submission changes nothing and, where the form comes back, says what is wrong."""
    status = response.status_code
    assert status < 500, f"{status}: {response.get_data(as_text=True)[:500]}"
    if status in (301, 302, 303):
        return
    assert before == after, "a refused submission changed the database"
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    if status == 413:
        assert "te groot" in page
    elif form and status in (200, 400) and own_forms(page):
        assert ERROR_SHOWN.search(page), page[:2000]


def own_forms(page: str) -> list[str]:
    """The page's forms, but the language switch and the logout button that every page has."""
    return [form for form in re.findall(r"<form[^>]*>", page) if "lang-form" not in form and "/logout" not in form]


@pytest.fixture
def counts(db):
    return lambda: row_counts(db)
