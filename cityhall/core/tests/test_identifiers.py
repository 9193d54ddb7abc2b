import string
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cityhall.core.errors import DomainError
from cityhall.core.identifiers import (
    PROVINCE_CODES,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    IdentifierError,
    resident_id_make,
    resident_id_parse,
    uscc_make,
    uscc_parse,
    validate_resident_id,
    validate_uscc,
)

# Examples printed in GB 11643-1999 and GB 32100-2015.
STANDARD_IDS = ["11010519491231002X", "440524188001010014"]
STANDARD_USCC = "91110000600037341L"
# Every character a user could type into the field (upper case: input is upper-cased first).
TYPABLE = string.digits + string.ascii_uppercase


# --- Resident ID: known answers ------------------------------------------------------------------


def test_standard_example_with_x_check_character() -> None:
    parsed = resident_id_parse("11010519491231002X")
    assert parsed.number == "11010519491231002X"
    assert parsed.division_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sequence == 2
    assert parsed.gender == "F"
    assert parsed.check == "X"


def test_standard_example_born_1880_is_accepted() -> None:
    parsed = resident_id_parse("440524188001010014")
    assert parsed.birth_date == date(1880, 1, 1)
    assert parsed.sequence == 1
    assert parsed.gender == "M"
    assert parsed.check == "4"


def test_lower_case_x_and_surrounding_spaces_are_normalised() -> None:
    assert resident_id_parse(" 11010519491231002x ").number == "11010519491231002X"


def test_make_reproduces_the_standard_examples() -> None:
    made = resident_id_make(division_code="110105", birth_date=date(1949, 12, 31), sequence=2)
    assert made == "11010519491231002X"
    made = resident_id_make(division_code="440524", birth_date=date(1880, 1, 1), sequence=1)
    assert made == "440524188001010014"


@pytest.mark.parametrize("number", STANDARD_IDS)
def test_every_one_character_change_of_a_standard_example_is_rejected(number: str) -> None:
    for position in range(18):
        for char in TYPABLE:
            if char == number[position]:
                continue
            changed = number[:position] + char + number[position + 1 :]
            with pytest.raises(IdentifierError):
                resident_id_parse(changed)


def iso7064_mod_11_2_holds(number: str) -> bool:
    """The standard's definition, independent of the weight table in the code under test:
    with X = 10 and the i-th character from the right weighted 2^(i-1), the sum is 1 mod 11."""
    values = [10 if char == "X" else int(char) for char in number]
    return sum(v * pow(2, i, 11) for i, v in enumerate(reversed(values))) % 11 == 1


def test_made_ids_satisfy_iso_7064_for_every_check_character() -> None:
    numbers = [
        resident_id_make(division_code="440106", birth_date=date(1990, 7, 1), sequence=sequence)
        for sequence in range(1000)
    ]
    assert {number[-1] for number in numbers} == set("0123456789X")
    assert all(iso7064_mod_11_2_holds(number) for number in numbers)
    assert all(iso7064_mod_11_2_holds(number) for number in STANDARD_IDS)


