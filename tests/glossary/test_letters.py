"""Acronyms in pasted letters (issue 11, item 7): every one the glossary explains is spotted, and nothing else.

The letters in `letters/` are fictional but written the way real ones are: a licence letter, a sentence
calculation, appointment and recall letters, an OASys summary, DWP, HDC, PSR, prison-visit, drug-service
and disclosure letters, and text messages. Each acronym is written as letters write them: plurals and
possessives ("PSRs", "OASys's", "OMU’s" with a curly apostrophe), dots ("H.D.C.", "O.A.S.Y.S.", and
"HDC.You" with the space forgotten), brackets, slashes, hyphens and quotes ("(HDC)", "HDC/ROTL",
"HDC-eligible", "[MAPPA]", "("TSP")"), mixed case ("OASys", "RoSH").

Beside them are the traps an acronym spotter falls into: postcodes and prison numbers, reference codes
("HDC/2026/0412"), times ("9 PM", "10:30 AM"), "OK", "IT IS IMPORTANT" and "WHAT WILL HAPPEN NEXT" in
capitals, "CONTACT US", "PO Box", a building named "Horizon House", and English words that are also
names at the start of a sentence ("Resolve any problems", "Unlock your phone").

Each letter's expectations are written in order of appearance, one per line: `TOKEN = term` says that
this occurrence of TOKEN is inside a spotted word of that glossary entry; `TOKEN = -` that nothing is
spotted there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from glossary.load import load_glossary
from glossary.model import looks_like_acronym
from glossary.search import GlossaryIndex
from glossary.spot import Spotted

LETTERS = Path(__file__).parent / "letters"
REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"

EXPECTED: dict[str, str] = {
    "licence_conditions.txt": """
        HMPPS = HMPPS
        LS99 = -
        4ZZ = -
        CRN = CRN
        A4821ZZ = -
        WILL = -
        HMP = HMP
        CRD = CRD
        SLED = SLED
        OMU = OMU
        COM = COM
        POM = POM
        Resolve = -
        AP = approved premises
        AP = approved premises
        PM = -
        AM = -
        TSP = Thinking Skills Programme
        PO = PO
        PO's = PO
        OK = -
        AM = -
        ID = ID
        MAPPA = MAPPA
        IOM = IOM
        FTR = fixed-term recall
        US = -
        PO = PO
        COM = COM
        PDU = PDU
    """,
    "sentence_calculation.txt": """
        HMP = HMP
        OMU = OMU
        ME99 = -
        2ZZ = -
        B7719ZZ = -
        SC = -
        00417 = -
        SDS = SDS
        ARD = ARD
        CRD = CRD
        HDCED = HDCED
        LED = LED
        SED = SED
        SLED = SLED
        HDC = HDC
        CRD = CRD
        OMU’s = OMU
        OMU's = OMU
        EDS = extended sentence
        SDS = SDS
        IT = -
    """,
    "appointment_letter.txt": """
        SE99 = -
        1ZZ = -
        SE99 = -
        3ZZ = -
        CRN = CRN
        PM = -
        RAR = RAR
        UPW = unpaid work
        ETE = ETE
        UC = Universal Credit
        JCP = JCP
        AM = -
        PO = PO
        PDU = PDU
    """,
    "recall_notice.txt": """
        PNC ID = PNC ID
        A9921ZZ = -
        CRN = CRN
        HMP = HMP
        AP = approved premises
        PO = PO
        RoSH = RoSH
        OASys = OASys
        PO's = PO
        ViSOR = VISOR
        COM = COM
        OMU = OMU
        LED = LED
        SLED = SLED
    """,
    "oasys_summary.txt": """
        OASys = OASys
        CRN = CRN
        RoSH = RoSH
        OGRS = OGRS
        RSR = RSR
        O.A.S.Y.S = OASys
        PSRs = pre-sentence report
        OASys's = OASys
        MAPPA = MAPPA
        BBR = Building Better Relationships
        IOM = IOM
        DRR = DRR
        TSP = Thinking Skills Programme
        ETE = ETE
        NVQ = NVQ
        CSCS = CSCS card
        GP = register with a GP
        CMHT = mental health team
        RMP = risk management plan
    """,
    "dwp_letter.txt": """
        PO = -
        WV99 = -
        BS99 = -
        QQ = -
        UC = Universal Credit
        HB = housing benefit
        ID = ID
        GP = GP
        ESA = ESA
        PIP = PIP
        JSA = JSA
        UC = Universal Credit
        DWP = DWP
    """,
    "hdc_refusal.txt": """
        HMP = HMP
        C4410ZZ = -
        HDC = -
        H.D.C = HDC
        HDC = HDC
        HDCED = HDCED
        HDC = HDC
        COM = COM
        MAPPA = MAPPA
        ROTL = ROTL
        HDC = HDC
        ROTL = ROTL
        OMU = OMU
        HDC = HDC
        CRD = CRD
        CAS2 = CAS2
        CAS3 = CAS3
        COMP1 = COMP1
        PPO = PPO
        OMU = OMU
    """,
    "psr_letter.txt": """
        RG99 = -
        RG99 = -
        P.S.R = pre-sentence report
        PSR = pre-sentence report
        PSRs = pre-sentence report
        PM = -
        ID = ID
        UC = Universal Credit
        ESA = ESA
        GP = GP
        RAR = RAR
        UPW = unpaid work
        DRR = DRR
        PSR = pre-sentence report
        Unlock = -
    """,
    "text_messages.txt": """
        AP = approved premises
        COM = COM
        ROTLs = ROTL
        HDC = HDC
        OMU’s = OMU
        PO = PO
        MAPPA = MAPPA
        COM = COM
        COM = COM
        ID = ID
        UC = Universal Credit
        DIP = DIP
        DIP = DIP
        NA = NA
    """,
    "visit_and_money.txt": """
        HMP = HMP
        D3318ZZ = -
        PM = -
        ID = ID
        ID = ID
        VO = visiting order
        IEP = IEP
        IEP = IEP
        UC = Universal Credit
        JSA = JSA
        ESA = ESA
        IMB = IMB
    """,
    "drug_service_letter.txt": """
        CGL = Change Grow Live
        HU99 = -
        3ZZ = -
        NHS = NHS number
        OST = OST
        PO’s = PO
        DRR = DRR
        PO = PO
        PO = PO
        BBV = blood-borne virus
        ATR = ATR
        SMART = SMART Recovery
        PM = -
        NA = NA
        AA = AA
        A&E = A&E
        CGL = Change Grow Live
    """,
    "dbs_letter.txt": """
        Unlock = Unlock
        ROA = Rehabilitation of Offenders Act
        DBS = basic DBS check
        DBS = enhanced DBS check
        DBS = DBS filtering
        CRB = CRB
        DBS = DBS
        CRB = CRB
        CSCS = CSCS card
        DBS = DBS
        ETE = ETE
        CV = CV
    """,
}
# Everyday words in the letters that a glossary name could be mistaken for: never spotted.
NOT_SPOTTED: dict[str, list[str]] = {
    "licence_conditions.txt": ["Horizon House", "Resolve any problems"],
    "drug_service_letter.txt": ["the board"],
    "psr_letter.txt": ["Unlock your phone"],
    "dwp_letter.txt": ["PO Box"],
}


@dataclass(frozen=True)
class Expected:
    token: str
    start: int
    end: int
    term: str | None  # None: nothing may be spotted here


def expectations(letter: str, text: str) -> list[Expected]:
    """The letter's expectations with where each token is, found in order of appearance."""
    found: list[Expected] = []
    position = 0
    for line in EXPECTED[letter].strip().splitlines():
        token, _, term = (part.strip() for part in line.partition(" = "))
        match = re.compile(rf"(?<![\w.'’]){re.escape(token)}(?![\w'’])").search(text, position)
        assert match is not None, f"{letter}: {token!r} is not in the letter after offset {position}"
        found.append(Expected(token, match.start(), match.end(), None if term == "-" else term))
        position = match.end()
    return found


