"""The docs probe as terminal text."""

from __future__ import annotations

from advisor.measure.docs_probe import DocsProbe


def render_probe(probe: DocsProbe) -> str:
    """What was measured, each with the answer it gives."""
    fits = "fits in a prompt" if probe.fits_in_prompt else "needs retrieval"
    out = [
        f"{probe.folder}: {probe.files} document(s), {probe.tokens:,} tokens "
        f"({probe.encoding}); {fits} (budget {probe.prompt_budget:,})",
        f"  proprietary_knowledge_volume = {probe.proprietary_knowledge_volume!r}",
    ]
    if probe.change is not None:
        out.append(
            f"  knowledge_changes = {probe.change.knowledge_changes!r} "
            f"({probe.change.per_month} a month, from {probe.change.measured_from})"
        )
    if probe.retrieval is not None:
        result = probe.retrieval
        scores = ", ".join(f"{name} {value:.0%}" for name, value in result.recall.items())
        out.append(
            f"  retrieval_quality = {result.retrieval_quality!r} (recall@{result.k} over "
            f"{result.questions} questions: {scores})"
        )
        out.extend(f"    missed: {question}" for question in result.misses[:10])
    for item in probe.unreadable:
        out.append(f"  unreadable: {item['file']}: {item['reason']}")
    return "\n".join(out)