# --- Resident ID: each rule has its own message ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11010519491231002", "resident_id_format"),  # 17 characters
        ("11010519491231002X1", "resident_id_format"),  # 19 characters
        ("110105491231002", "resident_id_format"),  # the old 15-digit form
        ("1101051949123100X2", "resident_id_format"),  # X before the last position
        ("11010519491231002Y", "resident_id_format"),
        ("99010519491231002X", "resident_id_province"),
        ("00010519491231002X", "resident_id_province"),
        ("11010519490230002X", "resident_id_date"),  # 30 February
        ("11010519491331002X", "resident_id_date"),  # month 13
        ("11010518491231002X", "resident_id_date_past"),
        ("110105194912310021", "resident_id_check"),
    ],
)
def test_each_broken_rule_is_named(value: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        resident_id_parse(value)
    assert caught.value.code == code
    assert caught.value.message
    assert isinstance(caught.value, DomainError)


def test_birth_date_after_today_is_rejected() -> None:
    number = "11010520300101002X"  # shape only; the date rule fires before the check character
    with pytest.raises(IdentifierError) as caught:
        resident_id_parse(number, today=date(2026, 11, 21))
    assert caught.value.code == "resident_id_date_future"


def test_birth_today_is_accepted() -> None:
    number = resident_id_make(division_code="440106", birth_date=date(2020, 5, 1), sequence=7)
    assert resident_id_parse(number, today=date(2020, 5, 1)).birth_date == date(2020, 5, 1)


def test_province_codes_of_gb_t_2260() -> None:
    expected = {
        *map(str, range(11, 16)),
        *map(str, range(21, 24)),
        *map(str, range(31, 38)),
        *map(str, range(41, 47)),
        *map(str, range(50, 55)),
        *map(str, range(61, 66)),
        "71",
        "81",
        "82",
    }
    # 83: residence permits of Taiwan residents (see the comment on PROVINCE_CODES).
    assert expected | {"83"} == PROVINCE_CODES


def test_make_refuses_impossible_parts() -> None:
    with pytest.raises(IdentifierError):
        resident_id_make(division_code="440106", birth_date=date(1990, 1, 1), sequence=1000)
    with pytest.raises(IdentifierError):
        resident_id_make(division_code="990106", birth_date=date(1990, 1, 1), sequence=1)
    with pytest.raises(IdentifierError):
        resident_id_make(division_code="44010", birth_date=date(1990, 1, 1), sequence=1)


def test_validator_raises_validation_error_with_the_rule_code() -> None:
    validate_resident_id("11010519491231002X")
    with pytest.raises(ValidationError) as caught:
        validate_resident_id("110105194912310021")
    assert caught.value.code == "resident_id_check"


# --- Resident ID: properties ---------------------------------------------------------------------

divisions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(alphabet=string.digits, min_size=4, max_size=4),
)
birth_dates = st.dates(min_value=date(1850, 1, 1), max_value=date(2026, 11, 21))
sequences = st.integers(min_value=0, max_value=999)


@given(division=divisions, birth_date=birth_dates, sequence=sequences)
def test_made_ids_parse_back_to_their_parts(division: str, birth_date: date, sequence: int) -> None:
    number = resident_id_make(division_code=division, birth_date=birth_date, sequence=sequence)
    parsed = resident_id_parse(number)
    assert len(number) == 18
    assert parsed.number == number
    assert parsed.division_code == division
    assert parsed.birth_date == birth_date
    assert parsed.sequence == sequence
    assert parsed.gender == ("M" if sequence % 2 == 1 else "F")


@given(
    division=divisions,
    birth_date=birth_dates,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=17),
    char=st.sampled_from(TYPABLE),
)
def test_any_single_substitution_in_an_id_is_rejected(
    division: str, birth_date: date, sequence: int, position: int, char: str
) -> None:
    # MOD 11-2 catches every substitution: each weight is non-zero mod 11 and a digit changes by
    # 1..9, so the weighted sum moves by a non-zero amount mod the prime 11, and the check
    # character maps the 11 residues one-to-one. Non-digits fail the shape rule before that.
    number = resident_id_make(division_code=division, birth_date=birth_date, sequence=sequence)
    if char == number[position]:
        return
    with pytest.raises(IdentifierError):
        resident_id_parse(number[:position] + char + number[position + 1 :])


@given(division=divisions, birth_date=birth_dates, sequence=sequences)
def test_gender_follows_the_parity_of_the_sequence(
    division: str, birth_date: date, sequence: int
) -> None:
    even = sequence - sequence % 2
    odd = even + 1
    assert (
        resident_id_parse(
            resident_id_make(division_code=division, birth_date=birth_date, sequence=even)
        ).gender
        == "F"
    )
    assert (
        resident_id_parse(
            resident_id_make(division_code=division, birth_date=birth_date, sequence=odd)
        ).gender
        == "M"
    )


# --- USCC: known answers and rules ---------------------------------------------------------------


def test_standard_uscc_example() -> None:
    parsed = uscc_parse(STANDARD_USCC)
    assert parsed.code == STANDARD_USCC
    assert parsed.registration_authority == "9"
    assert parsed.category == "1"
    assert parsed.division_code == "110000"
    assert parsed.organisation_code == "600037341"
    assert parsed.check == "L"
    assert uscc_parse(STANDARD_USCC.lower()).code == STANDARD_USCC