def _covering(found: list[Spotted], start: int, end: int) -> Spotted | None:
    return next((item for item in found if item.start <= start and end <= item.end), None)


def _names_an_acronym(item: Spotted) -> bool:
    return any(looks_like_acronym(word) for word in item.written.split())


def letter_problems(index: GlossaryIndex, letter: str) -> tuple[list[str], int, int]:
    """What is wrong with the spotting of one letter, and how many expected acronyms were found of how many."""
    text = (LETTERS / letter).read_text(encoding="utf-8")
    found = index.occurrences(text)
    problems: list[str] = []
    hits = total = 0
    expected = expectations(letter, text)
    for item in expected:
        spotted = _covering(found, item.start, item.end)
        got = spotted.entry.term if spotted else None
        if item.term is not None:
            total += 1
            hits += got == item.term
        if got != item.term:
            problems.append(f"{letter}:{text.count(chr(10), 0, item.start) + 1}: {item.token!r} "
                            f"should be {item.term or 'nothing'}, spotted {got or 'nothing'}")
    for item in found:
        if _names_an_acronym(item) and not any(
                item.start <= want.start and want.end <= item.end and want.term == item.entry.term
                for want in expected):
            problems.append(f"{letter}: {item.matched!r} spotted as {item.entry.term}, not expected")
    for phrase in NOT_SPOTTED.get(letter, []):
        start = text.index(phrase)
        for item in found:
            if item.start < start + len(phrase) and start < item.end:
                problems.append(f"{letter}: {item.matched!r} in {phrase!r} spotted as {item.entry.term}")
    return problems, hits, total


