"""The alert rules and the scrape configuration: ``deploy/prometheus/alerts.yaml`` is a Prometheus rule
file (groups of rules with alert, expr, for, labels, annotations; every expr parses as PromQL with
``promql-parser``, as promtool would) whose every metric is one the services export; and every role's
Deployment carries the ``prometheus.io`` scrape annotations pointing at its HTTP port and ``/metrics``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import yaml
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

import notifications.emails.service  # noqa: F401 - registers vikar_mails_total, as the notifications worker does
from vikar_shared.metrics import AppMetrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yaml"
K8S = ROOT / "deploy" / "k8s"
PORTS = {"placement": 8101, "timesheet": 8102, "invoicing": 8103, "notifications": 8104}
DURATION = re.compile(r"\d+[smhd]")
# The alerts this issue asks for: consumer lag, outbox age, dead letters.
REQUIRED = {"VikarConsumerLagHigh", "VikarOutboxStale", "VikarEventsDeadLettered"}


async def _exported() -> set[str]:
    """Every series name a service's /metrics can show (families and their _total/_bucket/... samples)."""
    app = FastAPI()
    AppMetrics("placement").instrument(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.get("/metrics")  # one request, so the request metrics have samples
        text = (await client.get("/metrics")).text
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names |= {family.name + s for s in ("_total", "_count", "_sum", "_bucket", "_created")}
        names |= {s.name for s in family.samples}
    return names


def _selectors(node: Any) -> list[str]:
    """Metric names of every vector selector in a parsed PromQL expression."""
    kind = type(node).__name__
    if kind == "VectorSelector":
        return [node.name]
    if kind == "MatrixSelector":
        return _selectors(node.vector_selector)
    if kind == "BinaryExpr":
        return _selectors(node.lhs) + _selectors(node.rhs)
    if kind == "Call":
        return [n for arg in node.args for n in _selectors(arg)]
    if kind in ("AggregateExpr", "ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return _selectors(node.expr) + (_selectors(node.param) if getattr(node, "param", None) is not None else [])
    assert kind in ("NumberLiteral", "StringLiteral"), kind
    return []


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    assert set(document) == {"groups"}
    rules: list[dict[str, Any]] = []
    for group in document["groups"]:
        assert set(group) == {"name", "rules"} and group["rules"], group.get("name")
        rules += group["rules"]
    return rules


async def test_the_alert_rules_are_a_prometheus_rule_file_over_exported_metrics() -> None:
    exported = await _exported()
    rules = _rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names)), "alert names repeat"
    assert set(names) >= REQUIRED
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule["alert"]
        assert "for" not in rule or DURATION.fullmatch(rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        metrics = _selectors(promql_parser.parse(rule["expr"]))
        assert metrics, rule["alert"]
        assert set(metrics) <= exported, (rule["alert"], set(metrics) - exported)


async def test_an_unknown_metric_or_bad_promql_is_caught() -> None:
    """The check above is not vacuous: a misspelt metric is not exported, broken PromQL does not parse."""
    exported = await _exported()
    assert "vikar_outbox_age_seconds" not in exported
    assert {"vikar_outbox_oldest_age_seconds", "vikar_consumer_lag", "vikar_mails_total"} <= exported
    try:
        promql_parser.parse("max by (service) (vikar_outbox_backlog > ")
    except Exception:
        pass
    else:
        raise AssertionError("broken PromQL parsed")


def test_every_role_is_scraped_on_its_http_port_at_metrics() -> None:
    deployments = [
        d
        for service in PORTS
        for d in yaml.safe_load_all((K8S / f"{service}.yaml").read_text())
        if d and d["kind"] == "Deployment"
    ]
    assert len(deployments) == 3 * len(PORTS)
    for deployment in deployments:
        service = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
        template = deployment["spec"]["template"]
        assert template["metadata"]["annotations"] == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(PORTS[service]),
            "prometheus.io/path": "/metrics",
        }, deployment["metadata"]["name"]
        (container,) = template["spec"]["containers"]
        assert container["ports"] == [{"name": "http", "containerPort": PORTS[service]}]
