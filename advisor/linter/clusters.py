"""Duplicate clusters for `advisor dups`: built from the lint findings, nothing re-decided.

Every duplicate finding (D001 exact, D004 near, D005 semantic) points at an
earlier example; following those links to the end gives the cluster's keeper,
the first occurrence, which is what ``--fix`` keeps.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from advisor.linter.findings import Finding
from advisor.linter.rules.duplicates import D001, D003, D004, D005

DUPLICATE_CODES = {D001.code: "exact", D004.code: "near", D005.code: "semantic"}


class Place(BaseModel):
    file: str
    line: int


class Member(Place):
    kind: str
    similarity: float
    duplicate_of: Place


class Cluster(BaseModel):
    keeper: Place
    members: list[Member]


class Link(BaseModel):
    """A conflict (same input, different output) or a train/eval leak."""

    kind: str
    code: str
    example: Place
    matches: Place
    similarity: float
    message: str


class DuplicateReport(BaseModel):
    clusters: list[Cluster]
    conflicts: list[Link]
    leaks: list[Link]
    summary: dict[str, int]


def build_clusters(findings: list[Finding]) -> DuplicateReport:
    target: dict[tuple[str, int], tuple[str, int]] = {}
    members: dict[tuple[str, int], Finding] = {}
    conflicts: list[Link] = []
    leaks: list[Link] = []
    for finding in findings:
        if finding.line is None or finding.duplicate_of is None:
            continue
        here = (finding.file, finding.line)
        there = (finding.duplicate_of["file"], finding.duplicate_of["line"])
        if finding.code in DUPLICATE_CODES:
            target[here] = there
            members[here] = finding
        else:
            link = Link(
                kind=finding.kind or "",
                code=finding.code,
                example=Place(file=here[0], line=here[1]),
                matches=Place(file=there[0], line=there[1]),
                similarity=finding.similarity or 0.0,
                message=finding.message,
            )
            (leaks if finding.code == D003.code else conflicts).append(link)

    def keeper_of(place: tuple[str, int]) -> tuple[str, int]:
        seen = set()
        while place in target and place not in seen:
            seen.add(place)
            place = target[place]
        return place

    grouped: dict[tuple[str, int], list[Member]] = defaultdict(list)
    for place, finding in members.items():
        keeper = keeper_of(place)
        grouped[keeper].append(
            Member(
                file=place[0],
                line=place[1],
                kind=DUPLICATE_CODES[finding.code],
                similarity=finding.similarity or 1.0,
                duplicate_of=Place(file=target[place][0], line=target[place][1]),
            )
        )
    clusters = [
        Cluster(keeper=Place(file=k[0], line=k[1]), members=sorted(v, key=lambda m: m.line))
        for k, v in sorted(grouped.items(), key=lambda item: item[0][1])
    ]
    kinds = defaultdict(int)
    for cluster in clusters:
        for member in cluster.members:
            kinds[member.kind] += 1
    return DuplicateReport(
        clusters=clusters,
        conflicts=conflicts,
        leaks=leaks,
        summary={
            "clusters": len(clusters),
            "duplicates": sum(len(c.members) for c in clusters),
            "exact": kinds["exact"],
            "near": kinds["near"],
            "semantic": kinds["semantic"],
            "conflicts": len(conflicts),
            "leaks": len(leaks),
        },
    )


def render_clusters(report: DuplicateReport, shown: int = 20) -> str:
    out: list[str] = []
    for cluster in report.clusters[:shown]:
        out.append(f"keep {cluster.keeper.file}:{cluster.keeper.line}")
        for member in cluster.members[:8]:
            out.append(f"  drop {member.file}:{member.line}  {member.kind} {member.similarity:.2f}")
        if len(cluster.members) > 8:
            out.append(f"  … and {len(cluster.members) - 8} more")
    if len(report.clusters) > shown:
        out.append(f"… and {len(report.clusters) - shown} more clusters (--format json lists all)")
    for title, links in (("conflicts", report.conflicts), ("leaks", report.leaks)):
        if links:
            out.append(f"\n{title}:")
            for link in links[:shown]:
                out.append(
                    f"  {link.example.file}:{link.example.line} ~ {link.matches.file}:"
                    f"{link.matches.line}  {link.similarity:.2f}"
                )
            if len(links) > shown:
                out.append(f"  … and {len(links) - shown} more")
    s = report.summary
    out.append(
        f"\n{s['clusters']} cluster(s), {s['duplicates']} duplicate(s) (exact {s['exact']}, near "
        f"{s['near']}, semantic {s['semantic']}), {s['conflicts']} conflict(s), {s['leaks']} "
        "leak(s)."
    )
    return "\n".join(out) + "\n"
