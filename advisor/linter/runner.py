"""Lint one or more files: stream examples, run every check, measure the facts.

One pass over each file. Each example is analysed on its own (``analyse``,
possibly in worker processes), then folded in file order into what needs the
whole file: duplicates, leakage, balance, conventions. What that keeps is
hashes and small integers, so memory grows only with those.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.datasets import Dataset, open_dataset
from advisor.datasets import formats as fmt
from advisor.datasets.model import CLASSIFICATION, PREFERENCE, TEXT
from advisor.errors import InputError
from advisor.linter.analyse import Context, ExampleResult
from advisor.linter.catalogue import Catalogue, load_catalogue
from advisor.linter.facts import (
    CostFacts,
    DatasetFacts,
    Distribution,
    DuplicateFacts,
    FindingModel,
    LintReport,
)
from advisor.linter.findings import SEVERITY_RANK, Finding
from advisor.linter.parallel import analyse_dataset
from advisor.linter.similar import (
    Compared,
    Embedders,
    Reference,
    SimilarIndex,
    SimilarSettings,
    find_similar,
)
from advisor.linter.sink import FindingSink, FixPlan
from advisor.providers.tokens import (
    Encoder,
    ModelProfile,
    Providers,
    RoleProfile,
    default_epochs,
    load_encoder,
    load_providers,
)
from advisor.version import __version__

DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".txt", ".ndjson")


@dataclass
class LintOptions:
    """Everything that changes what lint checks; mirrors the CLI flags."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    model: str | None = None
    epochs: int | None = None
    input_format: str | None = None
    text_column: str | None = None
    label_column: str | None = None
    # Worker processes for large JSON Lines files (None: one per core).
    workers: int | None = None
    # Near duplicates (MinHash) run by default; semantic ones (embeddings) on request.
    near: bool = True
    semantic: bool = False
    # "full": every text through the model; "fast": a static embedding proposes
    # candidates and the model confirms them (see advisor/static_embeddings.py).
    semantic_tier: str = "full"
    embedding_model: str | None = None
    quiet: bool = False


@dataclass
class DuplicateIndex:
    """First line of every example and every input seen in a training file."""

    file: str
    examples: dict[int, int] = field(default_factory=dict)
    inputs: dict[int, tuple[int, int]] = field(default_factory=dict)
    identical: set[int] = field(default_factory=set)


