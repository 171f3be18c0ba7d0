"""The docs-probe workflow: measure a folder of documents and write ``docs.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.workflows.settings import ProbeSettings

if TYPE_CHECKING:
    from advisor.measure.docs_probe import DocsProbe


def measure_docs(settings: ProbeSettings) -> DocsProbe:
    """Volume, change rate and (with ``questions``) retrieval recall; nothing leaves
    this machine. Writes ``settings.output`` atomically."""
    from advisor.fsutil import refuse_to_overwrite, write_atomic
    from advisor.measure.docs_probe import probe_docs

    refuse_to_overwrite([("-o", settings.output)], [("--questions", settings.questions)])
    probe = probe_docs(
        settings.folder,
        questions=settings.questions,
        model=settings.model,
        progress=not settings.quiet,
    )
    write_atomic(settings.output, probe.model_dump_json(indent=2) + "\n")
    return probe


def probe(folder: Any, **given: Any) -> DocsProbe:
    """The library's ``advisor probe-docs FOLDER`` (``questions``, ``model``, ``output``)."""
    from pathlib import Path

    from advisor.settings import resolve

    given["folder"] = Path(folder)
    return measure_docs(resolve(ProbeSettings, given))
