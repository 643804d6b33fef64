#!/usr/bin/env python3
"""Checks rendered creditshare manifests (`helm template` output) for what an operator relies on.

Usage: helm template ... | check_manifests.py [--expect KIND,...] [--absent KIND,...] [FILE]

KIND is one of hpa, pdb, servicemonitor, networkpolicy, retention, backup, notices: the optional objects that the
values given to `helm template` should (--expect) or should not (--absent) have rendered.
Prints one line per check and then "N passed, M failed"; exits 1 on any failure.
"""
import argparse
import re
import sys

import yaml

API_PORT, METRICS_PORT, HEALTH_PORT, RUN_AS = 7443, 9464, 8081, 10001
DEFAULT_DRAIN_SECONDS = 20  # the server's --drain-seconds default
SECRETISH_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE", re.I)
PEM = "-----BEGIN"


def secretish(name, value):
    """A name that suggests a secret, holding more than a plain number (an interval or a count)."""
    return bool(SECRETISH_NAME.search(name)) and not re.fullmatch(r"-?[0-9]+", str(value))


LONG_RUNNING = {"Deployment", "StatefulSet", "DaemonSet"}
OPTIONAL = {  # key: (kind, apiVersion, app.kubernetes.io/component when several share a kind)
    "hpa": ("HorizontalPodAutoscaler", "autoscaling/v2", None),
    "pdb": ("PodDisruptionBudget", "policy/v1", None),
    "servicemonitor": ("ServiceMonitor", "monitoring.coreos.com/v1", None),
    "networkpolicy": ("NetworkPolicy", "networking.k8s.io/v1", None),
    "retention": ("CronJob", "batch/v1", "retention"),
    "backup": ("CronJob", "batch/v1", "backup"),
    "notices": ("CronJob", "batch/v1", "notices"),
}


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        return ok


def name_of(obj):
    return f"{obj['kind']}/{obj.get('metadata', {}).get('name', '?')}"


def pod_spec(obj):
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    if obj["kind"] in LONG_RUNNING | {"Job", "CronJob"}:
        return spec.get("template", {}).get("spec")
    return None


def containers(pod):
    return pod.get("initContainers", []) + pod.get("containers", [])


def effective_env(container, config_maps):
    """Env as the container sees it: envFrom ConfigMaps first, then env (which wins)."""
    env = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref:
            env.update({k: ("value", v) for k, v in config_maps.get(ref["name"], {}).items()})
    for entry in container.get("env", []):
        ref = entry.get("valueFrom", {}).get("configMapKeyRef")
        if ref:  # a ConfigMap value is plain text: judge it like an inline value
            env[entry["name"]] = ("value", config_maps.get(ref["name"], {}).get(ref["key"]))
        elif "valueFrom" in entry:
            env[entry["name"]] = ("valueFrom", entry["valueFrom"])
        else:
            env[entry["name"]] = ("value", entry.get("value"))
    return env


def secret_mount_paths(pod, container):
    secret_volumes = {v["name"] for v in pod.get("volumes", [])
                      if "secret" in v or any("secret" in s for s in v.get("projected", {}).get("sources", []))}
    return [m["mountPath"].rstrip("/") + "/" for m in container.get("volumeMounts", []) if m["name"] in secret_volumes]


