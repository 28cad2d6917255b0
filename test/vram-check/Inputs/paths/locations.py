"""Prints the places of a vram-check JSON or SARIF report, one per line.

usage: locations.py json|sarif <report>

json:  "finding <file>:<line>:<column> <check> <api>", then for each of its
       notes "  note <file>:<line>:<column> <message>"
sarif: "root <%SRCROOT% uri>", then "result <uri> [<uriBaseId>]
       <line>:<column> <ruleId>" and for each related location
       "  related <uri> [<uriBaseId>] <line>:<column> <message>"
"""
import json
import sys


def artifact(physical):
    location = physical["artifactLocation"]
    region = physical["region"]
    return "%s [%s] %d:%d" % (location["uri"], location.get("uriBaseId", ""),
                              region["startLine"], region["startColumn"])


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    if kind == "json":
        for finding in report["findings"]:
            print("finding %s:%d:%d %s %s" % (finding["file"], finding["line"],
                                              finding["column"], finding["check"],
                                              finding["api"]))
            for note in finding.get("notes", []):
                print("  note %s:%d:%d %s" % (note["file"], note["line"],
                                              note["column"], note["message"]))
        return
    run = report["runs"][0]
    print("root " + run["originalUriBaseIds"]["%SRCROOT%"]["uri"])
    for result in run["results"]:
        print("result %s %s" % (artifact(result["locations"][0]["physicalLocation"]),
                                result["ruleId"]))
        for related in result.get("relatedLocations", []):
            print("  related %s %s" % (artifact(related["physicalLocation"]),
                                       related["message"]["text"]))


if __name__ == "__main__":
    main()
