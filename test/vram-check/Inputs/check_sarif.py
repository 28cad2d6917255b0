"""Checks a SARIF log for what GitHub code scanning needs.

usage: check_sarif.py <log.sarif> <expected results> <expected notifications>

Code scanning reads SARIF 2.1.0: runs[].tool.driver.name and rules (ids),
results with ruleId, message.text and a physical location (artifact URI,
region.startLine), and it rejects absolute file URIs outside the checkout
unless a uriBaseId resolves them. Exits non-zero with the reason.
"""
import json
import sys


def fail(message):
    sys.exit("check_sarif: " + message)


def main():
    path, want_results, want_notes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    if log.get("version") != "2.1.0":
        fail("version is not 2.1.0")
    if "sarif-2.1.0" not in log.get("$schema", ""):
        fail("$schema does not name SARIF 2.1.0")
    if len(log.get("runs", [])) != 1:
        fail("expected exactly one run")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    if driver.get("name") != "vram-check":
        fail("tool.driver.name is not vram-check")
    if not driver.get("version"):
        fail("tool.driver.version is missing")
    rules = driver.get("rules", [])
    ids = [rule["id"] for rule in rules]
    if sorted(ids) != sorted(set(ids)) or not ids:
        fail("rules must be a non-empty list of unique ids: %s" % ids)
    for rule in rules:
        if not rule.get("shortDescription", {}).get("text"):
            fail("rule %s has no shortDescription.text" % rule["id"])
        if rule.get("defaultConfiguration", {}).get("level") not in ("error", "warning"):
            fail("rule %s has no default level" % rule["id"])
    base_ids = run.get("originalUriBaseIds", {})
    results = run.get("results", [])
    if len(results) != want_results:
        fail("expected %d results, found %d" % (want_results, len(results)))
    for result in results:
        rule_id = result.get("ruleId")
        if rule_id not in ids:
            fail("result names unknown rule %s" % rule_id)
        if ids[result.get("ruleIndex", -1)] != rule_id:
            fail("ruleIndex does not point at %s" % rule_id)
        if not result.get("message", {}).get("text"):
            fail("result without message.text")
        if result.get("level") not in ("error", "warning"):
            fail("result without a level")
        loc = result["locations"][0]["physicalLocation"]
        artifact = loc["artifactLocation"]
        uri = artifact["uri"]
        if uri.startswith("file://"):
            fail("absolute URI %s: code scanning needs paths under the checkout" % uri)
        if artifact.get("uriBaseId") not in base_ids:
            fail("uriBaseId %s is not declared in originalUriBaseIds" % artifact.get("uriBaseId"))
        if loc["region"].get("startLine", 0) < 1:
            fail("region.startLine missing")
        if not result.get("partialFingerprints"):
            fail("result without partialFingerprints")
    invocations = run.get("invocations", [])
    if len(invocations) != 1:
        fail("expected one invocation")
    notes = invocations[0].get("toolExecutionNotifications", [])
    if len(notes) != want_notes:
        fail("expected %d notifications, found %d" % (want_notes, len(notes)))
    if invocations[0].get("executionSuccessful") != (want_notes == 0):
        fail("executionSuccessful does not match the notifications")
    print("check_sarif: ok (%d results, %d notifications)" % (len(results), len(notes)))


if __name__ == "__main__":
    main()
