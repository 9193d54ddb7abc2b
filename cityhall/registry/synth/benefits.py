"""Benefits (待遇) of the synthetic city: pensions of the retired, unemployment benefit of some
adults out of work, the subsistence allowance (低保) of a few, and the planted cases that a
cross-check of benefits against the other facts must find.

Benefits draw from their own random stream (`_CityState.brnd`): the other files stay exactly as
they were before benefits existed, whatever is decided here.
"""

from cityhall.registry.synth.state import _CityState
from cityhall.registry.synth.tables import (
    _PENSION_FEN,
    _PENSION_SHARE,
    _PLANT_DECEASED_EVERY,
    _PLANT_UNEMPLOYED_EVERY,
    _RETIREMENT_DAYS_MEN,
    _RETIREMENT_DAYS_WOMEN,
    _SUBSISTENCE_FEN,
    _SUBSISTENCE_SHARE,
    _UNEMPLOYMENT_FEN,
    _UNEMPLOYMENT_SHARE,
    PLANTED_DECEASED_WITH_BENEFIT,
    PLANTED_UNEMPLOYED_WHILE_EMPLOYED,
)


class _BenefitsWriter(_CityState):
    """Writes benefits.csv rows for the persons the other writers make."""

    def _month_start(self, day: int) -> int:
        """The first day of the month of `day` (ordinals): benefits are paid by the month."""
        return day - int(self.iso[day - self.first_day][8:]) + 1

    def _benefit_add(self, document: str, kind: str, fen: int, since: int, until: int) -> None:
        """One row; `until` 0 for a benefit still being paid."""
        iso, first_day = self.iso, self.first_day
        end = iso[until - first_day] if until else ""
        self.benefits_add(
            f"{document},{kind},{fen // 100}.{fen % 100:02d},{iso[since - first_day]},{end}\n"
        )

    def _benefits(
        self,
        document: str,
        birth: int,
        age: float,
        male: bool,
        local: bool,
        status: str,
        employed: bool,
        u: float,
    ) -> None:
        """What a person written by _person draws, if anything.

        Called only for the retired-aged, the deceased and the persons whose draw `u` is below
        _UNEMPLOYMENT_SHARE (the largest of the shares below decided by `u`).
        """
        if status == "moved_away":
            return  # paid where they live now
        brnd = self.brnd
        retirement = birth + (_RETIREMENT_DAYS_MEN if male else _RETIREMENT_DAYS_WOMEN)
        if status == "deceased":
            self._deceased(document, birth, retirement)
            return
        if retirement <= self.as_of and brnd() < _PENSION_SHARE:
            self._pension(document, retirement, 0)
        elif local and u < _SUBSISTENCE_SHARE:
            self._subsistence(document, birth, current=brnd() >= 0.2)
        elif u < _UNEMPLOYMENT_SHARE and not employed and age >= 18 and retirement > self.as_of:
            self._unemployment(document)

    def _pension(self, document: str, retirement: int, until: int) -> bool:
        """A pension from the month after retirement; False if that month has not come yet."""
        since = self._month_start(self._month_start(retirement) + 32)
        if since > self.as_of or (until and until < since):
            return False
        low, high = _PENSION_FEN
        self._benefit_add(
            document, "pension", low + int((high - low) * self.brnd() ** 1.2), since, until
        )
        return True

    def _subsistence(self, document: str, birth: int, *, current: bool) -> None:
        """低保 granted in the last six years; the full standard without income, less with some."""
        brnd = self.brnd
        as_of = self.as_of
        since = self._month_start(max(birth + 31, as_of - int(2190 * brnd())))
        fen = _SUBSISTENCE_FEN if brnd() < 0.5 else 100 * int(300 + 900 * brnd())
        until = 0
        if not current:
            # Stopped at a yearly review: the end of a month between the grant and today.
            until = self._month_start(since + 31 + int((as_of - since) * brnd())) - 1
            if until >= as_of:
                until = 0
        self._benefit_add(document, "subsistence", fen, since, until)

    def _unemployment(self, document: str, *, planted_by: int = 0) -> None:
        """Unemployment benefit granted in the last two years, for one month per insured year and
        at most 24 (mostly a few months): ended unless its months reach today. A planted one
        runs on, for someone who is in fact at work, from a month no later than `planted_by`."""
        brnd = self.brnd
        as_of = self.as_of
        low, high = _UNEMPLOYMENT_FEN
        fen = low + 100 * int((high - low) // 100 * brnd())
        if planted_by:
            since = self._month_start(planted_by - int(270 * brnd()))
            self._benefit_add(document, "unemployment", fen, since, 0)
            return
        since = self._month_start(as_of - int(730 * brnd()))
        months = 1 + int(24 * brnd() ** 2)
        until = self._month_start(since + int(months * 30.44) + 15) - 1
        self._benefit_add(document, "unemployment", fen, since, 0 if until >= as_of else until)

    def _deceased(self, document: str, birth: int, retirement: int) -> None:
        """A deceased person's pension ended with the month they died, except every
        _PLANT_DECEASED_EVERY-th, whose benefit is still being paid."""
        brnd = self.brnd
        self.deceased_seen += 1
        if (self.deceased_seen - 1) % _PLANT_DECEASED_EVERY == 0:
            written = False
            if brnd() < 0.75:
                written = self._pension(document, retirement, 0)
            if not written:
                self._subsistence(document, birth, current=True)
            self.planted[PLANTED_DECEASED_WITH_BENEFIT] += 1
        elif brnd() < _PENSION_SHARE:
            # Died four months to three years ago: a pension paid for the month of death is
            # no case, and ending before the recent months keeps it out of their checks.
            death = self.as_of - 122 - int(973 * brnd())
            self._pension(
                document, retirement, self._month_start(self._month_start(death) + 32) - 1
            )

    def _employee_benefits(self, document: str, recent_first: int) -> None:
        """An employee paid well whose contributions are all paid from the month starting on
        `recent_first`: every _PLANT_UNEMPLOYED_EVERY-th also draws unemployment benefit (a
        planted case), from that month or earlier, so that each recent month shows both the
        benefit and the paid contribution."""
        self.well_paid_seen += 1
        if (self.well_paid_seen - 1) % _PLANT_UNEMPLOYED_EVERY == 0:
            self._unemployment(document, planted_by=recent_first)
            self.planted[PLANTED_UNEMPLOYED_WHILE_EMPLOYED] += 1
