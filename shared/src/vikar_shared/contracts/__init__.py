"""Event contracts as data: JSON Schema snapshots, the compatibility rules, the AsyncAPI document.

`python -m vikar_shared.contracts.export [--check]` and `python -m vikar_shared.contracts.asyncapi [--check]`
regenerate (or verify) the committed files under ``shared/``.
"""
