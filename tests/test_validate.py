"""scripts/validate.py and the corpus checks behind it (indonews.data.corpus.check_jsonl_files).

The cases below are every error and warning the annotation team's independent corpus checker makes; the
project's validator makes each of them too.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import SCRIPTS

from indonews.data.corpus import check_jsonl_files


def doc(text="Presiden Joko Widodo tiba di Bogor.", entities=None, relations=None, doc_id="d1", **extra) -> dict:
    ents = entities if entities is not None else [ent("T1", 9, 20, "LEADER"), ent("T2", 29, 34, "VENUE")]
    return {"id": doc_id, "text": text, "entities": ents, "relations": relations or [], **extra}


def ent(eid: str, start: int, end: int, label: str) -> dict:
    return {"id": eid, "start": start, "end": end, "label": label}


def write(path, *lines) -> str:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return str(path)


ERRORS = {
    "broken JSON": ('{"id": "d1", "text": ', "invalid JSON"),
    "not an object": ("[1, 2]", "expected a JSON object"),
    "missing text": ({"id": "d1", "entities": []}, "field 'text': missing"),
    "empty text": (doc(text="", entities=[]), "text is empty or only white space"),
    "white-space text": (doc(text=" \n\t", entities=[]), "text is empty or only white space"),
    "missing id": ({"text": "Halo."}, "field 'id': missing"),
    "entities not a list": (doc(entities={"T1": 1}), "field 'entities': must be a list"),
    "relations not a list": (doc(relations="MEET"), "field 'relations': must be a list"),
    "duplicate entity id": (
        doc(entities=[ent("T1", 9, 20, "LEADER"), ent("T1", 29, 34, "VENUE")]),
        "duplicate entity id",
    ),
    "unknown label": (doc(entities=[ent("T1", 9, 20, "PERSON")]), "unknown label 'PERSON'"),
    "offsets out of range": (doc(entities=[ent("T1", 9, 99, "LEADER")]), "outside text of length 35"),
    "text differs from the span": (
        doc(entities=[dict(ent("T1", 9, 20, "LEADER"), text="Jokowi")]),
        "'Jokowi' differs from text[9:20]",
    ),
    "span edged by white space": (doc(entities=[ent("T1", 8, 20, "LEADER")]), "starts or ends with white space"),
    "span edged by punctuation": (
        doc(entities=[ent("T1", 29, 35, "VENUE")]),
        "starts or ends with white space or punctuation",
    ),
    "overlapping spans": (doc(entities=[ent("T1", 9, 20, "LEADER"), ent("T2", 14, 20, "LEADER")]), "overlap"),
    "unknown relation": (doc(relations=[{"head": "T1", "tail": "T2", "label": "VISIT"}]), "unknown relation 'VISIT'"),
    "relation to a missing entity": (
        doc(relations=[{"head": "T1", "tail": "T9", "label": "AT"}]),
        "points to missing entity id 'T9'",
    ),
    "relation between the wrong types": (
        doc(relations=[{"head": "T1", "tail": "T2", "label": "ON"}]),
        "ON joins LEADER to DATE, got LEADER to VENUE",
    ),
}


@pytest.mark.parametrize("case", ERRORS)
def test_every_error_of_the_independent_checker_is_an_error_here(tmp_path, case):
    line, problem = ERRORS[case]
    path = write(tmp_path / "c.jsonl", doc(doc_id="ok"), line)
    report = check_jsonl_files([path])
    assert len(report.errors) == 1 and problem in report.errors[0], report.errors
    assert report.errors[0].startswith(f"{path}:2:") or "in " + path in report.errors[0]


def test_a_document_id_used_twice_is_an_error_in_one_file_and_across_files(tmp_path):
    a = write(tmp_path / "a.jsonl", doc(), doc())
    assert check_jsonl_files([a]).errors == [f"{a}:2: field 'id': duplicate document id 'd1' (first on line 1)"]
    b = write(tmp_path / "b.jsonl", doc())
    assert check_jsonl_files([b, a]).errors[-1] == f"document id 'd1' in {a} already used in {b}"


WARNINGS = {
    "title inside a LEADER span": (doc(entities=[ent("T1", 0, 20, "LEADER")]), "starts with a title or honorific"),
    "VENUE after an office title": (
        doc(text="Presiden Filipina tiba.", entities=[ent("T1", 9, 17, "VENUE")]),
        "follows an office title",
    ),
    "a leader tagged once and bare elsewhere": (
        doc(text="Joko Widodo tiba. Joko Widodo pulang.", entities=[ent("T1", 0, 11, "LEADER")]),
        "is tagged elsewhere but bare here",
    ),
}


@pytest.mark.parametrize("case", WARNINGS)
def test_every_warning_of_the_independent_checker_is_a_warning_here(tmp_path, case):
    line, problem = WARNINGS[case]
    report = check_jsonl_files([write(tmp_path / "c.jsonl", line)])
    assert report.errors == []
    assert len(report.warnings) == 1 and problem in report.warnings[0], report.warnings


def test_one_pass_reports_every_bad_line_and_checks_the_good_ones(tmp_path):
    path = write(
        tmp_path / "c.jsonl",
        doc(doc_id="a"),
        "not json",
        doc(doc_id="b", entities=[ent("T1", 9, 99, "LEADER")]),
        doc(doc_id="c", text="Joko Widodo tiba. Joko Widodo pulang.", entities=[ent("T1", 0, 11, "LEADER")]),
        doc(doc_id="a"),
    )
    report = check_jsonl_files([path])
    assert [e.split(": ")[0] for e in report.errors] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    assert report.stats[path].documents == 2  # a and c; the bad lines are left out of the counts
    assert len(report.warnings) == 1  # c, read after the bad lines, is still linted


def test_validate_script_exits_1_and_lists_every_error(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("validate", SCRIPTS / "validate.py")
    validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validate)
    good = write(tmp_path / "good.jsonl", doc())
    bad = write(tmp_path / "bad.jsonl", doc(doc_id="x", text="", entities=[]), "[]")
    assert validate.main([good]) == 0
    assert capsys.readouterr().out.endswith("0 errors, 0 warnings\n")
    assert validate.main([good, bad]) == 1
    out = capsys.readouterr().out
    assert f"error: {bad}:2: field '<line>': expected a JSON object" in out
    assert f"error: document 'x' in {bad}: text is empty or only white space" in out
    assert out.endswith("2 errors, 0 warnings\n")


def test_the_markup_build_refuses_an_empty_document_too(tmp_path):
    from indonews.data.corpus import check_markup_files

    src = tmp_path / "a.txt"
    src.write_text("### a\n\n### b\n[Joko Widodo]{LEADER} tiba.\n", encoding="utf-8")
    assert check_markup_files([src]).errors == [f"document 'a' in {src}: text is empty or only white space"]


def test_stats_count_the_documents_that_passed_in_a_file_with_errors(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("validate", SCRIPTS / "validate.py")
    validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validate)
    path = write(tmp_path / "c.jsonl", doc(doc_id="a"), "not json", doc(doc_id="b"))
    assert validate.main(["--stats", path]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2: field '<line>': invalid JSON" in out
    assert "| trait | c.jsonl |\n|---|---|\n| documents | 2 |" in out.split("register:")[1]
