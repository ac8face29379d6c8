"""Peppol BIS Billing 3.0 UBL documents of statements (issue 11) and their validation by the official artefacts."""
