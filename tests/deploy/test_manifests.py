"""The deployment descriptions agree with the runtime roles and the one origin: every Kubernetes manifest is
valid against the Kubernetes schemas (kubernetes-validate, strict), each service has one Deployment per
role with the probes of its role and a migrate init container, the Ingress routes exactly the prefixes of
the nginx template, and docker-compose.yml runs the same split behind nginx from the same template."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TEMPLATE = ROOT / "deploy" / "proxy" / "routes.conf.template"
SERVICES = ("placement", "timesheet", "invoicing", "notifications")
PORTS = {"placement": 8101, "timesheet": 8102, "invoicing": 8103, "notifications": 8104}
ROLES = ("api", "worker", "relay")
# Custom resources of operators the cluster runs (Strimzi): no schema in kubernetes-validate.
OPERATOR_KINDS = {"KafkaTopic"}


def _documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / resource).read_text()) if d]
    return docs


def _named(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _documents() if d["kind"] == kind}


def test_every_manifest_is_valid_kubernetes() -> None:
    version = kubernetes_validate.latest_version()
    checked = 0
    for doc in _documents():
        if doc["kind"] in OPERATOR_KINDS:
            assert doc["apiVersion"].startswith("kafka.strimzi.io/")
            continue
        kubernetes_validate.validate(doc, version, strict=True)
        checked += 1
    assert checked >= 4 * 5  # per service a ConfigMap, three Deployments, a Service; plus the rest


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_deployment_per_role_with_its_probes_and_a_migrate_init_container(service: str) -> None:
    deployments = _named("Deployment")
    assert {n for n in deployments if n.startswith(service + "-")} == {f"{service}-{r}" for r in ROLES}
    # Workers share the consumer groups of the event topics (dead-letter topics are read by the CLI only).
    partitions = min(
        t["spec"]["partitions"] for t in _named("KafkaTopic").values() if t["spec"]["topicName"].endswith(".events")
    )
    for role in ROLES:
        deployment = deployments[f"{service}-{role}"]
        spec = deployment["spec"]
        labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": role}
        assert spec["selector"]["matchLabels"] == labels
        pod = spec["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["python", "-m", service, role]
        assert container["ports"] == [{"name": "http", "containerPort": PORTS[service]}]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        (init,) = pod["initContainers"]
        assert init["args"] == ["python", "-m", service, "migrate"]
        assert init["image"] == container["image"]
        assert 1 <= spec["replicas"] <= (partitions if role == "worker" else 10)
    config = _named("ConfigMap")[f"{service}-config"]["data"]
    assert config["VIKAR_ENVIRONMENT"] == "production"
    assert config[f"{service.upper()}_RUN_MIGRATIONS_ON_START"] == "false"
    # Only the api role is behind a Service (the Ingress's backends).
    service_doc = _named("Service")[f"{service}-api"]
    assert service_doc["spec"]["selector"] == {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "api"}
    assert not any(n.startswith(service) and n != f"{service}-api" for n in _named("Service"))


def _nginx_routes() -> dict[str, tuple[str, bool]]:
    """prefix -> (service, prefix stripped) from the nginx template's locations."""
    text = TEMPLATE.read_text()
    routes: dict[str, tuple[str, bool]] = {}
    for prefix, body in re.findall(r"location (/[a-z/]*) \{([^}]*)\}", text):
        target = re.search(r"proxy_pass http://([a-z]+)(/?);", body)
        if target:
            routes[prefix] = (target.group(1), target.group(2) == "/")
    return routes


def _ingress_routes() -> dict[str, tuple[str, bool]]:
    routes: dict[str, tuple[str, bool]] = {}
    for ingress in _named("Ingress").values():
        annotations = ingress["metadata"].get("annotations", {})
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                if path["pathType"] == "Exact":
                    continue
                service = path["backend"]["service"]["name"].removesuffix("-api")
                if "nginx.ingress.kubernetes.io/rewrite-target" in annotations:
                    prefix = path["path"].removesuffix("(/|$)(.*)") + "/"
                    assert annotations["nginx.ingress.kubernetes.io/rewrite-target"] == "/$2"
                    assert annotations["nginx.ingress.kubernetes.io/x-forwarded-prefix"] == prefix.rstrip("/")
                    routes[prefix] = (service, True)
                else:
                    routes[path["path"]] = (service, False)
    return routes


def test_the_ingress_routes_exactly_the_prefixes_of_the_nginx_template() -> None:
    nginx = _nginx_routes()
    assert nginx["/auth/"] == ("placement", False)
    assert nginx["/portal/"] == ("timesheet", False)
    assert nginx["/portal/invoices"] == ("invoicing", False)
    for service in SERVICES:
        assert nginx[f"/api/{service}/"] == (service, True)
        assert nginx[f"/problems/{service}/"] == (service, False)
    assert _ingress_routes() == nginx
    (root,) = [
        i for i in _named("Ingress").values() if i["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "Exact"
    ]
    assert root["metadata"]["annotations"]["nginx.ingress.kubernetes.io/temporal-redirect"].endswith("/portal/pending")
    assert "location = / { return 302 /portal/pending; }" in TEMPLATE.read_text()


def test_compose_runs_the_same_roles_behind_nginx_from_the_same_template() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for service in SERVICES:
        for role in (*ROLES, "migrate"):
            entry = compose[f"{service}-{role}"]
            assert entry["command"] == ["python", "-m", service, role]
            assert entry["build"]["args"]["SERVICE"] == service
        for role in ROLES:
            depends = compose[f"{service}-{role}"]["depends_on"]
            assert depends[f"{service}-migrate"] == {"condition": "service_completed_successfully"}
    nginx = compose["nginx"]
    assert "./deploy/proxy/routes.conf.template:/etc/nginx/templates/vikarmodel.conf.template:ro" in nginx["volumes"]
    assert {k: v for k, v in nginx["environment"].items() if k.endswith("_UPSTREAM")} == {
        f"VIKAR_{s.upper()}_UPSTREAM": f"{s}-api:{PORTS[s]}" for s in SERVICES
    }
    assert set(re.findall(r"\$\{(VIKAR_[A-Z_]+)\}", TEMPLATE.read_text())) <= set(nginx["environment"])
