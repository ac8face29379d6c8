"""One owner per table (issue 7, item 4): in each service, every table its migrations create is written
(``insert into``, ``update``, ``delete from``) by one module only, and that module is a domain's
``repository.py``. Other domains read through the owner's service or named reads; the import-linter
contracts ``one-owner-*`` (.importlinter) keep them from importing the repository itself.

Named exceptions, each with the reason:
- ``placement/citizens/repair.py``: the one-off merge of citizens stored twice (``python -m
  placement.citizens.repair``) rewrites the citizens it merges in its own transaction.
- Citizen merges through ``vikar_shared.citizen_aliases.apply_merge`` name their tables at run time
  (``CITIZEN_TABLES``), so they are not seen here: a merge moves a citizen's rows in every table at once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("placement", "timesheet", "invoicing", "notifications")
CREATE = re.compile(r"\bcreate\s+table\s+(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)", re.IGNORECASE)
# "on conflict ... do update set" updates the row being inserted: not a second write of another table.
WRITE = re.compile(r"(?<!do )\b(?:insert\s+into|update|delete\s+from)\s+([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
EXCEPTIONS: dict[tuple[str, str], set[str]] = {
    ("placement", "citizens"): {"placement/citizens/repair.py"},
    ("placement", "citizen_name_changes"): {"placement/citizens/repair.py"},
}


def _tables(service: str) -> set[str]:
    return {
        m.group(1).lower()
        for sql in (ROOT / "services" / service / "migrations").glob("*.sql")
        for m in CREATE.finditer(sql.read_text())
    }


def writers(service: str) -> dict[str, set[str]]:
    """Table → the source files (``<package>/<domain>/<module>.py``) whose SQL writes it."""
    src = ROOT / "services" / service / "src"
    tables = _tables(service)
    found: dict[str, set[str]] = defaultdict(set)
    for path in src.rglob("*.py"):
        for m in WRITE.finditer(path.read_text()):
            if m.group(1).lower() in tables:
                found[m.group(1).lower()].add(path.relative_to(src).as_posix())
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_each_table_is_written_by_one_repository(service: str) -> None:
    found = writers(service)
    assert found, f"no SQL writes found in {service}: the scan is broken"
    wrong = {}
    for table, modules in found.items():
        owners = modules - EXCEPTIONS.get((service, table), set())
        if len(owners) != 1 or not next(iter(owners)).endswith("/repository.py"):
            wrong[table] = sorted(modules)
    assert wrong == {}, f"tables of {service} written by more than one module, or outside a repository"


def test_the_scan_sees_a_second_writer() -> None:
    """The scan is honest: the same SQL in two modules is two writers, and ``do update set`` is none."""
    sql = "insert into entries (id) values ($1) on conflict (id) do update set id = excluded.id"
    assert [m.group(1) for m in WRITE.finditer(sql)] == ["entries"]
    assert writers("timesheet")["entries"] == {"timesheet/entries/repository.py"}
