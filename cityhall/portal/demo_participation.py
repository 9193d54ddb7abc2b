"""The demo city's 政民互动: consultations, mailboxes, surveys and boards with residents' words."""

from dataclasses import dataclass

from cityhall.identity.models import Account
from cityhall.participation.boards.demo import board_demo_build
from cityhall.participation.consultations.demo import consultation_demo_build
from cityhall.participation.mailbox.demo import mailbox_demo_build
from cityhall.participation.surveys.demo import survey_demo_build


@dataclass(frozen=True)
class ParticipationDemoReport:
    consultations: int
    mailbox: int
    surveys: int
    boards: int

    def __str__(self) -> str:
        return (
            f"{self.consultations} consultation records, {self.mailbox} mailbox records, "
            f"{self.surveys} survey records, {self.boards} board records"
        )


def participation_demo_build(*, citizens: list[Account]) -> ParticipationDemoReport:
    """Each part on its own (each is idempotent): a second run creates nothing."""
    shown = citizens[:6]
    return ParticipationDemoReport(
        consultations=consultation_demo_build(citizens=shown),
        mailbox=mailbox_demo_build(citizens=shown),
        surveys=survey_demo_build(citizens=citizens[:20]),
        boards=board_demo_build(citizens=shown),
    )
