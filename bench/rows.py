"""Rows the benchmarks insert straight into the database (no ORM objects: they load tens of thousands)."""

from __future__ import annotations

from datetime import datetime, timedelta


def event_row(
    title: str,
    starts_at: datetime,
    *,
    now: datetime,
    hours: int = 2,
    format: str = "netwerkborrel",
    description: str = "",
    location: str = "Stadhuis, Spui 70",
    status: str = "published",
    capacity: int = 200,
    max_plus_ones: int = 1,
) -> dict:
    """The columns of an event (times in UTC), published at `now`, with no seats taken."""
    return {
        "title": title,
        "format": format,
        "description": description,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "location": location,
        "owner": "municipality",
        "status": status,
        "capacity": capacity,
        "seats_taken": 0,
        "max_plus_ones": max_plus_ones,
        "forms_teams": False,
        "min_office_share": 50,
        "reminder_days_before_deadline": 3,
        "sequence": 0,
        "created_at": now,
        "updated_at": now,
        "published_at": now,
    }