@dataclass
class FileResult:
    findings: list[Finding]
    facts: DatasetFacts
    fix_plan: FixPlan
    index: DuplicateIndex
    dataset: Dataset
    similar_index: SimilarIndex | None = None


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
        encoder: Encoder,
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
        self.add = self.sink.add
        self.selected = self.sink.selected
        self.fix_plan = self.sink.fix_plan
        self.index = DuplicateIndex(self.file)
        self.empty_markers = frozenset(m.lower() for m in self.thresholds.empty_markers)
        self.kind: str | None = None

    # ------------------------------------------------------------------ run

    def context(self) -> Context:
        rules = self.catalogue.rules
        return Context(
            encoder=self.encoder,
            tool_overhead=self.model.tool_overhead,
            error_codes=frozenset(
                code
                for code, rule in rules.items()
                if rule.severity == "error" or code in self.role_profile.escalate
            ),
            empty_markers=self.empty_markers,
            separators=tuple(self.thresholds.prompt_separators),
            wanted=frozenset(code for code in rules if self.selected(code)),
            # --ignore D004 (D005) switches the near (semantic) level off entirely,
            # its conflicts and leaks included: the way to skip its cost.
            near=self.options.near and self.selected("D004"),
            semantic=self.options.semantic and self.selected("D005"),
        )

    def run(self) -> FileResult:
        dataset = open_dataset(
            self.path,
            input_format=self.options.input_format,
            text_column=self.options.text_column,
            label_column=self.options.label_column,
        )
        for problem in dataset.file_problems:
            self.add(problem.code, problem.line, problem.message)
        if dataset.format in fmt.PREFERENCE_FORMATS:
            self.add(
                "F020",
                None,
                f"Preference data ({dataset.format}): train it with DPO/KTO, not supervised "
                "fine-tuning. SFT-only checks (conflicting outputs) are skipped.",
            )
        if self.encoder.note:
            self.add("T003", None, self.encoder.note)
        self.kind = dataset.kind
        state = _State()
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
                self.sink, state.compared, state.leaked_lines, settings, self.embedders, reference
            )
            state.near, state.semantic = found.near, found.semantic
            state.leaked += found.leaked
            state.conflicting += found.conflicting
        else:
            state.near = 0 if self.context_flags.near else None
            state.semantic = 0 if self.context_flags.semantic else None
        self._finish(dataset, state)
        facts = self._facts(dataset, state)
        findings = self.sink.findings
        findings.sort(key=lambda f: (f.line or 0, f.code))
        return FileResult(findings, facts, self.fix_plan, self.index, dataset, similar_index)

    # ------------------------------------------------------------------ per example

    def _merge(self, result: ExampleResult | tuple[Any, ...], state: _State) -> None:
        """Fold one analysed example into the file's findings and state, in file order."""
        (
            line,
            ordinal,
            self_instruct,
            problems,
            invalid,
            counted,
            hits,
            edits,
            keys,
            tokens,
            assistant_tokens,
            messages,
            label,
            convention,
            missing_system,
            missing_user,
            near,
            texts,
        ) = result
        state.examples += 1
        for code, problem_line, message, field_name in problems:
            self.add(code, problem_line, message, field=field_name)
        if counted:
            state.tokens.append(tokens)
            state.assistant_tokens.append(assistant_tokens)
            state.message_counts.append(messages)
            limit = self.model.training_context
            state.billable += min(limit, tokens)
            if tokens > limit:
                state.over_limit += 1
                self.add(
                    "T001",
                    line,
                    f"{tokens:,} tokens ({self.encoder.name}), over the {limit:,}-token "
                    f"training limit of {self.model.name}; it will be truncated. Shorten or "
                    "split it.",
                )
        if invalid:
            state.invalid += 1
            return
        state.valid += 1
        state.missing_system += missing_system
        state.missing_user += missing_user
        for code, message, field_name in hits:
            self.add(code, line, message, field=field_name)
        for path, action in edits:
            self.fix_plan.edit(ordinal, path, action)
        if label is not None:
            state.labels[label] += 1
        if convention is not None:
            state.conventions.append((line, *convention))
        if keys is not None:
            unique = self._check_duplicates(line, ordinal, self_instruct, keys, state)
            if unique and (near is not None or texts is not None):
                state.compared.add(line, ordinal, label, keys[1], self_instruct, near, texts)

    def _check_duplicates(
        self,
        line: int,
        ordinal: int,
        self_instruct: bool,
        keys: tuple[int, int, int, int],
        state: _State,
    ) -> bool:
        """Exact duplicates, exact conflicts and exact leaks; False for an exact duplicate."""
        whole, prompt, output, raw_key = keys
        identical = raw_key in self.index.identical
        self.index.identical.add(raw_key)
        first = self.index.examples.get(whole)
        if first is not None:
            state.exact += 1
            state.identical += identical
            state.duplicate_inputs += 1
            how = "" if identical else " (after whitespace normalisation)"
            finding = self.add(
                "D001",
                line,
                f"Exact duplicate of line {first}{how}.",
                duplicate_of={"file": self.file, "line": first},
                similarity=1.0,
                kind="exact",
            )
            if finding is not None and not self_instruct:
                self.fix_plan.drop.add(ordinal)
            unique = False
        else:
            unique = True
            self.index.examples[whole] = line
            seen = self.index.inputs.get(prompt)
            if seen is None:
                self.index.inputs[prompt] = (line, output)
            else:
                state.duplicate_inputs += 1
                if self.kind not in (PREFERENCE, TEXT) and seen[1] != output:
                    state.conflicting += 1
                    what = "label" if self.kind == CLASSIFICATION else "output"
                    self.add(
                        "D002",
                        line,
                        f"Same input as line {seen[0]} with a different {what}.",
                        duplicate_of={"file": self.file, "line": seen[0]},
                        similarity=1.0,
                        kind="conflict",
                    )
        if self.reference is not None:
            leaked = self.reference.inputs.get(prompt)
            if leaked is not None:
                state.leaked += 1
                state.leaked_lines.add(line)
                self.add(
                    "D003",
                    line,
                    f"This evaluation example's input is also in {self.reference.file} "
                    f"(line {leaked[0]}); it inflates evaluation scores.",
                    duplicate_of={"file": self.reference.file, "line": leaked[0]},
                    similarity=1.0,
                    kind="leak",
                )
        return unique

    # ------------------------------------------------------------------ dataset level

    def _finish(self, dataset: Dataset, state: _State) -> None:
        unique = state.valid - state.exact
        state.unique = unique
        if (dataset.format is None and not state.examples) or self.reference is not None:
            return  # size and balance rules are about training data, not an eval split
        minimum = self.model.min_examples
        recommended = self.thresholds.recommended_examples
        if unique < minimum:
            self.add(
                "S001",
                None,
                f"{unique} unique valid example(s); {self.model.name} needs at least {minimum}.",
            )
        elif unique < recommended:
            self.add(
                "S002",
                None,
                f"{unique} unique valid examples; guidance is at least {recommended} "
                "(improvements usually show from 50 to 100).",
            )
        if state.labels:
            self._check_balance(state.labels)
        if state.conventions:
            self._check_conventions(state.conventions)

    def _check_balance(self, labels: Counter[str]) -> None:
        floor = self.thresholds.min_examples_per_class
        total = sum(labels.values())
        classes = len(labels)
        for label, count in sorted(labels.items(), key=lambda item: item[1]):
            if count < floor:
                self.add(
                    "S003",
                    None,
                    f"Class {label!r} has {count} example(s); at least {floor} are needed to "
                    "learn and test it.",
                )
        if classes > 1:
            label, count = min(labels.items(), key=lambda item: item[1])
            share = count / total
            if share < self.thresholds.imbalance_fraction / classes:
                biggest, most = max(labels.items(), key=lambda item: item[1])
                self.add(
                    "S004",
                    None,
                    f"Class {label!r} holds {share:.1%} of {total} examples ({count} vs "
                    f"{most} for {biggest!r}); rebalance or collect more.",
                )

    def _check_conventions(self, rows: list[tuple[int, int, bool, str]]) -> None:
        """Q007/Q008: flag the minority when most rows follow a convention."""
        separators = self.thresholds.prompt_separators
        n = len(rows)
        self._flag_minority(
            [(line, separators[sep] if sep >= 0 else None) for line, sep, _, _ in rows],
            "Q007",
            lambda value, count: (
                f"Prompt does not end with the separator {value!r} that {count} of {n} prompts use."
            ),
        )
        self._flag_minority(
            [(line, True if space else None) for line, _, space, _ in rows],
            "Q008",
            lambda _, count: f"Completion does not start with a space, unlike {count} of {n}.",
        )
        self._flag_minority(
            [(line, stop or None) for line, _, _, stop in rows],
            "Q008",
            lambda value, count: (
                f"Completion does not end with the stop sequence {value!r} "
                f"that {count} of {n} completions use."
            ),
        )

    def _flag_minority(self, rows: list[tuple[int, Any]], code: str, message: Any) -> None:
        """When at least ``convention_share`` of rows share one value, flag the others."""
        values = Counter(value for _, value in rows if value is not None)
        if not values:
            return
        value, count = values.most_common(1)[0]
        if self.thresholds.convention_share <= count / len(rows) < 1:
            for line, found in rows:
                if found != value:
                    self.add(code, line, message(value, count))

    # ------------------------------------------------------------------ facts

    def _facts(self, dataset: Dataset, state: _State) -> DatasetFacts:
        examples_for_epochs = max(state.unique, 0)
        epochs = self.options.epochs or default_epochs(examples_for_epochs, self.providers.defaults)
        price = self.model.training_price_per_million
        charged = state.billable * epochs
        cost = CostFacts(
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
            unique_examples=state.unique,
            duplicate_rate=round(state.exact / state.valid, 4) if state.valid else 0.0,
            messages_per_example=Distribution.of(state.message_counts),
            tokens_per_example=Distribution.of(state.tokens),
            token_histogram=histogram(state.tokens),
            assistant_tokens_per_example=Distribution.of(state.assistant_tokens),
            total_tokens=sum(state.tokens),
            missing_system=state.missing_system,
            missing_user=state.missing_user,
            over_token_limit=state.over_limit,
            duplicates=DuplicateFacts(
                exact=state.exact,
                identical=state.identical,
                conflicting=state.conflicting,
                duplicate_inputs=state.duplicate_inputs,
                leaked_into_eval=state.leaked,
                near=state.near,
                semantic=state.semantic,
            ),
            labels=dict(state.labels.most_common()) if state.labels else None,
            text_column=dataset.text_column,
            label_column=dataset.label_column,
            cost=cost if examples else None,
            notes=dataset.notes,
        )


