"""check-options-documented.py <vram-check --help output> <docs page>:
every option --help lists (but the generic ones) is in the page as `--name`
or `-x`. Exits 1 naming the missing ones."""
import re
import sys

help_text = open(sys.argv[1]).read().split("vram-check options:", 1)[1]
page = open(sys.argv[2]).read()
options = re.findall(r"^  (--?[a-z][a-z-]*)", help_text, re.M)
missing = [o for o in options if "`" + o not in page]
if not options or missing:
    sys.exit("not documented in %s: %s" % (sys.argv[2], ", ".join(missing) or "(no options read)"))
print("documented: " + " ".join(options))
