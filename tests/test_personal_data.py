"""Free text passes the personal-data scan before it reaches any output file."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from conftest import TODAY, base_row, write_return
from qa_lib.common.personal_data import identifier_kind, nhs_number_valid, redact
from qa_lib.run.round import run_round


def nhs_numbers(n: int) -> list[str]:
    """Synthetic ten-digit numbers with a valid modulus-11 check digit."""
    out, base = [], 400_000_001
    while len(out) < n:
        digits = str(base)
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            out.append(digits + str(check))
        base += 7919
    return out


NHS = nhs_numbers(12)
POSTCODES = ["WA7 2GW", "L1 8JQ", "M1 1AE", "SW1A 1AA", "DH1 3HP", "HR1 2PJ", "DN31 1HU",
             "HX1 1UJ", "wa8 7qa", "B33 8TH"]
PHONES = ["07700 900123", "07700900456", "0151 496 0123", "01432 260000", "+44 7700 900789",
          "0113-496-0000", "020 7946 0018", "01325 388 000"]
EMAILS = ["parent.one@example.com", "a.worker@example.org", "x_y+z@mail.example.co.uk",
          "family123@example.net", "carer@example.com", "someone@school.example.sch.uk"]
DATES = ["12/03/2015", "01-02-2019", "2016-07-30", "3rd March 2016", "14 Feb 2020", "9 sept 2018",
         "25.12.2017", "31/01/21"]
TITLED = ["Mrs Thompson", "Mr Okafor", "Ms Lindqvist", "Miss Harrow-Bell", "Dr Patel",
          "Mr. Evans"]
FIRST_NAMES = ["Olivia", "Jack", "Noah", "Amelia", "Harry", "Isla", "Mohammed", "Freya"]
IDENTIFIERS = NHS + POSTCODES + PHONES + EMAILS + DATES + TITLED + FIRST_NAMES
PRACTICE_WORDS = ["Mum", "Health Visitor", "School", "Dad", "GP", "Early Help", "chronology"]


def test_there_are_enough_identifiers():
    assert len(IDENTIFIERS) >= 50
    assert all(nhs_number_valid(n) for n in NHS)


@pytest.mark.parametrize("ident", IDENTIFIERS)
def test_each_identifier_is_redacted_in_a_sentence(ident):
    text, n = redact(f"Seen with Mum at home; note {ident} recorded by the Health Visitor.")
    assert ident not in text and n >= 1
    assert "Mum" in text and "Health Visitor" in text


def test_practice_words_survive():
    text = ("Mum and Dad attended; the Health Visitor and School shared a chronology with the GP "
            "and Early Help. A grace period for the plan was agreed; a summer holiday club helped.")
    assert redact(text) == (text, 0)


def test_identifier_kind_of_case_refs():
    assert identifier_kind(NHS[0]) == "an NHS number"
    assert identifier_kind("HAL-0001") is None
    assert identifier_kind("CSC-2026-17") is None


def _all_text(folder) -> str:
    """Every character of every output file, with workbooks and Parquet opened up."""
    chunks = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                chunks += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        elif p.suffix == ".parquet":
            chunks.append(pd.read_parquet(p).to_csv())
        elif p.suffix == ".ipynb":
            chunks.append(json.dumps(json.loads(p.read_text()), ensure_ascii=False))
        else:
            chunks.append(p.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


@pytest.mark.e2e
def test_no_identifier_reaches_any_output(tmp_path, halton):
    rows = []
    fields = ["strengths", "areas_for_improvement", "recommended_actions", "child_voice_excerpt"]
    chunks = [IDENTIFIERS[i:i + 4] for i in range(0, len(IDENTIFIERS), 4)]
    for i, chunk in enumerate(chunks):
        row = base_row(f"HAL-{i + 1:04d}", "Cheshire Police", TU1="Yes",
                       tool_name="Home Conditions Tool", TU3="Partly", LE1="Yes", TJ1="Yes")
        for f, ident in zip(fields, chunk, strict=False):
            row[f] = f"Mum said the School and Health Visitor spoke to {ident} about it."
        rows.append(row)
    inputs = tmp_path / "returns"
    write_return(inputs, halton, rows)
    res = run_round(halton, "R", inputs, tmp_path / "reports", today=TODAY, progress=lambda s: None)
    assert res.status == "complete", res.failed
    text = _all_text(res.folder)
    leaked = [i for i in IDENTIFIERS if i in text]
    assert leaked == []
    assert "[redacted]" in text
    page = (res.folder / "partner-cheshire-police.html").read_text(encoding="utf-8")
    for word in ("Mum", "Health Visitor", "School"):
        assert word in page
    # data quality counts the redactions for the partner
    dq = pd.read_excel(io.BytesIO((res.folder / "summary.xlsx").read_bytes()), sheet_name="Data quality",
                       engine="calamine")
    assert int(dq.loc[dq["Partner"] == "Cheshire Police", "Personal details redacted"].iloc[0]) >= 50
