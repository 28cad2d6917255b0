#!/usr/bin/env python3
"""Checks the example Kubernetes manifests (docs/kubernetes/*.yaml) as YAML
and against what vram-only serves:

- every document parses; a container whose readinessProbe reads /health
  names, in `--health HOST:PORT` (vram-only-run's arguments) or in
  VRAM_ONLY_HEALTH, the very port the probe reads (a named probe port is
  resolved through the container's ports), bound to an address the kubelet
  can reach (not loopback);
- every VRAM_ONLY_* variable is one of the options table
  (runtime/attach/attach_options.cpp), with a valid value where the table
  has a fixed set;
- LD_PRELOAD names /opt/vram-only/lib/libvram_only_attach.so on a mounted
  volume.

check_manifests.py OPTIONS_CPP FILE... ; prints one line per container and
exits 1 with the reasons on the first bad manifest.
"""
import re
import sys

import yaml

PRELOAD = "/opt/vram-only/lib/libvram_only_attach.so"
FIXED_VALUES = {
    "VRAM_ONLY_ON_VIOLATION": {"report", "abort"},
    "VRAM_ONLY_HEALTH_DETAIL": {"local", "full", "redacted"},
    "VRAM_ONLY_REQUIRE": {"0", "1"},
    "VRAM_ONLY_CALL_SITES": {"all", "violations", "off"},
}


def known_variables(options_cpp):
    with open(options_cpp, encoding="utf-8") as f:
        return set(re.findall(r'\{"--[a-z-]+", "(VRAM_ONLY_[A-Z_]+)"\}', f.read()))


def health_from_args(words):
    for i, word in enumerate(words):
        if word == "--":
            return None
        if word == "--health" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--health="):
            return word.split("=", 1)[1]
    return None


def containers(doc):
    spec = (doc.get("spec") or {})
    template = spec.get("template", {}).get("spec") if "template" in spec else spec
    return (template or {}).get("containers", []), (template or {}).get("volumes", [])


def check_container(container, variables):
    name = container.get("name", "?")
    errors = []
    env = {e["name"]: e.get("value") for e in container.get("env", []) if "name" in e}
    for var, value in env.items():
        if var.startswith("VRAM_ONLY_"):
            if var not in variables:
                errors.append(f"{name}: {var} is not a vram-only variable (known: {', '.join(sorted(variables))})")
            elif var in FIXED_VALUES and value is not None and str(value) not in FIXED_VALUES[var]:
                errors.append(f"{name}: {var}={value} is not one of {sorted(FIXED_VALUES[var])}")
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    health = health_from_args(words) if words and words[0].endswith("vram-only-run") else None
    health = health or env.get("VRAM_ONLY_HEALTH")
    probe = (container.get("readinessProbe") or {}).get("httpGet")
    if probe is None or probe.get("path") != "/health":
        return errors, f"{name}: no /health readiness probe"
    if health is None:
        errors.append(f"{name}: the readiness probe reads /health but no --health / VRAM_ONLY_HEALTH is set")
        return errors, None
    host, _, port = health.rpartition(":")
    port_number = int(port)
    probe_port = probe.get("port")
    if isinstance(probe_port, str) and not probe_port.isdigit():
        named = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
        if probe_port not in named:
            errors.append(f"{name}: the readiness probe's port {probe_port} is not a port of the container")
            return errors, None
        probe_port = named[probe_port]
    if int(probe_port) != port_number:
        errors.append(f"{name}: the readiness probe reads port {probe_port} but vram-only serves {health}")
    if host.startswith("127.") or host in ("localhost", "[::1]", "::1"):
        errors.append(f"{name}: vram-only serves {health}, which the kubelet cannot reach")
    return errors, f"{name}: readinessProbe /health on port {port_number} = the port vram-only serves ({health})"


def check_preload(container, volumes):
    env = {e["name"]: e.get("value") for e in container.get("env", []) if "name" in e}
    if "LD_PRELOAD" not in env:
        return []
    name = container.get("name", "?")
    if env["LD_PRELOAD"] != PRELOAD:
        return [f"{name}: LD_PRELOAD={env['LD_PRELOAD']}, expected {PRELOAD}"]
    mounts = [m.get("mountPath", "") for m in container.get("volumeMounts", [])]
    if not any(PRELOAD.startswith(m.rstrip("/") + "/") for m in mounts):
        return [f"{name}: LD_PRELOAD names {PRELOAD} but no volume is mounted above it"]
    return []


def main(argv):
    variables = known_variables(argv[1])
    failures = []
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            try:
                docs = [d for d in yaml.safe_load_all(f) if d]
            except yaml.YAMLError as e:
                failures.append(f"{path}: not valid YAML: {e}")
                continue
        probes = 0
        for doc in docs:
            items, volumes = containers(doc)
            for container in items:
                errors, line = check_container(container, variables)
                errors += check_preload(container, volumes)
                failures += [f"{path}: {e}" for e in errors]
                if line and not errors and "no /health" not in line:
                    probes += 1
                    print(f"PASS {path}: {line}")
        if probes == 0 and not any(f.startswith(path) for f in failures):
            failures.append(f"{path}: no container with a /health readiness probe")
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
