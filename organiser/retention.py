"""The retention policy: how long each category of personal data is kept, in one place.

The periods are settings (RETENTION_*, config.py). The purge steps that apply them live with their domains and
run from jobs.run_scheduled_jobs (`flask jobs` and the worker); the privacy statement and the "my data" page show
the periods from here. So what the pages promise is what the purge does (tests/privacy checks both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext


@dataclass(frozen=True)
class Period:
    """One category of personal data: what it is, how long it stays (a setting), and what happens then."""

    #: The setting that holds the length (RETENTION_…_DAYS or …_HOURS).
    setting: str
    what: str
    #: From which moment the period counts.
    counted_from: str
    then: str

    @property
    def in_hours(self) -> bool:
        return self.setting.endswith("_HOURS")

    @property
    def length(self) -> int:
        return int(current_app.config[self.setting])

    def cutoff(self, now: datetime) -> datetime:
        """Data of this category from before this moment is due."""
        return now - (timedelta(hours=self.length) if self.in_hours else timedelta(days=self.length))

    def duration(self) -> str:
        """The length in words, as the pages show it: "30 dagen", "24 uur", "direct"."""
        if self.length == 0:
            return str(_l("direct"))
        if self.in_hours:
            return ngettext("%(num)d uur", "%(num)d uur", self.length)
        return ngettext("%(num)d dag", "%(num)d dagen", self.length)


NOTES = Period(
    "RETENTION_NOTES_DAYS",
    _l("Uw opmerking (zoals dieet of toegankelijkheid) en het aantal introducés"),
    _l("na de bijeenkomst"),
    _l("verwijderd; alleen het aantal plaatsen dat bezet was blijft"),
)
SENT_MAIL = Period(
    "RETENTION_SENT_MAIL_DAYS",
    _l("De inhoud van e-mails aan u (tekst, links, uw opmerking, agendabijlage)"),
    _l("na het versturen"),
    _l("verwijderd; de organisator ziet alleen nog aan wie, wat voor e-mail, wanneer en of het lukte"),
)
UNSENT_MAIL = Period(
    "RETENTION_UNSENT_MAIL_DAYS",
    _l("De inhoud van e-mails die niet verstuurd konden worden"),
    _l("na het maken van de e-mail"),
    _l("verwijderd; opnieuw proberen kan dan niet meer"),
)
MAIL_LOG = Period(
    "RETENTION_MAIL_LOG_DAYS",
    _l("Dat wij u een e-mail stuurden (aan wie, wat voor e-mail, wanneer, of het lukte)"),
    _l("na het maken van de e-mail"),
    _l("verwijderd"),
)
ANSWERS = Period(
    "RETENTION_ANSWERS_DAYS",
    _l("Uw antwoord, uw aanwezigheid en uw team, op uw naam"),
    _l("na de bijeenkomst"),
    _l("losgemaakt van uw naam: alleen tellingen per soort, afdeling en contactrol blijven"),
)
FOLLOWUP = Period(
    "RETENTION_FOLLOWUP_DAYS",
    _l(
        "Uw antwoorden op de vragen na afloop (wie u ontmoette, uw toelichtingen, uw cijfer) en of u uw e-mailadres "
        "deelt met andere deelnemers"
    ),
    _l("na de bijeenkomst"),
    _l(
        "losgemaakt van uw naam en de toelichtingen verwijderd: alleen tellingen per afdeling, initiatief en "
        "contactrol blijven; uw e-mailadres wordt niet meer gedeeld"
    ),
)
LEFT = Period(
    "RETENTION_LEFT_DAYS",
    _l("Uw naam, e-mailadres en initiatieven als u niet meer actief bent in de lijst"),
    _l("nadat de organisator u op niet actief zette"),
    _l("verwijderd, zoals bij het verwijderen van een persoon: alleen soort, afdeling en contactrol blijven"),
)
IMPORTS = Period(
    "RETENTION_IMPORT_HOURS",
    _l("Een geüpload bestand met namen dat niet werd ingelezen"),
    _l("na het uploaden"),
    _l("verwijderd"),
)

NEWS = Period(
    "RETENTION_NEWS_DAYS",
    _l(
        "Berichten aan de organisatoren over uw antwoord, de wachtlijst of mail aan u die onbestelbaar terugkwam "
        "(alleen als een organisator daarom vroeg)"
    ),
    _l("na het vastleggen"),
    _l("verwijderd"),
)
TRAIL = Period(
    "TRAIL_RETENTION_DAYS",
    _l("Het logboek van organisatoren: wie uw gegevens wijzigde, exporteerde of verwijderde (met uw naam)"),
    _l("na de handeling"),
    _l("verwijderd"),
)

#: Every category, in the order the privacy statement lists them.
POLICY: tuple[Period, ...] = (NOTES, SENT_MAIL, UNSENT_MAIL, MAIL_LOG, ANSWERS, FOLLOWUP, NEWS, LEFT, IMPORTS, TRAIL)
