"""A synthetic Guangzhou for demos and benchmarks, written as the CSV files of
docs/registry-files.md: houses, persons, companies, and the ownerships, residences, rentals,
employment, social insurance contributions and benefits that link them.

Where the proportions come from. All figures are approximate: public figures from general
knowledge, rounded, or modelling assumptions where they say so.

- Persons by district: 2020 census (第七次全国人口普查) resident population, in 10,000s,
  approximately 白云 374, 番禺 266, 天河 224, 海珠 182, 花都 164, 增城 147, 黄埔 126,
  荔湾 124, 越秀 104, 南沙 85, 从化 72 (total about 18.7 million). Houses are placed in the
  grids of a district in that proportion; persons follow the houses.
- Residents without a Guangzhou hukou: the 2020 census counted about 18.7 million residents
  against about 9.9 million registered, so roughly 45-50 % are non-local. Here about 45 %,
  produced by rented and migrant-owned houses (urban-village buildings are mostly let).
- Where migrants come from: other Guangdong cities are the largest group, then Hunan, Guangxi,
  Jiangxi, Henan, Hubei, Sichuan, Guizhou and Chongqing, after the 2020 census pattern of
  migration into Guangdong (approximate weights in _MIGRANT_SOURCES; the codes are real
  prefecture-level GB/T 2260 codes).
- Ages: the 2020 census for Guangzhou has roughly 14 % aged 0-14, 75 % aged 15-59 and 11 % aged
  60 and over. Here ages follow from household roles (heads, spouses, children, parents of the
  head; migrants mostly 18-45), which lands near that shape; it is checked, not forced.
- Household size: local family households average about 2.8 persons (a target of the product
  brief; one-person, couple, nuclear, single-parent and three-generation households).
- Surnames: Guangdong-weighted frequencies for locals and Guangdong migrants (陈 first, then
  李 黄 张 梁 林 刘 吴 罗 何 ...), national frequencies (王 李 张 刘 陈 ...) for migrants from
  other provinces; approximate shares from published surname rankings.
- Ethnicity: Han for nearly all locals; minority shares by source province (e.g. about 30 % of
  Guangxi migrants Zhuang, as Guangxi is about a third Zhuang); approximate.
- Non-mainland persons: about 0.5 % of persons (Hong Kong, Macao and Taiwan residence permits,
  Home Return Permits, foreign passports); assumption.
- Houses: residential houses 40-160 m²; urban-village, walk-up, high-rise, office and
  industrial buildings in district-specific mixes (assumption: central districts old walk-ups
  and high-rises, 白云 and the outer districts many urban villages and some industry); about
  25-35 % of residential houses let, under 10 % vacant.
- Employment: about 60 % of persons aged 16-59 employed by a legal person (by age: students,
  homemakers and the retired are not); employer sizes heavy-tailed (a few large employers).
  Declared wages weighted to 5,000-10,000 yuan a month; the Guangzhou minimum wage is about
  2,300 yuan. Contribution bases are the wage clamped to about 4,600-23,000 yuan (about 60 %
  and 300 % of the average wage used for bases; approximate). About 5 % of employers are in
  arrears for the last one to three months.
- Legal persons: companies and individual businesses (market regulators, USCC authority 9),
  a few social organisations (civil affairs, 5) and public institutions (staffing offices, 1);
  established 1990 to today, skewed to recent years (registrations grew fast after 2014);
  about 90 % active.
- Benefits (待遇): a basic pension for about 65 % of the retired (men from 60, women from 55;
  assumption), from the month after retirement, 2,000-6,000 yuan a month (Guangzhou's average
  is roughly 4,000). Unemployment benefit (失业保险金, about 1,800-2,000 yuan a month, below the
  minimum wage) for 3-4 % of the working-age adults without a job, granted in the last
  24 months for one month per insured year (at most 24, mostly a few), so mostly ended by now.
  The subsistence allowance (低保; the 2024 standard about 1,200 yuan per person and month, less
  for those with some income) for about 0.5 % of persons, all with a Guangzhou hukou. The
  pensions of deceased persons ended in the month they died (four months to three years ago).
- Planted cases, for the cross-checks of benefits to find (counted in SynthReport.planted): one
  in 500 employees declaring a wage of 10,000 yuan or more, with paid contributions on a base of
  10,000 or more for each of the last three months, also draws a current unemployment benefit
  since those months or earlier (about 0.2 %); one in 50 deceased persons still draws a current
  pension or subsistence allowance (2 %). A stride rather than a chance, so that a small city
  has some; contribution arrears (above) are the third kind.

Who is who. Locals have resident IDs with a Guangzhou district code and a hukou at their
street (9 digits) or district, and live in family households (head, spouse, children, parents
of the head) in the house they own; a few registered persons have died or left the city.
Migrants have the ID and hukou of their home prefecture, no household here, and mostly rent:
rented houses are owned by local landlords (who also own their home). Foreigners have no hukou;
their hukou_division_code is the district where their residence is registered.

Reproducible and bounded. Everything is drawn from one seeded generator in a fixed order (benefits
from a second one, seeded from the same seed, so that they left the other files unchanged), so
the same arguments (seed, sizes, months and `as_of`) give byte-identical files. Rows are streamed to
the files as they are made; what later rows need (a ring of recent landlords, a sample of adults
for legal representatives, the companies' codes) is bounded by the number of companies and by
constants, not by the number of persons.
"""

from cityhall.registry.synth.city import DEFAULT_MONTHS, DEFAULT_SEED, city_write
from cityhall.registry.synth.identifiers import _Days as _Days
from cityhall.registry.synth.identifiers import _organisation_code as _organisation_code
from cityhall.registry.synth.identifiers import _ResidentIds as _ResidentIds
from cityhall.registry.synth.identifiers import _uscc as _uscc
from cityhall.registry.synth.output import (
    BENEFIT_COLUMNS,
    CONTRIBUTION_COLUMNS,
    EMPLOYMENT_COLUMNS,
    FILES,
    OWNERSHIP_COLUMNS,
    RENTAL_COLUMNS,
    RESIDENCE_COLUMNS,
    SynthReport,
)
from cityhall.registry.synth.tables import (
    PLANTED_DECEASED_WITH_BENEFIT,
    PLANTED_UNEMPLOYED_WHILE_EMPLOYED,
)

# The private fast paths above (_Days, _ResidentIds, _organisation_code, _uscc) are re-exported
# for the tests, which hold them to cityhall.core.identifiers.
__all__ = [
    "BENEFIT_COLUMNS",
    "CONTRIBUTION_COLUMNS",
    "DEFAULT_MONTHS",
    "DEFAULT_SEED",
    "EMPLOYMENT_COLUMNS",
    "FILES",
    "OWNERSHIP_COLUMNS",
    "PLANTED_DECEASED_WITH_BENEFIT",
    "PLANTED_UNEMPLOYED_WHILE_EMPLOYED",
    "RENTAL_COLUMNS",
    "RESIDENCE_COLUMNS",
    "SynthReport",
    "city_write",
]
