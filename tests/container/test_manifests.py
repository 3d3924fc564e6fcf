"""Kubernetes manifests and compose file: schema-valid and consistent with each other and the image.

Schemas: the Kubernetes OpenAPI JSON schemas bundled in the kubernetes-validate package (offline), in
strict mode (unknown fields are errors), for the oldest and newest Kubernetes versions we support.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "docker" / "k8s"
KUBE_VERSIONS = ("1.28.0", "1.37.0")  # gRPC probes are GA since 1.27
VARIANTS = ("cpu", "gpu")
ONE_HOUR_S = 3600


def _docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _resources() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name != "kustomization.yaml":
            out.extend((f"{path.relative_to(K8S)}#{i}", doc) for i, doc in enumerate(_docs(path)))
    return out


def _variant(name: str) -> dict[str, list[dict[str, Any]]]:
    """Resources a `kubectl apply -k docker/k8s/NAME` would create, grouped by kind."""
    by_kind: dict[str, list[dict[str, Any]]] = {}

    def collect(directory: Path) -> None:
        for entry in yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"]:
            target = (directory / entry).resolve()
            if target.is_dir():
                collect(target)
                continue
            for doc in _docs(target):
                by_kind.setdefault(doc["kind"], []).append(doc)

    collect(K8S / name)
    return by_kind


def _container(by_kind: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    (deployment,) = by_kind["Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


RESOURCES = _resources()


@pytest.mark.parametrize("version", KUBE_VERSIONS)
@pytest.mark.parametrize(("name", "doc"), RESOURCES, ids=[name for name, _ in RESOURCES])
def test_every_manifest_matches_the_kubernetes_schema(name: str, doc: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_rejects_a_broken_deployment() -> None:
    deployment = _variant("cpu")["Deployment"][0]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["port"] = "grpc"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBE_VERSIONS[-1], strict=True)
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["terminationGracePeriod"] = 30
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBE_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("variant", VARIANTS)
def test_kustomizations_list_existing_files_and_create_the_full_set(variant: str) -> None:
    by_kind = _variant(variant)
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap"):
        assert kind in by_kind, f"{variant} lacks a {kind}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_probes_are_grpc_health_on_the_serving_port(variant: str) -> None:
    by_kind = _variant(variant)
    container = _container(by_kind)
    config = by_kind["ConfigMap"][0]["data"]
    grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
    assert grpc_port == int(config["TOLK_PORT"])
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == grpc_port, probe
    metrics_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "metrics")
    assert metrics_port == int(config["TOLK_METRICS_PORT"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_termination_grace_covers_prestop_and_drain(variant: str) -> None:
    by_kind = _variant(variant)
    pod = by_kind["Deployment"][0]["spec"]["template"]["spec"]
    container = _container(by_kind)
    prestop_s = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    drain_s = float(by_kind["ConfigMap"][0]["data"]["TOLK_GRACE_S"])
    assert pod["terminationGracePeriodSeconds"] > prestop_s + drain_s


@pytest.mark.parametrize("variant", VARIANTS)
def test_selectors_and_targets_match_the_pods(variant: str) -> None:
    by_kind = _variant(variant)
    deployment = by_kind["Deployment"][0]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert (
        by_kind["HorizontalPodAutoscaler"][0]["spec"]["scaleTargetRef"]["name"]
        == deployment["metadata"]["name"]
    )
    selectors = [s["spec"]["selector"] for s in by_kind["Service"]]
    selectors.append(by_kind["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"])
    for selector in selectors:
        assert selector.items() <= labels.items()
    assert container_runs_as_image_user(deployment)


def container_runs_as_image_user(deployment: dict[str, Any]) -> bool:
    context = deployment["spec"]["template"]["spec"]["securityContext"]
    return bool(context["runAsNonRoot"]) and context["runAsUser"] == 10001


def test_only_the_gpu_variant_asks_for_a_gpu() -> None:
    gpu = _container(_variant("gpu"))["resources"]
    cpu = _container(_variant("cpu"))["resources"]
    assert gpu["limits"]["nvidia.com/gpu"] == "1"
    assert "nvidia.com/gpu" not in cpu.get("limits", {}) and "nvidia.com/gpu" not in cpu["requests"]


def test_ingress_balances_grpc_streams_with_hour_long_timeouts() -> None:
    (ingress,) = _docs(K8S / "base" / "ingress.yaml")
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/backend-protocol"] == "GRPC"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= ONE_HOUR_S


def test_compose_runs_replicas_behind_the_balancer_with_a_model_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())
    backend, lb = compose["services"]["backend"], compose["services"]["lb"]
    assert "models:/models" in backend["volumes"] and "models" in compose["volumes"]
    assert backend["environment"]["TOLK_MODEL_DIR"] == "/models"
    assert lb["environment"]["TOLK_BACKENDS"] == f"backend:{backend['environment']['TOLK_PORT']}"
    assert lb["depends_on"]["backend"]["condition"] == "service_healthy"
    scrape = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["dns_sd_configs"][0]["port"] == int(backend["environment"]["TOLK_METRICS_PORT"])


def test_balancer_timeouts_suit_hour_long_streams() -> None:
    conf = (ROOT / "docker" / "lb" / "nginx.conf").read_text()
    settings = dict(
        line.strip().rstrip(";").split(None, 1) for line in conf.splitlines() if line.strip().endswith(";")
    )
    for name in ("grpc_read_timeout", "grpc_send_timeout", "client_body_timeout", "keepalive_timeout"):
        assert int(settings[name].removesuffix("s")) >= ONE_HOUR_S, name
    assert settings["client_max_body_size"] == "0"
    assert settings["grpc_pass"] == "grpc://tolk_backends"