@pytest.fixture(scope="module")
def real_index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(REAL_CONTENT))


def test_the_corpus_is_big_enough() -> None:
    assert len(EXPECTED) >= 10
    assert set(EXPECTED) == {path.name for path in LETTERS.glob("*.txt")} - {
        "probation_appointment.txt", "hdc_release_prison.txt", "jobcentre_uc.txt", "text_from_po.txt"}
    acronyms = [line for block in EXPECTED.values() for line in block.strip().splitlines() if not line.endswith("-")]
    assert len(acronyms) >= 150


@pytest.mark.parametrize("letter", sorted(EXPECTED))
def test_every_acronym_in_a_letter_is_spotted_and_nothing_else(real_index: GlossaryIndex, letter: str) -> None:
    problems, _hits, _total = letter_problems(real_index, letter)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("letter", sorted(EXPECTED))
def test_spot_gives_each_entry_once_in_order_of_first_occurrence(real_index: GlossaryIndex, letter: str) -> None:
    text = (LETTERS / letter).read_text(encoding="utf-8")
    every = real_index.occurrences(text)
    first: dict[str, Spotted] = {}
    for item in every:
        first.setdefault(item.entry.key, item)
    assert real_index.spot(text) == list(first.values())
    assert all(text[item.start:item.end] == item.matched for item in every)
    assert [item.start for item in every] == sorted(item.start for item in every)


# -- each way of writing, and each trap, on its own ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the OASys's score", [("OASys", "OASys's")]),
        ("the OASys’s score", [("OASys", "OASys’s")]),
        ("two PSRs and the PSR's end", [("pre-sentence report", "PSRs"), ("pre-sentence report", "PSR's")]),
        ("the OMU’s office and the PO's phone", [("OMU", "OMU’s office"), ("PO", "PO's")]),
        ("your H.D.C. and the P.S.R.s", [("HDC", "H.D.C"), ("pre-sentence report", "P.S.R.s")]),
        ("ask about HDC.You can", [("HDC", "HDC")]),
        ("(HDC), HDC/ROTL, HDC-eligible, [MAPPA] and “ROTL”",
         [("HDC", "HDC"), ("HDC", "HDC"), ("ROTL", "ROTL"), ("HDC", "HDC"), ("MAPPA", "MAPPA"), ("ROTL", "ROTL")]),
        ("Your details are on ViSOR", [("VISOR", "ViSOR")]),
        ("PO/COM: J. Smith", [("PO", "PO"), ("COM", "COM")]),
        ("Come to Resolve on Monday", [("Resolve", "Resolve")]),
        ("Unlock can help you", [("Unlock", "Unlock")]),
    ],
)
def test_ways_letters_write_names(real_index: GlossaryIndex, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(item.entry.term, item.matched) for item in real_index.occurrences(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "please resolve this",
        "Resolve any problems before Friday",
        "unlock your phone",
        "Unlock the door",
        "Shelter from the rain",
        "a horizon",
        "Horizon House, 3 Mill Lane",
        "PO Box 1234, Wolverhampton",
        "the board meets on Monday at the prison",
        "Our ref: HDC/2026/0412",
        "Leeds LS99 4ZZ",
        "from 9 PM to 7 AM",
        "CONTACT US",
        "WHAT WILL HAPPEN NEXT",
    ],
)
def test_letter_traps_find_nothing(real_index: GlossaryIndex, text: str) -> None:
    assert [(item.entry.term, item.matched) for item in real_index.occurrences(text)] == []
