"""SQL of this service's side of citizen merges (``citizen_aliases``, migration
``20261130_70_citizen_aliases.sql``; the shared part is ``vikar_shared.citizen_aliases``)."""

from __future__ import annotations

# Every table whose rows name a citizen, each with the alias trigger: the placements read model and the
# entries (each entry copies its placement's citizen, which the 12-hour day is summed by). A merge
# (``vikar_shared.citizen_aliases.apply_merge``) rewrites them all in its one transaction: the named
# exception to "one repository writes a table", since a merge must move the citizen's rows everywhere at once.
CITIZEN_TABLES: tuple[str, ...] = ("placements", "entries")