def test_uscc_make_reproduces_the_standard_example() -> None:
    made = uscc_make(
        authority="9", category="1", division_code="110000", organisation_code="600037341"
    )
    assert made == STANDARD_USCC


def test_every_one_character_change_of_the_standard_uscc_is_rejected() -> None:
    for position in range(18):
        for char in TYPABLE:
            if char == STANDARD_USCC[position]:
                continue
            with pytest.raises(IdentifierError):
                uscc_parse(STANDARD_USCC[:position] + char + STANDARD_USCC[position + 1 :])


def test_registration_authority_may_be_a_letter() -> None:
    code = uscc_make(
        authority="Y", category="1", division_code="440106", organisation_code="MA5D8KXQ3"
    )
    assert code[0] == "Y"
    assert uscc_parse(code).registration_authority == "Y"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91110000600037341", "uscc_length"),
        ("91110000600037341LL", "uscc_length"),
        ("9111000060003734IL", "uscc_alphabet"),  # I is not in the alphabet
        ("91110000600037O41L", "uscc_alphabet"),  # nor O
        ("B1110000600037341L", "uscc_authority"),
        ("911100A0600037341L", "uscc_division"),
        ("91110000600037341M", "uscc_check"),
    ],
)
def test_each_broken_uscc_rule_is_named(value: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        uscc_parse(value)
    assert caught.value.code == code


def test_uscc_make_refuses_wrong_part_lengths() -> None:
    with pytest.raises(IdentifierError):
        uscc_make(authority="9", category="1", division_code="11000", organisation_code="600037341")


def test_uscc_validator() -> None:
    validate_uscc(STANDARD_USCC)
    with pytest.raises(ValidationError) as caught:
        validate_uscc("91110000600037341M")
    assert caught.value.code == "uscc_check"


def mod_31_holds(code: str) -> bool:
    """GB 32100's definition, independent of the weight table in the code under test: the
    i-th character from the left is weighted 3^(i-1) mod 31, the check character 1, and the
    weighted sum of all 18 is 0 mod 31."""
    values = [USCC_ALPHABET.index(char) for char in code]
    return (sum(v * pow(3, i, 31) for i, v in enumerate(values[:17])) + values[17]) % 31 == 0


def test_made_uscc_satisfy_mod_31_for_every_check_character() -> None:
    codes = [
        uscc_make(
            authority="9", category="1", division_code="440106", organisation_code="MA5D8KXQ" + c
        )
        for c in USCC_ALPHABET
    ]
    assert {code[-1] for code in codes} == set(USCC_ALPHABET)
    assert all(mod_31_holds(code) for code in codes)
    assert mod_31_holds(STANDARD_USCC)


# --- USCC: properties ----------------------------------------------------------------------------

uscc_parts = st.fixed_dictionaries(
    {
        "authority": st.sampled_from(sorted(USCC_AUTHORITIES)),
        "category": st.sampled_from(USCC_ALPHABET),
        "division_code": st.text(alphabet=string.digits, min_size=6, max_size=6),
        "organisation_code": st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
    }
)


@given(parts=uscc_parts)
def test_made_uscc_parses_back_to_its_parts(parts: dict[str, str]) -> None:
    code = uscc_make(**parts)
    parsed = uscc_parse(code)
    assert parsed.code == code
    assert parsed.registration_authority == parts["authority"]
    assert parsed.category == parts["category"]
    assert parsed.division_code == parts["division_code"]
    assert parsed.organisation_code == parts["organisation_code"]
    assert parsed.check in USCC_ALPHABET


@given(
    parts=uscc_parts,
    position=st.integers(min_value=0, max_value=17),
    char=st.sampled_from(TYPABLE),
)
def test_any_single_substitution_in_a_uscc_is_rejected(
    parts: dict[str, str], position: int, char: str
) -> None:
    # MOD 31 catches every substitution within the alphabet (31 is prime, every weight and every
    # difference of two symbols is non-zero mod 31); I, O, Z, S, V fail the alphabet rule.
    code = uscc_make(**parts)
    if char == code[position]:
        return
    with pytest.raises(IdentifierError):
        uscc_parse(code[:position] + char + code[position + 1 :])
