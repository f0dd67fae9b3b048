"""The Helm chart (issue 18, items 3-4): lints, renders with the default values and a region's
production values, every manifest validates against Kubernetes 1.30 (strict), and the properties
a platform team relies on hold. helm-python-sdk renders in-process: no helm binary."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "spmp"
PRODUCTION = Path(__file__).with_name("production-values.yaml")
KUBE_VERSION = "1.30.0"
SECRET_KEYS = {
    "SECRET_KEY",
    "AUDIT_SEAL_KEY",
    "REGISTRY_MATCH_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "EMAIL_HOST_PASSWORD",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
}

VALUES = {
    "default": None,
    "production": yaml.safe_load(PRODUCTION.read_text()),
}


def render(values: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = helm.Chart.load(str(CHART)).render(values, name="spmp", namespace="spmp", is_install=True)
    docs = []
    for text in out.values():
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


@pytest.fixture(scope="module", params=list(VALUES))
def manifests(request) -> list[dict[str, Any]]:
    return render(copy.deepcopy(VALUES[request.param]))


def _of(manifests, kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def _named(manifests, kind: str, suffix: str) -> dict[str, Any]:
    (found,) = [m for m in _of(manifests, kind) if m["metadata"]["name"].endswith(suffix)]
    return found


def _pod_specs(manifests):
    for m in manifests:
        if m["kind"] in {"Deployment", "Job"}:
            yield m, m["spec"]["template"]["spec"]


@pytest.mark.parametrize("values", list(VALUES))
def test_the_chart_lints_clean(values):
    report = helm.lint(
        str(CHART), copy.deepcopy(VALUES[values]), strict=True, kube_version=f"v{KUBE_VERSION}"
    )
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_manifest_validates_strictly(manifests):
    kinds = {m["kind"] for m in manifests}
    assert kinds >= {
        "ConfigMap",
        "Deployment",
        "Service",
        "Job",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    }
    for m in manifests:
        kubernetes_validate.validate(m, KUBE_VERSION, strict=True)


def test_beat_is_one_replica_recreated(manifests):
    beat = _named(manifests, "Deployment", "-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_the_migration_job_is_a_pre_install_and_pre_upgrade_hook_with_a_deadline(manifests):
    (job,) = _of(manifests, "Job")
    notes = job["metadata"]["annotations"]
    assert notes["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(notes["helm.sh/hook-weight"]) < 0
    assert "before-hook-creation" in notes["helm.sh/hook-delete-policy"]
    assert job["spec"]["activeDeadlineSeconds"] >= 60
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:3] == ["python", "manage.py", "migrate_all"]
    assert command[3] == "--parallel" and int(command[4]) >= 1
    env = {e["name"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert {"DJANGO_ENV", "SPMP_DOMAIN", "DATABASE_URL"} <= env  # inline: no ConfigMap yet on install


def test_probes_on_every_long_running_container(manifests):
    for m, spec in _pod_specs(manifests):
        if m["kind"] != "Deployment":
            continue
        for c in spec["containers"]:
            assert "livenessProbe" in c, (m["metadata"]["name"], c["name"])
    web = _named(manifests, "Deployment", "-web")["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "httpHeaders" not in web["readinessProbe"]["httpGet"]  # answered for the pod's address


def test_non_root_read_only_root_no_capabilities_and_writable_tmp_and_data(manifests):
    for m, spec in _pod_specs(manifests):
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["runAsNonRoot"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            mounts = {v["mountPath"]: v["name"] for v in c["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]] and "emptyDir" in volumes[mounts["/var/lib/spmp"]]
            assert c["resources"]["requests"] and c["resources"]["limits"]


def test_no_secret_is_made_and_no_secret_value_is_anywhere(manifests):
    assert _of(manifests, "Secret") == []
    for m, spec in _pod_specs(manifests):
        for c in spec["containers"]:
            for e in c.get("env", []):
                if e["name"] in SECRET_KEYS:
                    assert "value" not in e and "secretKeyRef" in e["valueFrom"], e
    for cm in _of(manifests, "ConfigMap"):
        assert not set(cm["data"]) & SECRET_KEYS


def test_the_secret_keys_come_from_the_existing_secret():
    values = copy.deepcopy(VALUES["production"])
    refs = set()
    for m, spec in _pod_specs(render(values)):
        for c in spec["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "spmp-production"
                    refs.add(ref["key"])
    assert refs == SECRET_KEYS


def test_settings_in_a_configmap_whose_checksum_rolls_the_pods():
    def checksums(values):
        return {
            m["metadata"]["name"]: m["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            for m in render(values)
            if m["kind"] == "Deployment"
        }

    before = checksums(copy.deepcopy(VALUES["production"]))
    changed = copy.deepcopy(VALUES["production"])
    changed["logLevel"] = "INFO"
    after = checksums(changed)
    assert set(before) == {"spmp-web", "spmp-worker", "spmp-beat"}
    assert all(before[k] != after[k] for k in before)
    config = _named(render(copy.deepcopy(VALUES["production"])), "ConfigMap", "-config")["data"]
    assert config["MEDIA_BUCKET"] == "spmp-uploads-production"
    assert config["TRUSTED_PROXY_COUNT"] == "2"
    assert config["AUDIT_CHAIN_HEAD_PATH"] == "/var/lib/spmp-audit/chain-heads.json"
    assert config["EMAIL_HOST"] == "relay.region.police.uk"


def test_the_chain_head_lives_on_the_named_claim_in_the_worker():
    worker = _named(render(copy.deepcopy(VALUES["production"])), "Deployment", "-worker")["spec"]["template"][
        "spec"
    ]
    (claim,) = [v for v in worker["volumes"] if v["name"] == "audit-chain-head"]
    assert claim["persistentVolumeClaim"]["claimName"] == "spmp-audit-chain-head"


def test_labels_web_scaling_and_network_policy(manifests):
    for m in manifests:
        labels = m["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "spmp"
        assert labels["app.kubernetes.io/instance"] == "spmp"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
    hpa = _named(manifests, "HorizontalPodAutoscaler", "-web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "spmp-web"
    pdb = _named(manifests, "PodDisruptionBudget", "-web")
    assert pdb["spec"]["minAvailable"] >= 1
    web_policy = _named(manifests, "NetworkPolicy", "-web")
    assert web_policy["spec"]["ingress"][0]["from"][0]["namespaceSelector"]
    assert _named(manifests, "NetworkPolicy", "-background")["spec"]["ingress"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"beat": {"replicas": 2}}, "at '/beat/replicas': value must be 1"),
        ({"secretKey": "a-literal-secret"}, "additional properties 'secretKey' not allowed"),
        ({"email": {"password": "hunter2"}}, "additional properties 'password' not allowed"),
        # null in a values file removes the chart's default, as `--set existingSecret=null` does
        ({"existingSecret": None}, "missing property 'existingSecret'"),
        ({"existingSecret": ""}, "at '/existingSecret'"),
    ],
)
def test_the_schema_refuses_bad_values_with_a_clear_message(change, message):
    values = copy.deepcopy(VALUES["production"])
    for key, value in change.items():
        if isinstance(value, dict):
            values.setdefault(key, {}).update(value)
        else:
            values[key] = value
    with pytest.raises(helm.HelmValuesError) as refused:
        render(values)
    assert message in str(refused.value)
