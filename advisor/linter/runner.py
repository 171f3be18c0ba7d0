"""Lint one or more files: stream examples, run every check, measure the facts.

One pass over each file. Each example is analysed on its own (``analyse``,
possibly in worker processes), then folded in file order into what needs the
whole file: duplicates, leakage, balance, conventions. What that keeps is
hashes and small integers, so memory grows only with those.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.datasets import Dataset, open_dataset
from advisor.datasets.formats import PREFERENCE_FORMATS
from advisor.datasets.model import SFT
from advisor.datasets.structure import F020, F026
from advisor.errors import InputError
from advisor.linter.analyse import Context, ExampleResult
from advisor.linter.catalogue import Catalogue, load_catalogue
from advisor.linter.facts import (
    CostFacts,
    DatasetFacts,
    Distribution,
    DuplicateFacts,
    histogram,
)
from advisor.linter.findings import check_patterns, is_selected
from advisor.linter.inputs import Inputs, find_inputs
from advisor.linter.parallel import analyse_dataset, cyclic_gc_paused
from advisor.linter.rules import FILE_CHECKS, RULES
from advisor.linter.rules.base import FileCounts, lines_shown
from advisor.linter.rules.content import (
    Q006,
    check_conventions,
    check_same_output,
    whitespace_summary,
)
from advisor.linter.rules.duplicates import (
    DuplicateIndex,
    ExactCounts,
    check_exact,
)
from advisor.linter.rules.size import check_balance, check_size
from advisor.linter.rules.tokens import T001, T003, over_limit_message
from advisor.linter.run import FileResult, LintRun
from advisor.linter.settings import LintOptions
from advisor.linter.similar import (
    Compared,
    Embedders,
    Reference,
    SimilarIndex,
    SimilarSettings,
    find_similar,
)
from advisor.linter.sink import FindingSink
from advisor.providers.models import (
    ModelProfile,
    Providers,
    RoleProfile,
    default_epochs,
    load_providers,
)
from advisor.providers.tokens import Encoder, load_encoder


def needed(options: LintOptions, need: str) -> bool:
    """Whether a selected rule declares ``need`` (its ``Rule.needs``): what a lint
    computes follows from the rules it runs, never from a list kept here."""
    return any(
        need in rule.needs and is_selected(code, options.select, options.ignore)
        for code, rule in RULES.items()
    )


class FileLinter:
    """Lints one file. Construct, then ``run()``."""

    def __init__(
        self,
        path: Path,
        options: LintOptions,
        *,
        catalogue: Catalogue,
        providers: Providers,
        model: ModelProfile,
        encoder: Encoder | None,
        embedders: Embedders,
        reference: DuplicateIndex | None = None,
        reference_similar: SimilarIndex | None = None,
    ) -> None:
        self.path = path
        self.file = str(path)
        self.options = options
        self.catalogue = catalogue
        self.thresholds = catalogue.thresholds
        self.providers = providers
        self.model = model
        self.role_profile: RoleProfile = providers.role_profile(model)
        self.encoder = encoder
        self.embedders = embedders
        self.reference = reference
        self.reference_similar = reference_similar
        self.sink = FindingSink(
            self.file,
            catalogue,
            select=options.select,
            ignore=options.ignore,
            escalate=frozenset(self.role_profile.escalate),
        )
        self.selected = self.sink.selected
        self.fix_plan = self.sink.fix_plan
        self.index = DuplicateIndex(self.file)
        self.empty_markers = frozenset(m.lower() for m in self.thresholds.empty_markers)
        self.kind: str | None = None
        self.file_checks = tuple(
            check for check in FILE_CHECKS if any(self.selected(r.code) for r in check.rules)
        )

    # ------------------------------------------------------------------ run

    def context(self) -> Context:
        rules = self.catalogue.rules
        return Context(
            encoder=self.encoder,
            tool_overhead=self.model.tool_overhead,
            # Rows with an error are left out of the content checks, except F026's:
            # their text reads fine, only its wrapping differs from OpenAI's.
            error_codes=frozenset(
                code
                for code, rule in rules.items()
                if (rule.severity == "error" or code in self.role_profile.escalate)
                and code != F026.code
            ),
            empty_markers=self.empty_markers,
            separators=tuple(self.thresholds.prompt_separators),
            image_limits=self.role_profile.images,
            provider=self.model.profile,
            wanted=frozenset(code for code in rules if self.selected(code)),
            # A level runs whenever one of its rules is selected, so the findings of
            # a rule never depend on which other rules are selected; --no-near skips
            # the near level's cost.
            near=self.options.near and needed(self.options, "near"),
            semantic=self.options.semantic and needed(self.options, "semantic"),
            # Counting every text is the floor of a lint's cost: skipped when nothing
            # reads the counts (T001 and the cost facts go together; --select F).
            count=self.encoder is not None and needed(self.options, "tokens"),
            # Normalising and hashing every example for duplicates: skipped when nothing
            # reads the hashes (--select F), and the facts then say so (no zeros).
            keys=needed(self.options, "keys"),
            file_checks=self.file_checks,
        )

    def run(self) -> FileResult:
        dataset = open_dataset(
            self.path,
            input_format=self.options.input_format,
            text_column=self.options.text_column,
            label_column=self.options.label_column,
        )
        add = self.sink.add
        for problem in dataset.file_problems:
            self.sink.add_hit(problem.code, problem.line, problem.message)
        if dataset.format in PREFERENCE_FORMATS:
            add(
                F020,
                None,
                f"Preference data ({dataset.format}): train it with DPO/KTO, not supervised "
                "fine-tuning. SFT-only checks (conflicting outputs) are skipped.",
            )
        if self.encoder is not None and self.encoder.note:
            add(T003, None, self.encoder.note)
        self.kind = dataset.kind
        state = _State(checks=[check.start() for check in self.file_checks])
        self.context_flags = self.context()
        for result in analyse_dataset(dataset, self.context_flags, self.options.workers):
            self._merge(result, state)
        similar_index = None
        if state.compared.lines:
            settings = SimilarSettings(
                thresholds=self.thresholds,
                near=self.context_flags.near,
                semantic=self.context_flags.semantic,
                tier=self.options.semantic_tier,
                quiet=self.options.quiet,
                kind=self.kind,
            )
            reference = (
                Reference(self.reference.file, self.reference_similar)
                if self.reference is not None
                else None
            )
            found, similar_index = find_similar(
                self.sink,
                state.compared,
                state.exact.leaked_lines,
                settings,
                self.embedders,
                reference,
            )
            state.near, state.semantic = found.near, found.semantic
            state.exact.leaked += found.leaked
            state.exact.conflicting += found.conflicting
        else:
            state.near = 0 if self.context_flags.near else None
            state.semantic = 0 if self.context_flags.semantic else None
        self._finish(dataset, state)
        facts = self._facts(dataset, state)
        findings = self.sink.findings
        findings.sort(key=lambda f: (f.line or 0, f.code))
        return FileResult(findings, facts, self.fix_plan, self.index, dataset, similar_index)

    # ------------------------------------------------------------------ per example

    def _merge(self, result: ExampleResult, state: _State) -> None:
        """Fold one analysed example into the file's findings and state, in file order."""
        add_hit = self.sink.add_hit
        line = result.line
        state.examples += 1
        for code, problem_line, message, field_name in result.problems:
            if code in PER_FILE:
                state.patterns.setdefault((code, ANY_INDEX.sub("[*]", message)), []).append(line)
            else:
                add_hit(code, problem_line, message, field=field_name)
        if result.counted:
            state.message_counts.append(result.messages)
        if result.counted and self.context_flags.count:
            tokens = result.tokens
            state.tokens.append(tokens)
            state.assistant_tokens.append(result.assistant_tokens)
            limit = self.model.training_context
            state.billable += min(limit, tokens)
            if tokens > limit:
                state.over_limit += 1
                assert self.encoder is not None  # counting needs it (context())
                message = over_limit_message(tokens, limit, self.encoder.name, self.model.name)
                self.sink.add(T001, line, message)
        for path, action in result.edits:  # F026's rename applies to invalid rows too
            self.fix_plan.edit(result.ordinal, path, action)
        if result.invalid:
            state.invalid += 1
            return
        state.valid += 1
        state.missing_system += result.missing_system
        state.missing_user += result.missing_user
        for code, message, field_name in result.hits:
            if code in PER_FILE:
                state.patterns.setdefault((code, field_name or ""), []).append(line)
            else:
                add_hit(code, line, message, field=field_name)
        label = result.label
        if label is not None:
            state.labels[label] += 1
        if result.convention is not None:
            state.conventions.append((line, *result.convention))
        for check, check_state, payload in zip(
            self.file_checks, state.checks, result.payloads, strict=True
        ):
            check.fold(check_state, line, payload)
        if result.keys is not None and self.kind == SFT:
            output_key = result.keys[2]
            state.outputs[output_key] += 1
            state.first_output_line.setdefault(output_key, line)
        keys = result.keys
        if keys is not None:
            unique = check_exact(
                self.sink,
                self.index,
                state.exact,
                (line, result.ordinal, result.self_instruct),
                keys,
                self.kind,
                self.reference,
            )
            if unique and (result.near is not None or result.texts is not None):
                state.compared.add(
                    line,
                    result.ordinal,
                    label,
                    keys[1],
                    result.self_instruct,
                    result.near,
                    result.texts,
                )

    # ------------------------------------------------------------------ dataset level

    def _finish(self, dataset: Dataset, state: _State) -> None:
        for (code, key), lines in state.patterns.items():
            rows = sorted(set(lines))
            if code == Q006.code:  # key: the field
                message = whitespace_summary(key, rows, state.valid)
                self.sink.add_hit(code, rows[0], message, field=key)
                continue
            if len(rows) > 1:  # F026, key: the message with its indexes as [*]
                key += f" ({len(rows):,} of {state.examples:,} examples: lines {lines_shown(rows)})"
            self.sink.add_hit(code, rows[0], key)
        unique = state.valid - state.exact.exact
        state.unique = unique
        training = not (dataset.format is None and not state.examples) and self.reference is None
        counts = FileCounts(examples=state.examples, valid=state.valid, unique=unique)
        for check, check_state in zip(self.file_checks, state.checks, strict=True):
            if training or not check.training_only:
                check.finish(check_state, self.sink, counts)
        if not training:
            return  # size and balance rules are about training data, not an eval split
        thresholds = self.thresholds
        check_size(
            self.sink,
            unique,
            self.model.min_examples,
            thresholds.recommended_examples,
            self.model.name,
        )
        if state.labels:
            check_balance(
                self.sink,
                state.labels,
                thresholds.min_examples_per_class,
                thresholds.imbalance_fraction,
            )
        check_same_output(self.sink, state.outputs, state.first_output_line, state.valid)
        if state.conventions:
            check_conventions(
                self.sink,
                state.conventions,
                thresholds.prompt_separators,
                thresholds.convention_share,
            )

    # ------------------------------------------------------------------ facts

    def _cost(self, state: _State) -> CostFacts:
        assert self.encoder is not None
        examples_for_epochs = max(state.unique, 0)
        epochs = self.options.epochs or default_epochs(examples_for_epochs, self.providers.defaults)
        price = self.model.training_price_per_million
        charged = state.billable * epochs
        return CostFacts(
            model=self.model.name,
            encoding=self.encoder.name,
            exact_tokenizer=self.encoder.note is None,
            token_limit=self.model.training_context,
            epochs=epochs,
            epochs_source="--epochs"
            if self.options.epochs
            else self.providers.defaults.epochs_source,
            billable_tokens_per_epoch=state.billable,
            charged_tokens=charged,
            price_per_million_usd=price,
            estimated_cost_usd=None if price is None else round(charged * price / 1e6, 4),
            price_source=self.model.source,
            price_read=self.model.read,
        )

    def _facts(self, dataset: Dataset, state: _State) -> DatasetFacts:
        counted = self.context_flags.count
        keyed = self.context_flags.keys
        examples = state.examples
        return DatasetFacts(
            file=self.file,
            format=dataset.format,
            kind=dataset.kind,
            container=dataset.container,
            encoding="utf-8-sig" if dataset.has_bom else "utf-8",
            line_endings="crlf" if dataset.crlf else "lf",
            examples=examples,
            valid_examples=state.valid,
            invalid_examples=state.invalid,
            unique_examples=state.unique if keyed else None,
            duplicate_rate=(round(state.exact.exact / max(1, state.valid), 4) if keyed else None),
            messages_per_example=Distribution.of(state.message_counts),
            tokens_per_example=Distribution.of(state.tokens),
            token_histogram=histogram(state.tokens),
            assistant_tokens_per_example=Distribution.of(state.assistant_tokens),
            total_tokens=sum(state.tokens),
            tokens_counted=counted,
            missing_system=state.missing_system,
            missing_user=state.missing_user,
            over_token_limit=state.over_limit,
            duplicates=DuplicateFacts(
                exact=state.exact.exact,
                identical=state.exact.identical,
                conflicting=state.exact.conflicting,
                duplicate_inputs=state.exact.duplicate_inputs,
                leaked_into_eval=state.exact.leaked,
                near=state.near,
                semantic=state.semantic,
            )
            if keyed
            else None,
            labels=dict(state.labels.most_common()) if state.labels else None,
            text_column=dataset.text_column,
            label_column=dataset.label_column,
            cost=self._cost(state) if counted and examples else None,
            notes=dataset.notes,
        )


