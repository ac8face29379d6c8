"""The one rule for the wage rate in force on a work date (issue 13), as SQL for the queries that price hours at
wages (the pay close, economics).

The rate version of ``placement_bill_rates`` with the greatest ``effective_from`` on or before the work date (tie:
the highest ``position``, the one listed last in placement's event) gives the wage, even when that version's wage
is null (no wage rate in force from then); before the first version, or with none, the placement's own
``placements.wage_rate_ore_per_hour`` (placement_created). Øre per hour; null = no wage rate in force."""


def wage_in_force_join(entry: str, alias: str = "v") -> str:
    """A ``left join lateral`` for the row alias ``entry`` (with ``placement_id`` and ``work_date``), naming the
    rate version found ``alias``; select :func:`wage_in_force` with it."""
    return f"""left join lateral (
                    select true as found, r.wage_rate_ore_per_hour as wage from placement_bill_rates r
                    where r.placement_id = {entry}.placement_id and r.effective_from <= {entry}.work_date
                    order by r.effective_from desc, r.position desc limit 1) {alias} on true"""


def wage_in_force(placement: str = "p", alias: str = "v") -> str:
    """The wage expression (øre per hour, null for none) with :func:`wage_in_force_join` ``alias`` and the
    ``placements`` row alias ``placement``."""
    return f"case when {alias}.found then {alias}.wage else {placement}.wage_rate_ore_per_hour end"
