"""Advisory lock classes (the first of PostgreSQL's two-int advisory lock keys) shared by more than one package.

``PAY_CLOSE`` (key ``(13, 0)``): a pay close holds it exclusively for its transaction (one close at a time,
agency-wide); a change of a placement's wage versions holds it shared while it raises the placement's
``wage_rates_changed_seq``, so a close never records as seen a sequence value whose change it could not see yet
(that placement's paid entries would never be re-priced)."""

PAY_CLOSE = 13
