"""Held-out splits that never leak: seeded, stratified, duplicate clusters kept together."""

from __future__ import annotations

import random
from collections import defaultdict


def holdout_split(
    labels: list[str],
    groups: list[int],
    fraction: float = 0.2,
    seed: int = 13,
    min_per_class: int = 1,
) -> tuple[list[int], list[int]]:
    """Indexes (train, held_out). Examples sharing a group (a duplicate cluster)
    land on the same side, so no duplicate crosses the split; each class puts
    about ``fraction`` of its groups in the held-out side, at least
    ``min_per_class`` when it has two groups or more."""
    rng = random.Random(seed)
    groups_by_class: dict[str, list[int]] = defaultdict(list)
    members: dict[int, list[int]] = defaultdict(list)
    for index, (label, group) in enumerate(zip(labels, groups, strict=True)):
        if group not in members:
            groups_by_class[label].append(group)
        members[group].append(index)
    held: set[int] = set()
    for label in sorted(groups_by_class):
        class_groups = sorted(groups_by_class[label])
        rng.shuffle(class_groups)
        if len(class_groups) < 2:
            continue
        count = max(min_per_class, round(len(class_groups) * fraction))
        held.update(class_groups[: min(count, len(class_groups) - 1)])
    train = [i for i, g in enumerate(groups) if g not in held]
    test = [i for i, g in enumerate(groups) if g in held]
    return train, test