ANY_INDEX = re.compile(r"\[\d+\]")
# Rules reported once per file and pattern, with a count and the first lines, not
# once per row: a habit of whoever wrote the file (Q006, by field) or another tool's
# shape (F026, by message with its indexes as [*]).
PER_FILE = frozenset({Q006.code, F026.code})


@dataclass
class _State:
    examples: int = 0
    valid: int = 0
    invalid: int = 0
    unique: int = 0
    # Exact duplicates, conflicts and leaks; near/semantic conflicts and leaks add to it.
    exact: ExactCounts = field(default_factory=ExactCounts)
    # PER_FILE rules: the lines of each pattern, by (code, field or message).
    patterns: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    missing_system: int = 0
    missing_user: int = 0
    over_limit: int = 0
    billable: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    tokens: array[int] = field(default_factory=lambda: array("q"))
    assistant_tokens: array[int] = field(default_factory=lambda: array("q"))
    message_counts: array[int] = field(default_factory=lambda: array("l"))
    compared: Compared = field(default_factory=Compared)
    near: int | None = None
    semantic: int | None = None
    conventions: list[tuple[int, int, bool, str]] = field(default_factory=list)
    # Each whole-file check's state, in the order of FileLinter.file_checks.
    checks: list[Any] = field(default_factory=list)
    # Q012: how many generation examples give each output (by key), and where first.
    outputs: Counter[int] = field(default_factory=Counter)
    first_output_line: dict[int, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- entry points


def run_lint(
    paths: Iterable[Path | str],
    options: LintOptions | None = None,
    *,
    eval_path: Path | str | None = None,
    inputs: Inputs | None = None,
) -> LintRun:
    """Lint files (and an optional eval split, checked for leakage against the first);
    ``inputs``: the files ``paths`` name, when the caller has found them already."""
    options = options or LintOptions()
    catalogue = load_catalogue()
    check_patterns(options.select, "select", catalogue.rules)
    check_patterns(options.ignore, "ignore", catalogue.rules)
    providers = load_providers()
    model = providers.model(options.model)
    # Loading an encoding costs ~0.4 s; only token counts (T001), the note that they
    # are approximate (T003) and the shingles of near duplicates (D002-D004 without
    # --no-near) read it.
    wanted = needed(options, "encoder") or (options.near and needed(options, "near"))
    encoder = load_encoder(model) if wanted else None
    inputs = inputs or find_inputs(paths, options.include)
    files = inputs.files
    embedders = Embedders(options.embedding_model)
    shared = {
        "catalogue": catalogue,
        "providers": providers,
        "model": model,
        "encoder": encoder,
        "embedders": embedders,
    }
    if eval_path is not None and not Path(eval_path).is_file():
        raise InputError(f"{eval_path}: no such file (given as --eval).")
    with cyclic_gc_paused():
        results = [FileLinter(path, options, **shared).run() for path in files]
        eval_result = None
        if eval_path is not None:
            linter = FileLinter(
                Path(eval_path),
                options,
                **shared,
                reference=results[0].index if results else None,
                reference_similar=results[0].similar_index if results else None,
            )
            eval_result = linter.run()
    return LintRun(results, eval_result, inputs.skipped)
