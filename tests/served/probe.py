"""A Django process beside the served stack (its database, cache and broker, from the same environment),
for what a test must set up or read behind the pages: one JSON line in ({"code": "..."}), one JSON line
out ({"ok": value} or {"error": traceback}). The code runs with `result` to set; Django is set up once,
so each call costs milliseconds, not the seconds of a `manage.py shell`."""

import json
import os
import sys
import traceback

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import close_old_connections  # noqa: E402

out = sys.stdout
sys.stdout = sys.stderr  # prints of the code never mix with the answers
out.write(json.dumps({"ok": "ready"}) + "\n")
out.flush()
for line in sys.stdin:
    namespace = {"result": None}
    try:
        close_old_connections()
        exec(json.loads(line)["code"], namespace)
        answer = {"ok": namespace["result"]}
    except BaseException:  # the test reads the traceback
        answer = {"error": traceback.format_exc()}
    out.write(json.dumps(answer, default=str) + "\n")
    out.flush()
