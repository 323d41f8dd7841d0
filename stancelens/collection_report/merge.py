"""Targets merged across articles by the pipeline's own alias rules (`stancelens.targets`).

Each article's result already names its targets canonically (countries by `countryinfo`, people without
titles), so most targets meet under one name. What is left is what an article's resolver does between an
article's names: a one-word name ("Putin") is the one person of the collection with that surname, else with
that given name ("Vladimir Putin"); with two ("George Bush", "Jeb Bush") it is nobody's and stays apart. A
target given with --targets takes every target it matches (`match_actors`), under its own spelling.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..targets import names
from ..targets.resolver import match_actors, user_target
from ..targets.target import Target


@dataclass
class Group:
    name: str
    requested: bool
    members: list[str] = field(default_factory=list)  # the result names merged here, most used first


def _collection_target(name: str, aliases: list[str]) -> Target:
    person = None if names.country(name) else names.person(name)
    # Taken for a person's: a name of two words or more, each capitalised and none a function word ("Bank of X").
    kind = "person" if person and person.surname and all(
        w[:1].isupper() and w.lower() not in names.STOP_WORDS for w in name.split()) else "group"
    return Target(name=name, origin="auto", aliases={name, *aliases}, kind=kind, person=person)


def _owner(word: str, full: list[int], found: list[Target]) -> int | None:
    """The one full-named person a one-word name stands for, by surname and else by given name."""
    if not names.name_part_ok(word):
        return None
    for parts in (lambda p: names.surname_forms(p.surname), lambda p: {p.given}):
        owners = [i for i in full if word in parts(found[i].person)]
        if owners:
            return owners[0] if len(owners) == 1 else None
    return None


def merge_targets(used: list[tuple[str, list[str], int]], requested: list[str]) -> tuple[list[Group], dict[str, int]]:
    """Groups of the collection's target names, and each name's group (an index into the groups).

    `used` holds each distinct target name of the results with its aliases and the articles naming it, most
    used first; `requested` the --targets, whose groups come first, in their order, even when empty.
    """
    found = [_collection_target(name, aliases) for name, aliases, _ in used]
    count = {name: n for name, _, n in used}
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    full = [i for i, t in enumerate(found) if t.kind == "person" and " " in t.name]
    for i, target in enumerate(found):
        if " " not in target.name:
            owner = _owner(target.name, full, found)
            if owner is not None:
                parent[root(i)] = root(owner)
    groups: list[Group] = []
    of: dict[int, int] = {}
    for surface in requested:
        wanted = user_target(surface)
        may_be_person = wanted.person is not None and names.country(wanted.name) is None
        same, _ = match_actors(wanted, found, may_be_person)
        index = len(groups)
        groups.append(Group(wanted.name if names.country(surface) else surface.strip(), requested=True))
        for i in same:
            of.setdefault(root(i), index)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(found)):
        members[root(i)].append(i)
    for r, indices in sorted(members.items(), key=lambda kv: min(kv[1])):  # `used` is most used first
        if r not in of:
            of[r] = len(groups)
            groups.append(Group(found[indices[0]].name, requested=False))
    by_name: dict[str, int] = {}
    for i, target in enumerate(found):
        g = of[root(i)]
        by_name[target.name] = g
        groups[g].members.append(target.name)
    for group in groups:
        group.members.sort(key=lambda name: -count[name])
        if not group.requested and group.members:
            group.name = group.members[0]
    return groups, by_name