@dataclass
class _State:
    examples: int = 0
    valid: int = 0
    invalid: int = 0
    unique: int = 0
    exact: int = 0
    identical: int = 0
    conflicting: int = 0
    duplicate_inputs: int = 0
    leaked: int = 0
    missing_system: int = 0
    missing_user: int = 0
    over_limit: int = 0
    billable: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    tokens: array[int] = field(default_factory=lambda: array("q"))
    assistant_tokens: array[int] = field(default_factory=lambda: array("q"))
    message_counts: array[int] = field(default_factory=lambda: array("l"))
    compared: Compared = field(default_factory=Compared)
    leaked_lines: set[int] = field(default_factory=set)
    near: int | None = None
    semantic: int | None = None
    conventions: list[tuple[int, int, bool, str]] = field(default_factory=list)


def histogram(values: Any, bins: int = 24) -> list[dict[str, int]]:
    """Counts of ``values`` in equal-width bins from 0 to the largest value."""
    if not len(values):
        return []
    top = max(max(values), 1)
    width = max(1, -(-top // bins))
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, value // width)] += 1
    return [
        {"low": index * width, "high": (index + 1) * width, "count": count}
        for index, count in enumerate(counts)
    ]


# --------------------------------------------------------------------------- entry points


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, and the data files inside any directory (sorted, recursive)."""
    result: list[Path] = []
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
            )
            if not found:
                raise InputError(
                    f"{path}: the directory holds no .jsonl, .json, .csv or .tsv files."
                )
            result.extend(found)
        elif not path.exists():
            raise InputError(f"{path}: no such file.")
        else:
            result.append(path)
    return result


@dataclass
class LintRun:
    """Everything one lint invocation produced, before it is printed."""

    results: list[FileResult]
    eval_result: FileResult | None

    @property
    def findings(self) -> list[Finding]:
        found = [f for r in self.results for f in r.findings]
        if self.eval_result is not None:
            found.extend(self.eval_result.findings)
        return found

    def report(self) -> LintReport:
        findings = self.findings
        counts = Counter(f.severity for f in findings)
        return LintReport(
            advisor_version=__version__,
            findings=[FindingModel(**f.to_dict()) for f in findings],
            facts=self.results[0].facts if self.results else None,
            eval_facts=self.eval_result.facts if self.eval_result else None,
            files=[r.facts for r in self.results]
            + ([self.eval_result.facts] if self.eval_result else []),
            summary={
                "files": len(self.results) + (1 if self.eval_result else 0),
                "findings": len(findings),
                "errors": counts.get("error", 0),
                "warnings": counts.get("warning", 0),
                "info": counts.get("info", 0),
            },
        )

    def worst_at_or_above(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        threshold = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)


def run_lint(
    paths: Iterable[Path | str],
    options: LintOptions | None = None,
    *,
    eval_path: Path | str | None = None,
) -> LintRun:
    """Lint files (and an optional eval split, checked for leakage against the first)."""
    options = options or LintOptions()
    catalogue = load_catalogue()
    providers = load_providers()
    model = providers.model(options.model)
    encoder = load_encoder(model)
    files = expand_paths(paths)
    embedders = Embedders(options.embedding_model)
    shared = {
        "catalogue": catalogue,
        "providers": providers,
        "model": model,
        "encoder": encoder,
        "embedders": embedders,
    }
    results = [FileLinter(path, options, **shared).run() for path in files]
    eval_result = None
    if eval_path is not None:
        if not Path(eval_path).is_file():
            raise InputError(f"{eval_path}: no such file (given as --eval).")
        linter = FileLinter(
            Path(eval_path),
            options,
            **shared,
            reference=results[0].index if results else None,
            reference_similar=results[0].similar_index if results else None,
        )
        eval_result = linter.run()
    return LintRun(results, eval_result)
