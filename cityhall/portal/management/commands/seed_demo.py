"""Load the demo city: divisions' demo layout, organisations, staff, citizens and enterprises."""

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.geo.services import demo_layout_build
from cityhall.identity import demo
from cityhall.portal.demo import (
    demo_citizens_build,
    demo_mandates_build,
    demo_registry_build,
)
from cityhall.portal.demo_citizen import DEMO_CARD_PIN, CitizenDemoReport, citizen_demo_build
from cityhall.portal.demo_exchange import ExchangeDemoReport, exchange_demo_build
from cityhall.portal.demo_hotline import demo_hotline_build
from cityhall.portal.demo_participation import participation_demo_build
from cityhall.portal.demo_services import demo_services_build

DEMO_PASSWORD = "cityhall-demo-2026"  # noqa: S105 - the published demo password


class Command(BaseCommand):
    help = "Create the demo city (idempotent: a second run changes nothing) and print its accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=6000, help="registry persons")
        parser.add_argument("--companies", type=int, default=400, help="registry legal persons")
        parser.add_argument("--citizens", type=int, default=2000, help="citizen accounts")
        parser.add_argument("--enterprises", type=int, default=200, help="enterprise agents")
        parser.add_argument("--applications", type=int, default=60, help="demo applications")
        parser.add_argument("--tickets", type=int, default=5000, help="historical hotline tickets")
        parser.add_argument("--communities-per-street", type=int, default=4)
        parser.add_argument("--grids-per-community", type=int, default=3)
        parser.add_argument("--force", action="store_true", help="allow with DEBUG off")
        parser.add_argument("--quiet-accounts", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo loads demo accounts with a known password; DEBUG is off")
        layout = demo_layout_build(
            communities_per_street=options["communities_per_street"],
            grids_per_community=options["grids_per_community"],
        )
        units = demo.demo_units_build()
        # One hash for every demo account: hashing thousands of passwords would take minutes.
        password_hash = make_password(DEMO_PASSWORD)
        staff = demo.demo_staff_build(password_hash=password_hash)
        registry = demo_registry_build(persons=options["persons"], companies=options["companies"])
        citizens = demo_citizens_build(count=options["citizens"], password_hash=password_hash)
        mandates = demo_mandates_build(count=options["enterprises"], password_hash=password_hash)
        services = demo_services_build(count=options["applications"])
        hotline = demo_hotline_build(history=options["tickets"])
        exchange = exchange_demo_build()
        citizen_page = citizen_demo_build(citizens=citizens)
        participation = participation_demo_build(citizens=citizens)
        self.stdout.write(
            f"demo city ready: layout {layout}, {units} new units, {len(staff)} staff, "
            f"registry [{registry}], {len(citizens)} citizens, {mandates} new enterprise mandates, "
            f"services [{services}], hotline [{hotline}], exchange [{exchange}], "
            f"citizen page [{citizen_page}], participation [{participation}]"
        )
        if not options["quiet_accounts"]:
            self._print_accounts(staff, citizens)
            self._print_cards(citizen_page)
            self._print_systems(exchange)

    def _print_accounts(self, staff: list[demo.DemoAccount], citizens: list[Any]) -> None:
        out = self.stdout.write
        out("")
        out(f"Demo accounts — password for all: {DEMO_PASSWORD}")
        out("Staff sign in with the login name, then a TOTP code from an authenticator app set up")
        out("with the secret below (or: .venv/bin/python manage.py demo_totp <login>).")
        out(f"{'login':<16} {'TOTP secret':<34} {'roles':<22} unit")
        for a in staff:
            out(f"{a.username:<16} {a.totp_secret:<34} {','.join(a.roles):<22} {a.unit}")
        out("")
        out("Citizens sign in with their ID number (demo numbers, not real people):")
        for c in citizens[:3]:
            home = c.home_division.name if c.home_division else ""
            out(f"  {c.id_number}  {c.real_name}  {home}")
        out("")

    def _print_cards(self, report: CitizenDemoReport) -> None:
        out = self.stdout.write
        out(f"Social security cards for the kiosk (/kiosk/) and windows, PIN {DEMO_CARD_PIN}:")
        for name, number in report.cards:
            out(f"  {number}  {name}")
        out("")

    def _print_systems(self, exchange: ExchangeDemoReport) -> None:
        out = self.stdout.write
        out("Department systems of the exchange (POST /exchange/v1/token, client_credentials):")
        if not exchange.secrets:
            out("  already registered; print a new secret with")
            out("  .venv/bin/python manage.py exchange_client_secret <client_id>")
        for client_id, secret in exchange.secrets.items():
            out(f"  {client_id:<24} {secret}")
        out("")
