"""Property-based fuzzing of every operation of every service's OpenAPI document (Schemathesis).

For each operation, Hypothesis generates valid and invalid requests from the document, sends each with
the token of one role (consultant, finance, admin, the seeded company's approver, the seeded
municipality's user, another service) and, most of the time, with path ids of real seeded objects; every answer must:

- not be a server error (5xx, or an exception out of the app);
- use a status code and media type the document names for the operation, and match its schema;
- if 4xx, be ``application/problem+json`` naming the rule (``code``) and, for a refused request, the
  ``field`` and ``rule`` of each error;
- if 2xx, hold only plausible data: no year outside 2000-2100, no blank text, no control character.

Every example of an operation runs (no stop at the first fault, no shrinking), then the test fails
listing each distinct fault once with how often it was seen, the role and a curl command to replay it.
Bounded for CI: ``FUZZ_MAX_EXAMPLES`` examples per operation (default below), derandomized.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.prepare import get_exclude_headers

from fuzz.checks import only_plausible_data, problem_json_names_the_fault
from fuzz.edges import push_to_an_edge
from fuzz.services import Operation, operations
from fuzz.world import World

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "75"))
CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_json_names_the_fault,
    only_plausible_data,
]
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
ROLES = ("consultant", "finance", "admin", "company_approver", "municipality", "service")


@dataclass
class Fault:
    kind: str
    detail: str
    role: str
    status: int | None
    curl: str
    seen: int = 1


@dataclass
class Faults:
    operation: str
    by_kind: dict[tuple[str, str], Fault] = field(default_factory=dict)
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, kind: str, detail: str, role: str, status: int | None, curl: str) -> None:
        # One entry per kind of fault and the gist of its first line (status, field or rule; no values).
        key = (kind, _gist(detail))
        if key in self.by_kind:
            self.by_kind[key].seen += 1
        else:
            self.by_kind[key] = Fault(kind, detail, role, status, curl)

    def report(self) -> str:
        lines = [f"{self.operation}: {len(self.by_kind)} distinct fault(s) in {self.examples} examples"]
        for fault in self.by_kind.values():
            detail = "\n      ".join(fault.detail.strip().splitlines()[:8])
            lines += [
                f"  - {fault.kind} (seen {fault.seen}x; first as {fault.role}, answered {fault.status})",
                f"      {detail}",
                f"      replay: {fault.curl}",
            ]
        return "\n".join(lines)


def _gist(detail: str) -> str:
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    first = re.sub(r"\[\d+\]", "[]", first)
    first = re.sub(r" = .*?: ", ": ", first)
    first = re.sub(r"\d{6,}", "N", first)
    return first[:160]


def _seeded_ids(world: World, path_parameters: list[str]) -> st.SearchStrategy[dict[str, str | None]]:
    """For each path parameter, a real object's id three times in four, otherwise what the fuzzer made."""
    return st.fixed_dictionaries({name: st.sampled_from([None, *world.ids[name] * 3]) for name in path_parameters})


def _roles(world: World, target: Operation, operation: Any) -> st.SearchStrategy[str]:
    """Every role, but mostly those the operation lets in (found by asking once per role with a body it
    refuses, or with ids of nothing when it takes no body), so most examples get past the role check."""
    has_body = bool(list(operation.body))
    safe = target.method == "get" or has_body
    ids = {
        p.name: world.ids[p.name][0] if safe else "nobody@example.invalid" if p.name == "email" else str(uuid.uuid4())
        for p in operation.path_parameters
    }
    allowed = []
    with world.client(target.service) as client:
        for role in ROLES:
            try:
                response = client.request(
                    target.method.upper(),
                    target.path.format(**ids),
                    headers=world.tokens[role],
                    json=[] if has_body else None,
                )
            except Exception:  # a server error here is the fuzzer's to report, with a replayable request
                allowed.append(role)
                continue
            if response.status_code != 403:
                allowed.append(role)
    return st.sampled_from([*allowed * 4, *ROLES])


@pytest.mark.parametrize("target", operations(), ids=lambda o: o.id)
def test_fuzz_operation(fuzz_world: World, target: Operation) -> None:
    world = fuzz_world
    operation = world.schemas[target.service][target.path][target.method]
    path_parameters = [p.name for p in operation.path_parameters]
    unknown = [p for p in path_parameters if p not in world.ids]
    assert not unknown, f"teach the fuzz world an id for {unknown} of {target.id}"
    faults = Faults(target.id)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        # A case whose negation is a missing token would be sent without one whatever token is set; the
        # authorization matrix test covers that, here every request carries a valid token.
        operation.as_strategy(GenerationMode.NEGATIVE).filter(
            lambda case: "authorization" not in {h.lower() for h in get_exclude_headers(case)}
        ),
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @hypothesis.given(
        case=cases, role=_roles(world, target, operation), ids=_seeded_ids(world, path_parameters), data=st.data()
    )
    def run(case: Any, role: str, ids: dict[str, str | None], data: st.DataObject) -> None:
        faults.examples += 1
        for name, value in ids.items():
            if value is not None:
                case.path_parameters[name] = value
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers = {**headers, **world.tokens[role]}
        edge = push_to_an_edge(case, data)
        if edge:
            role = f"{role}, edge {edge}"
        try:
            response = case.call()
        except Exception as exc:  # an exception out of the app: the client saw a 500 and a dropped connection
            faults.add("Server error (exception raised by the app)", repr(exc)[:500], role, 500, case.as_curl_command())
            return
        faults.statuses[response.status_code] = faults.statuses.get(response.status_code, 0) + 1
        assert "authorization" in {k.lower() for k in response.request.headers}, "fuzzer artefact: sent no token"
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                faults.add(
                    failure.title,
                    failure.message,
                    role,
                    response.status_code,
                    case.as_curl_command(headers=dict(response.request.headers)),
                )

    run()
    assert faults.examples > 0
    if findings := os.environ.get("FUZZ_FINDINGS"):
        # A survey of what the fuzzer found, for a note (one JSON line per operation).
        with open(findings, "a", encoding="utf-8") as out:
            out.write(
                json.dumps(
                    {
                        "operation": target.id,
                        "examples": faults.examples,
                        "statuses": faults.statuses,
                        "faults": [vars(f) for f in faults.by_kind.values()],
                    }
                )
                + "\n"
            )
    assert not faults.by_kind, faults.report() + f"\n  statuses seen: {dict(sorted(faults.statuses.items()))}"
