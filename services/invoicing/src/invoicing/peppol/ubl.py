"""A statement as a Peppol BIS Billing 3.0 UBL 2.1 Invoice; a correction statement as a CreditNote.

(Issue 11 groundwork: the interface the statement documents use; the builder lands with the Peppol work.)"""

from __future__ import annotations

from invoicing.statements.models import Statement


def statement_ubl(statement: Statement) -> bytes:
    """The UBL document (UTF-8 XML bytes) of the issued ``statement``. Raises ``ValueError`` for a draft."""
    raise NotImplementedError("issue 11: the Peppol builder")
