"""Peppol documents of statements, timed (issue 11): ``n`` statements of realistic size (``lines`` citizens each,
1-20 co-financing entries per citizen, a tenth late: :func:`invoicing.peppol.examples.realistic`) built as UBL
Invoices and each validated by the official artefacts (UBL 2.1 XSD, CEN EN 16931 and Peppol BIS 3 Schematron).

Prints the one-off compile time of the XSDs and XSLTs, documents/s for generating alone and for generating and
validating, and fails (exit 1) when any document has a fatal finding. In-process, one thread; no servers.
The artefacts: ``deploy/local/test`` or ``deploy/local/up`` fetch them (``INVOICING_PEPPOL_ARTEFACTS_DIR`` or
``VIKAR_STACK_DIR`` say where, as for the service).

    uv run python bench/peppol_documents.py [--documents 100] [--lines 100] [--threads 1]

``measure(n, lines, threads)`` returns the figures (bench/statements calls it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from invoicing.peppol.examples import realistic
from invoicing.peppol.ubl import statement_ubl
from invoicing.peppol.validation import validator


@dataclass(frozen=True, slots=True)
class Figures:
    """``compile_seconds``: compiling the artefacts once (0 when this process had them compiled already);
    ``generate_per_second``: documents built per second; ``validated_per_second``: documents built and validated
    per second; ``mean_bytes``: a document's mean size."""

    documents: int
    lines_per_document: int
    threads: int
    compile_seconds: float
    generate_seconds: float
    validate_seconds: float
    mean_bytes: int

    @property
    def generate_per_second(self) -> float:
        return self.documents / self.generate_seconds

    @property
    def validated_per_second(self) -> float:
        return self.documents / (self.generate_seconds + self.validate_seconds)

    def lines(self) -> list[str]:
        return [
            f"peppol: compiling the XSDs and the two Schematron XSLTs once: {self.compile_seconds:.2f} s",
            f"peppol: {self.documents} documents of {self.lines_per_document} lines ({self.mean_bytes // 1024} KiB "
            f"each): generate {self.generate_seconds:.2f} s = {self.generate_per_second:.0f} documents/s",
            f"peppol: generate + validate ({self.threads} validating thread(s)) "
            f"{self.generate_seconds + self.validate_seconds:.2f} s = {self.validated_per_second:.1f} documents/s "
            f"(validate alone {self.documents / self.validate_seconds:.1f} documents/s)",
        ]


class InvalidDocumentError(RuntimeError):
    """A generated document has a fatal finding (the message lists its rule ids)."""


def measure(n: int = 100, lines: int = 100, threads: int = 1) -> Figures:
    """Builds ``n`` statements' documents of ``lines`` lines and validates each (by ``threads`` threads sharing
    the one compiled validator); raises :class:`InvalidDocumentError` for a document with a fatal finding
    (and ``PeppolArtefactsMissingError``)."""
    started = time.perf_counter()
    compiled = validator()
    compile_seconds = time.perf_counter() - started
    statements = [realistic(seed, lines) for seed in range(1, n + 1)]
    started = time.perf_counter()
    documents = [statement_ubl(statement) for statement in statements]
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        reports = list(pool.map(compiled.validate, documents))
    validate_seconds = time.perf_counter() - started
    for statement, report in zip(statements, reports, strict=True):
        if not report.valid:
            ids = ", ".join(sorted({f.rule_id for f in report.fatal}))
            raise InvalidDocumentError(f"{statement.number}: fatal {ids}\n{report.describe()}")
    mean_bytes = sum(len(d) for d in documents) // max(n, 1)
    return Figures(n, lines, threads, compile_seconds, generate_seconds, validate_seconds, mean_bytes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1, help="validating threads (default 1)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    try:
        figures = measure(args.documents, args.lines, args.threads)
    except InvalidDocumentError as error:
        print(f"INVALID document: {error}", file=sys.stderr)
        return 1
    for line in figures.lines():
        print(line)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