def check_security(report, obj, pod):
    who = name_of(obj)
    psc = pod.get("securityContext", {})
    for c in containers(pod):
        csc = c.get("securityContext", {})
        where = f"{who} container {c['name']}"

        def eff(key):
            return csc.get(key, psc.get(key))

        report.check(eff("runAsNonRoot") is True, f"{where}: runAsNonRoot")
        report.check(eff("runAsUser") == RUN_AS, f"{where}: runAsUser {RUN_AS}", f"got {eff('runAsUser')}")
        report.check(csc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem")
        report.check(csc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation false")
        report.check(csc.get("privileged") in (None, False), f"{where}: not privileged")
        report.check("ALL" in csc.get("capabilities", {}).get("drop", []), f"{where}: capabilities drop ALL")
        report.check(not csc.get("capabilities", {}).get("add"), f"{where}: no capabilities added")
        seccomp = (eff("seccompProfile") or {}).get("type")
        report.check(seccomp == "RuntimeDefault", f"{where}: seccompProfile RuntimeDefault", f"got {seccomp}")
        res = c.get("resources", {})
        req, lim = res.get("requests", {}), res.get("limits", {})
        report.check("cpu" in req and "memory" in req, f"{where}: resource requests (cpu, memory)", f"got {req}")
        report.check("memory" in lim, f"{where}: resource limits (memory)", f"got {lim}")
    report.check(pod.get("automountServiceAccountToken") is False, f"{who}: no service account token mounted")
    report.check(not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"),
                 f"{who}: no host namespaces")


def check_probes(report, obj, pod):
    for c in pod.get("containers", []):
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            p = c.get(probe)
            port = (p or {}).get("grpc", {}).get("port")
            report.check(port == HEALTH_PORT, f"{name_of(obj)} container {c['name']}: {probe} is gRPC on {HEALTH_PORT}",
                         "missing" if p is None else f"got {p}")


def check_secrets_not_inline(report, obj, pod, config_maps):
    for c in containers(pod):
        where = f"{name_of(obj)} container {c['name']}"
        mounts = secret_mount_paths(pod, c)
        problems = []
        for name, (how, value) in effective_env(c, config_maps).items():
            if how == "valueFrom":  # secretKeyRef, fieldRef, resourceFieldRef
                continue
            text = "" if value is None else str(value)
            if PEM in text:
                problems.append(f"{name} holds PEM material")
            elif secretish(name, text) and not any(text.startswith(m) for m in mounts):
                problems.append(f"{name}={text!r} is not a file in a mounted Secret")
        report.check(not problems, f"{where}: secrets only through Secret volumes or secretKeyRef", "; ".join(problems))
        secret_volumes = {v["name"] for v in pod.get("volumes", []) if "secret" in v}
        writable = [m["name"] for m in c.get("volumeMounts", [])
                    if m["name"] in secret_volumes and not m.get("readOnly")]
        report.check(not writable, f"{where}: Secret volumes mounted read-only", f"writable: {writable}")


def drain_seconds(pod, config_maps):
    for c in pod.get("containers", []):
        how, value = effective_env(c, config_maps).get("CREDITSHARE_DRAIN_SECONDS", ("value", None))
        if how == "value" and value is not None:
            return int(value)
    return DEFAULT_DRAIN_SECONDS


def labels_match(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", help="rendered manifests (default: stdin)")
    parser.add_argument("--expect", default="", help="optional objects that must be rendered")
    parser.add_argument("--absent", default="", help="optional objects that must not be rendered")
    args = parser.parse_args()
    text = open(args.file, encoding="utf-8").read() if args.file else sys.stdin.read()
    docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and d.get("kind")]
    report = Report()
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    config_maps = {cm["metadata"]["name"]: cm.get("data", {}) or {} for cm in by_kind.get("ConfigMap", [])}

    report.check(bool(docs), "manifests rendered", "no Kubernetes objects in the input")
    secrets = [name_of(d) for d in by_kind.get("Secret", [])]
    report.check(not secrets, "no Secret objects rendered (Secrets are referenced by name)", ", ".join(secrets))
    for name, data in config_maps.items():
        bad = [k for k, v in data.items()
               if PEM in str(v) or (secretish(k, v) and not str(v).startswith("/"))]
        report.check(not bad, f"ConfigMap/{name}: no secret values", f"suspicious keys: {bad}")

    deployments = by_kind.get("Deployment", [])
    report.check(len(deployments) == 1, "exactly one Deployment", f"got {len(deployments)}")
    for obj in docs:
        pod = pod_spec(obj)
        if pod is None:
            continue
        check_security(report, obj, pod)
        check_secrets_not_inline(report, obj, pod, config_maps)
        if obj["kind"] in LONG_RUNNING:
            check_probes(report, obj, pod)

    for dep in deployments:
        pod = pod_spec(dep)
        grace, drain = pod.get("terminationGracePeriodSeconds"), drain_seconds(pod, config_maps)
        report.check(isinstance(grace, int) and grace > drain,
                     f"{name_of(dep)}: terminationGracePeriodSeconds ({grace}) > drain seconds ({drain})")
        ports = {p.get("name"): p.get("containerPort") for c in pod["containers"] for p in c.get("ports", [])}
        report.check(ports.get("grpc") == API_PORT and ports.get("metrics") == METRICS_PORT,
                     f"{name_of(dep)}: container ports grpc={API_PORT}, metrics={METRICS_PORT}", f"got {ports}")

    dep = deployments[0] if deployments else {"kind": "Deployment", "spec": {"template": {}}}
    pod_labels = dep["spec"]["template"].get("metadata", {}).get("labels", {})
    services = by_kind.get("Service", [])
    report.check(bool(services), "a Service is rendered")
    for svc in services:
        names = {p.get("name"): p for p in svc["spec"].get("ports", [])}
        report.check("grpc" in names and "metrics" in names, f"{name_of(svc)}: ports named grpc and metrics",
                     f"got {sorted(n for n in names if n)}")
        report.check(labels_match(svc["spec"].get("selector"), pod_labels), f"{name_of(svc)}: selects the server pods")

    jobs = [j for j in by_kind.get("Job", [])
            if any("migrate" in c.get("command", []) + c.get("args", []) for c in pod_spec(j).get("containers", []))]
    report.check(len(jobs) == 1, "a migration Job running `migrate`", f"got {len(jobs)}")
    for job in jobs:
        notes = job["metadata"].get("annotations", {})
        hooks = set(notes.get("helm.sh/hook", "").split(","))
        report.check({"pre-install", "pre-upgrade"} <= hooks, f"{name_of(job)}: pre-install,pre-upgrade hook",
                     f"got {sorted(hooks)}")
        policy = set(notes.get("helm.sh/hook-delete-policy", "").split(","))
        report.check({"before-hook-creation", "hook-succeeded"} <= policy,
                     f"{name_of(job)}: hook-delete-policy before-hook-creation,hook-succeeded", f"got {sorted(policy)}")

    expected = {k for k in args.expect.split(",") if k}
    absent = {k for k in args.absent.split(",") if k}
    for key in sorted(expected | absent):
        kind, api, component = OPTIONAL[key]
        objs = [o for o in by_kind.get(kind, [])
                if component is None
                or o.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/component") == component]
        if key in absent:
            report.check(not objs, f"{kind} {key} not rendered (disabled)", ", ".join(map(name_of, objs)))
            continue
        if not report.check(len(objs) == 1, f"{kind} {key} rendered (enabled)", f"got {len(objs)}"):
            continue
        obj = objs[0]
        report.check(obj.get("apiVersion") == api, f"{name_of(obj)}: apiVersion {api}", f"got {obj.get('apiVersion')}")
        spec = obj.get("spec", {})
        if key == "hpa":
            target = spec.get("scaleTargetRef", {})
            dep_name = dep.get("metadata", {}).get("name")
            report.check(target.get("kind") == "Deployment" and target.get("name") == dep_name,
                         f"{name_of(obj)}: scales the Deployment")
            report.check(any(m.get("resource", {}).get("name") == "cpu" for m in spec.get("metrics", [])),
                         f"{name_of(obj)}: scales on CPU")
            report.check("replicas" not in dep.get("spec", {}), f"{name_of(dep)}: replicas left to the HPA")
        elif key == "pdb":
            report.check(labels_match(spec.get("selector", {}).get("matchLabels"), pod_labels),
                         f"{name_of(obj)}: selects the server pods")
        elif key == "servicemonitor":
            report.check(any(e.get("port") == "metrics" for e in spec.get("endpoints", [])),
                         f"{name_of(obj)}: scrapes the metrics port")
        elif key == "networkpolicy":
            report.check(labels_match(spec.get("podSelector", {}).get("matchLabels"), pod_labels),
                         f"{name_of(obj)}: selects the server pods")
        elif key == "backup":
            pod = pod_spec(obj)
            claims = [v for v in pod.get("volumes", []) if "persistentVolumeClaim" in v]
            report.check(len(claims) == 1, f"{name_of(obj)}: writes to a PersistentVolumeClaim")
            script = " ".join(pod["containers"][0].get("command", []) + pod["containers"][0].get("args", []))
            report.check("take --logical" in script and "--since" in script,
                         f"{name_of(obj)}: takes logical backups chained by --since")
            report.check(spec.get("concurrencyPolicy") == "Forbid", f"{name_of(obj)}: never two at once")

    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
