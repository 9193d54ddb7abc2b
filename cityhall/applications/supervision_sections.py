"""Sections that other domains add to the supervision page (电子监察).

Supervisors watch every time limit in one place, but the domains above `applications` (the
leader mailbox, …) may not be imported from here. Each registers a section from its
`AppConfig.ready()`: a template and a function giving its context for the signed-in supervisor.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cityhall.identity.models import Account


@dataclass(frozen=True)
class SupervisionSection:
    key: str
    template: str
    context: Callable[[Account], dict[str, Any]]


_SECTIONS: dict[str, SupervisionSection] = {}


def section_register(section: SupervisionSection) -> None:
    _SECTIONS[section.key] = section  # by key: registering again (tests, reloads) replaces


def sections_for(actor: Account) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every registered section, for this supervisor."""
    return [(s.template, s.context(actor)) for s in sorted(_SECTIONS.values(), key=lambda s: s.key)]
