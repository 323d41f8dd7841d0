"""Targets: the actors an article names and the names a user gives, merged by one alias resolver,
with every mention found: names, and the pronouns and nominals that refer to them.

- `names.py`: what a name is made of (countries from `countryinfo`, people's titles, given names,
  surnames and suffixes from `nameparser`'s word lists);
- `resolver.py`: the actors NER finds, merged, and the user's targets matched against them;
- `mentions.py`: every occurrence of a target's names;
- `references.py`: the pronouns and nominals resolved to a target.
"""

from .names import country_aliases
from .references import resolve_references
from .resolver import actors, discover_targets, resolve_targets, user_target
from .mentions import find_mentions
from .target import Target

__all__ = ["Target", "actors", "country_aliases", "discover_targets", "find_mentions", "resolve_references",
           "resolve_targets", "user_target"]
