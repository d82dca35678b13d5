"""The privacy statement (privacyverklaring) and the accessibility statement (toegankelijkheidsverklaring), linked
from every page's footer. The municipality's name and contact come from the settings; the retention periods from
organiser/retention.py, the same place the purge reads them."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .retention import POLICY

bp = Blueprint("statements", __name__)

#: The compliance statuses of the Dutch accessibility statement (Besluit digitale toegankelijkheid overheid).
ACCESSIBILITY_STATUSES = {
    "A": (_l("A: voldoet volledig"), _l("Uit onderzoek blijkt dat deze website aan alle eisen voldoet.")),
    "B": (
        _l("B: voldoet gedeeltelijk"),
        _l("Uit onderzoek blijkt dat deze website nog niet aan alle eisen voldoet. Hieronder staat wat er mis is."),
    ),
    "C": (
        _l("C: eerste maatregelen genomen"),
        _l(
            "De website is gebouwd volgens de eisen, maar een volledig onderzoek volgens de onderzoeksmethode "
            "WCAG-EM is nog niet gedaan. Dat onderzoek is gepland."
        ),
    ),
    "D": (
        _l("D: geen maatregelen genomen"),
        _l("Er is nog geen onderzoek gedaan en nog geen onderzoek gepland."),
    ),
}


def municipality() -> str:
    """The organisation responsible for this site, as the settings name it."""
    return current_app.config["MUNICIPALITY_NAME"] or _("de gemeente")


def sentence_start(text: str) -> str:
    """The text with a capital first letter, to start a sentence with ("de gemeente" -> "De gemeente")."""
    return text[:1].upper() + text[1:]


def contact_address() -> str:
    """Where to ask about personal data or accessibility: PRIVACY_CONTACT, else the address our mail comes from."""
    return current_app.config["PRIVACY_CONTACT"] or current_app.config["MAIL_DEFAULT_SENDER"]


def statement_date() -> str:
    """ACCESSIBILITY_STATEMENT_DATE in words ("1 december 2026"), or "" when it is not set (or not a date)."""
    text = current_app.config["ACCESSIBILITY_STATEMENT_DATE"]
    try:
        return format_date(date.fromisoformat(str(text)), "long") if text else ""
    except ValueError:
        return ""


@bp.get("/privacy")
def privacy():
    """The privacy statement: who is responsible, what is kept, why, for how long, and the visitor's rights."""
    return render_template(
        "statements/privacy.html",
        municipality=municipality(),
        Municipality=sentence_start(municipality()),
        contact=contact_address(),
        officer=current_app.config["PRIVACY_OFFICER"],
        policy=POLICY,
    )


@bp.get("/toegankelijkheid")
def accessibility():
    """The accessibility statement in the form Dutch public bodies publish it."""
    status = str(current_app.config["ACCESSIBILITY_STATUS"]).strip().upper()
    label, explanation = ACCESSIBILITY_STATUSES.get(status, ACCESSIBILITY_STATUSES["D"])
    return render_template(
        "statements/accessibility.html",
        municipality=municipality(),
        Municipality=sentence_start(municipality()),
        contact=contact_address(),
        status_label=label,
        status_explanation=explanation,
        statement_date=statement_date(),
        audit_url=current_app.config["ACCESSIBILITY_AUDIT_URL"],
        site=current_app.config["BASE_URL"],
    )
