"""How to write a chosen set of modules so that PEFT selects exactly that set.

`suggest` turns "these modules" into `target_modules` entries, `target_parameters` entries and
`rank_pattern` / `alpha_pattern` keys, and `inspect` shows the entry that selects one row. PEFT
matches a list entry by full name or `.`-suffix, and a pattern key with
`re.match(rf"(.*\\.)?({key})$", name)`, so a name that reads well can select too much: `c_proj` on
GPT-2 is both the attention output and the FFN down projection, `output.dense` on BERT also ends
`attention.output.dense`. Each function here picks the shortest name that selects the set and
nothing outside it, falling back to a longer suffix, a layer-anchored regex, or full names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_INDEX = re.compile(r"^\d+$")


def suffix_matches(entry: str, names: Iterable[str]) -> set[str]:
    """The names a target_modules / target_parameters list entry matches (exact or `.`-suffix)."""
    suffix = "." + entry
    return {n for n in names if n == entry or n.endswith(suffix)}


def pattern_matches(key: str, names: Iterable[str]) -> set[str]:
    """The names a rank_pattern / alpha_pattern key matches, as PEFT's `get_pattern_key` does."""
    compiled = re.compile(rf"(.*\.)?({key})$")
    return {n for n in names if compiled.match(n)}


def _common_suffixes(selected: list[str]) -> list[str]:
    """Dotted suffixes shared by every selected name, shortest first, up to a layer index."""
    split = [name.split(".") for name in selected]
    out: list[str] = []
    depth = 1
    while all(len(parts) >= depth for parts in split):
        tails = {tuple(parts[-depth:]) for parts in split}
        if len(tails) != 1:
            break
        tail = next(iter(tails))
        if _INDEX.match(tail[0]):
            break  # a suffix that starts at a layer index names one layer, not a role
        out.append(".".join(tail))
        depth += 1
    return out


def exact_entry(selected: Iterable[str], universe: Iterable[str]) -> str | None:
    """The shortest list entry that matches exactly `selected` among `universe`, if there is one."""
    chosen = sorted(set(selected))
    pool = list(universe)
    for suffix in _common_suffixes(chosen):
        if suffix_matches(suffix, pool) == set(chosen):
            return suffix
    return None


def list_entries(rows: list[list[str]], universe: Iterable[str]) -> list[str]:
    """List entries that together match exactly the union of `rows` among `universe`.

    Each row (the modules of one role, e.g. every `q_proj`) gets the shortest entry that matches
    exactly that row; when none does, the shortest one that matches the row and nothing outside
    the union (BERT's FFN `output.dense`, which also matches the targeted `attention.output.dense`);
    failing that, the row's full names. A row already covered by earlier entries adds nothing.
    """
    pool = list(universe)
    wanted = {name for row in rows for name in row}
    covered: set[str] = set()
    entries: list[str] = []
    for row in rows:
        if not row or set(row) <= covered:
            continue
        entry = exact_entry(row, pool)
        if entry is None:
            entry = next(
                (s for s in _common_suffixes(sorted(set(row))) if suffix_matches(s, pool) <= wanted),
                None,
            )
        if entry is None:
            new = [name for name in row if name not in covered]
            entries.extend(new)
            covered.update(new)
            continue
        entries.append(entry)
        covered |= suffix_matches(entry, pool)
    return entries


def pattern_key(selected: Iterable[str], candidates: Iterable[str], paths: dict[str, str] | None = None) -> str:
    """A rank_pattern key matching exactly `selected` among `candidates` (the targeted names).

    Tries the shortest common suffix (dots escaped), then the path inside the layer anchored at
    the layer index (`\\d+\\.output\\.dense`: BERT's FFN output, not `attention.output.dense`),
    then an alternation of the full names.
    """
    chosen = sorted(set(selected))
    pool = list(candidates)
    target = set(chosen)
    for suffix in _common_suffixes(chosen):
        key = re.escape(suffix)
        if pattern_matches(key, pool) == target:
            return key
    inner = {paths.get(name) for name in chosen} if paths else set()
    if len(inner) == 1 and None not in inner:
        key = r"\d+\." + re.escape(next(iter(inner)))
        if pattern_matches(key, pool) == target:
            return key
    return "|".join(re.escape(name) for name in chosen)
