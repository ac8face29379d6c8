"""The role names, what each runs, the argument parsing and who migrates by default."""

from __future__ import annotations

import pytest

from vikar_shared.runtime import Role
from vikar_shared.runtime.cli import ROLE_VARIABLE, parse_role
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.identity import own_identity_keys


def test_each_role_runs_its_part_and_all_runs_everything() -> None:
    assert [r for r in Role if r.serves_routes] == [Role.API, Role.ALL]
    assert [r for r in Role if r.runs_consumers] == [Role.WORKER, Role.ALL]
    assert [r for r in Role if r.runs_jobs] == [Role.WORKER, Role.ALL]
    assert [r for r in Role if r.runs_relay] == [Role.RELAY, Role.ALL]
    assert [r for r in Role if not r.serves_http] == [Role.MIGRATE]


def test_no_argument_means_all_and_an_argument_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROLE_VARIABLE, raising=False)
    assert parse_role("timesheet", []) is Role.ALL
    assert parse_role("timesheet", ["worker"]) is Role.WORKER
    monkeypatch.setenv(ROLE_VARIABLE, "relay")
    assert parse_role("timesheet", []) is Role.RELAY
    assert parse_role("timesheet", ["api"]) is Role.API


def test_an_unknown_role_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_role("timesheet", ["web"])
    assert exit_.value.code == 2
    assert "api" in capsys.readouterr().err


@pytest.mark.parametrize("environment", ["development", "test", "demo"])
def test_outside_production_every_role_migrates_by_default(environment: str) -> None:
    settings = ServiceSettings(
        VIKAR_ENVIRONMENT=environment, jwt_keys={"k": "x" * 40}, identity_verify_keys=own_identity_keys().verify_keys
    )
    assert all(settings.migrates_on_start(r.value) for r in Role)


def test_in_production_only_migrate_and_all_migrate_by_default() -> None:
    settings = ServiceSettings(
        VIKAR_ENVIRONMENT="production", jwt_keys={"k": "x" * 40}, identity_verify_keys=own_identity_keys().verify_keys
    )
    assert [r for r in Role if settings.migrates_on_start(r.value)] == [Role.MIGRATE, Role.ALL]


def test_the_setting_decides_for_every_role_but_migrate() -> None:
    off = ServiceSettings(run_migrations_on_start=False)
    assert [r for r in Role if off.migrates_on_start(r.value)] == [Role.MIGRATE]
    on = ServiceSettings(
        VIKAR_ENVIRONMENT="production",
        jwt_keys={"k": "x" * 40},
        identity_verify_keys=own_identity_keys().verify_keys,
        run_migrations_on_start=True,
    )
    assert all(on.migrates_on_start(r.value) for r in Role)


def test_the_api_role_opens_its_whole_pool_at_start_the_others_one() -> None:
    settings = ServiceSettings(db_pool_max=12)
    assert settings.pool_min_size("api") == 12
    assert [settings.pool_min_size(r) for r in ("worker", "relay", "all", "migrate")] == [1, 1, 1, 1]
    # A number given decides for every role, never above the bound.
    assert ServiceSettings(db_pool_min=3, db_pool_max=12).pool_min_size("api") == 3
    assert ServiceSettings(db_pool_min=3, db_pool_max=12).pool_min_size("worker") == 3
    assert ServiceSettings(db_pool_min=30, db_pool_max=12).pool_min_size("api") == 12
