"""Seed the holiday table with the State Council schedules 2004–2026 from the chinese_calendar package.

After this migration the table belongs to the administrators: later years are entered in the admin,
and upgrading the package changes nothing here.
"""

from importlib.metadata import version

from django.db import migrations

SEED_YEARS = range(2004, 2027)

# The package names holidays in English (its own Chinese names are abbreviated, e.g. "清明", and
# the 2015 one is a 27-character title); these are the names the notices use in running text.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed(apps, schema_editor):
    # Imported here, not at the top, so the migration graph still loads on a machine where the
    # package has been dropped after every database was seeded.
    from chinese_calendar import constants

    CalendarDay = apps.get_model("core", "CalendarDay")
    HolidaySchedule = apps.get_model("core", "HolidaySchedule")
    source = f"chinese_calendar {version('chinesecalendar')}"

    covered = {day.year for day in constants.holidays}
    missing = [year for year in SEED_YEARS if year not in covered]
    if missing:
        # Seeding a year the package does not know would mark it "entered" with no holidays.
        raise RuntimeError(f"chinese_calendar {version('chinesecalendar')} lacks years {missing}")

    rows = []
    for table, kind in ((constants.holidays, "rest"), (constants.workdays, "makeup_workday")):
        for day, english_name in table.items():
            if day.year in SEED_YEARS:
                name = CHINESE_NAMES.get(english_name) or constants.Holiday(english_name).chinese
                rows.append(CalendarDay(date=day, kind=kind, name=name, source=source))
    CalendarDay.objects.bulk_create(sorted(rows, key=lambda row: row.date))
    HolidaySchedule.objects.bulk_create(
        HolidaySchedule(
            year=year,
            source=f"国务院办公厅历年部分节假日安排通知（经 {source} 导入）",
            note="初始数据",
        )
        for year in SEED_YEARS
    )


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source__startswith="chinese_calendar").delete()
    apps.get_model("core", "HolidaySchedule").objects.filter(year__in=SEED_YEARS).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0004_calendar")]

    operations = [migrations.RunPython(seed, unseed)]
