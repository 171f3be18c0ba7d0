"""The defects ../shared/data/SOURCES.md documents are found, with the same counts, in the
extracts vendored in tests/data/real (cut files say their own counts there)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions


def lint(path: Path, **options: object):
    return run_lint([path], LintOptions(**options))  # type: ignore[arg-type]


def codes(run) -> Counter[str]:
    return Counter(f.code for f in run.findings)


def test_wwdc25_duplicates_and_leakage(real_data: Path) -> None:
    train = real_data / "mlx-examples/wwdc25__train.jsonl"
    valid = real_data / "mlx-examples/wwdc25__valid.jsonl"
    run = run_lint([train], LintOptions(), eval_path=valid)
    facts = run.results[0].facts
    assert facts.duplicates.identical == 437
    # 40 more differ from an earlier row only in case ("Swift" vs "swift").
    assert facts.duplicates.exact == 477
    assert facts.unique_examples == 1800 - 477
    assert run.eval_result is not None
    assert run.eval_result.facts.duplicates.exact == 21
    leaks = [f for f in run.findings if f.code == "D003" and f.similarity == 1.0]
    assert len(leaks) == 48
    near_leaks = [f for f in run.findings if f.code == "D003" and f.similarity < 1.0]
    assert near_leaks and all(f.kind == "leak" for f in near_leaks)
    assert all(f.file.endswith("wwdc25__valid.jsonl") for f in leaks)
    assert all(
        f.duplicate_of and f.duplicate_of["file"].endswith("wwdc25__train.jsonl") for f in leaks
    )
    # Many paraphrased completions share one prompt: every such row counts as
    # conflicting, but each prompt is reported once, not once per answer.
    answers: dict[str, set[str]] = {}
    for row in train.read_text(encoding="utf-8").splitlines():
        record = json.loads(row)
        answers.setdefault(" ".join(record["prompt"].casefold().split()), set()).add(
            " ".join(record["completion"].casefold().split())
        )
    several = sum(1 for outputs in answers.values() if len(outputs) > 1)
    train_conflicts = [f for f in run.findings if f.code == "D002" and f.file == str(train)]
    assert len(train_conflicts) == several
    assert facts.duplicates.conflicting > 1000


def test_sms_spam_duplicate_texts(real_data: Path) -> None:
    facts = lint(real_data / "sms-spam/SMSSpamCollection.tsv").results[0].facts
    assert facts.examples == 5574
    assert facts.duplicates.identical == 403
    # 11 more differ from an earlier message only by whitespace, one only in case.
    assert facts.duplicates.exact == 415
    assert facts.labels == {"ham": 4827, "spam": 747}


def test_alpaca_demo_duplicates(real_data: Path) -> None:
    run = lint(real_data / "llamafactory-demo/alpaca_en_demo.json")
    assert codes(run)["D001"] == 14
    assert run.results[0].facts.duplicates.identical == 14


def test_glaive_and_dpo_duplicates(real_data: Path) -> None:
    assert (
        lint(real_data / "llamafactory-demo/glaive_toolcall_en_demo.json")
        .results[0]
        .facts.duplicates.identical
        == 35
    )
    dpo = lint(real_data / "llamafactory-demo/dpo_en_demo.json")
    # The first 160 of 300 rows hold one of the file's five duplicate pairs (rows 13 and 157).
    assert dpo.results[0].facts.duplicates.identical == 1
    assert dpo.results[0].facts.kind == "preference"
    assert codes(dpo)["F020"] == 1


def test_identity_placeholders(real_data: Path) -> None:
    run = lint(real_data / "llamafactory-demo/identity.json", select=("Q001",))
    assert codes(run)["Q001"] == 85


def test_missing_turn_fixture(real_data: Path) -> None:
    clean = lint(real_data / "axolotl-fixtures/conversation.json", ignore=("S",))
    broken = lint(real_data / "axolotl-fixtures/conversation.missingturns.json", ignore=("S",))
    assert clean.findings == []
    assert [f.code for f in broken.findings] == ["F012"]


def test_drone_training_lints_clean(real_data: Path) -> None:
    run = lint(real_data / "openai-cookbook/drone_training.jsonl")
    assert run.findings == []


def test_banking77_has_no_errors(real_data: Path) -> None:
    run = run_lint(
        [real_data / "banking77/train.csv"],
        LintOptions(),
        eval_path=None,
    )
    assert [f for f in run.findings if f.severity == "error"] == []
    facts = run.results[0].facts
    assert facts.examples == 10003
    assert len(facts.labels or {}) == 77
    assert codes(run)["S004"] == 0


def test_legacy_prompt_completion_is_consistent(real_data: Path) -> None:
    run = lint(
        real_data
        / "azure-legacy-prompt-completion/generated_labels_context_switching_prepared_train.jsonl"
    )
    assert codes(run)["Q007"] == 0 and codes(run)["Q008"] == 0
    assert [f for f in run.findings if f.severity == "error"] == []


def test_malformed_tsv_row_is_reported_with_its_line(real_data: Path) -> None:
    run = lint(real_data / "azure-legacy-prompt-completion/classification_bulk_test.tsv")
    assert [(f.code, f.line) for f in run.findings if f.code == "F001"] == [("F001", 53)]


def test_placeholder_addresses_are_not_personal_data(real_data: Path) -> None:
    # A dpo row writes to your_email@example.com; glaive rows use yourname@yourdomain.com.
    dpo = lint(real_data / "llamafactory-demo/dpo_en_demo.json", select=("P002",))
    assert codes(dpo)["P002"] == 0
    glaive = lint(real_data / "llamafactory-demo/glaive_toolcall_en_demo.json", select=("P002",))
    assert all("yourna" not in f.message for f in glaive.findings)
    # Real-looking addresses in SMS spam are still reported.
    sms = lint(real_data / "sms-spam/SMSSpamCollection.tsv", select=("P002",))
    assert codes(sms)["P002"] == 7


def test_a_similar_input_with_another_label_is_not_a_leak(tmp_path: Path) -> None:
    # Real banking77 rows: test:7 vs train:1088 differ in label, so the training row
    # cannot hand the evaluation its answer; the exchange-rate pair (test:126 vs
    # train:445) shares its label and is a leak.
    train = tmp_path / "train.csv"
    train.write_text(
        "text,category\nHow will I get my card?,card_delivery_estimate\n"
        "This exchange rate on my purchase is wrong.,card_payment_wrong_exchange_rate\n"
    )
    test = tmp_path / "test.csv"
    test.write_text(
        "text,category\nWhen will I get my card?,card_arrival\n"
        "The exchange rate on my purchase is wrong.,card_payment_wrong_exchange_rate\n"
    )
    run = run_lint([train], LintOptions(select=("D003",)), eval_path=test)
    leaks = [(f.line, f.duplicate_of["line"]) for f in run.findings if f.code == "D003"]
    assert leaks == [(3, 3)]


def test_a_different_question_is_not_a_near_leak(real_data: Path) -> None:
    # wwdc25 valid:59 "Where was latest super-bowl played?" is not train:1741 "When
    # was latest super-bowl played?"; valid:101 only drops a hyphen and is a leak.
    mlx = real_data / "mlx-examples"
    run = run_lint(
        [mlx / "wwdc25__train.jsonl"],
        LintOptions(select=("D003",)),
        eval_path=mlx / "wwdc25__valid.jsonl",
    )
    leaks = {(f.line, f.duplicate_of["line"]) for f in run.findings}
    assert not any(line == 59 for line, _ in leaks)
    assert (101, 1252) in leaks


def test_short_texts_that_swap_a_content_word_are_not_near_duplicates(real_data: Path) -> None:
    sms = lint(real_data / "sms-spam/SMSSpamCollection.tsv", select=("D004",))
    pairs = {(f.line, f.duplicate_of["line"]) for f in sms.findings}
    # "Cool, text me when you're ready" (372) vs "... parked" (331): another message.
    assert (372, 331) not in pairs
    # Long spam templates that differ only in the phone number are still near copies.
    assert (2912, 426) in pairs
    azure = real_data / "azure-legacy-prompt-completion"
    questions = azure / "generated_labels_context_switching_prepared_train.jsonl"
    laptops = lint(questions, select=("D004",))
    pairs = {(f.line, f.duplicate_of["line"]) for f in laptops.findings}
    # Surface Laptop 3 vs 4: another product. Dropping "type of" is a re-wording.
    assert (138, 137) not in pairs
    assert pairs == {(162, 93)}


def test_surrounding_whitespace_is_one_finding_per_field(real_data: Path) -> None:
    # Every dbpedia sample's text ends with a space: one habit, one finding.
    run = lint(real_data / "openai-cookbook/dbpedia_samples.jsonl", select=("Q006",))
    [finding] = run.findings
    assert finding.line == 1 and finding.field == "text"
    assert "text of 200 of 200 example(s) (lines 1, 2, 3, 4, 5 and 195 more)" in finding.message
    # The safe fix still strips every row.
    assert len(run.results[0].fix_plan.edits) == 200
