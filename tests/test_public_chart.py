"""The public statistics page (issue 11, point 8): the days still to come are not listed, and
percentages are rounded, not cut (the chart's axis is checked in Chromium: tests/browser/test_public_chart.py)."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from reports.templatetags.reports_tags import days, pct
from tests.reports_world import build_world

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def chart_of(html):
    return json.loads(re.search(r'<script id="chart-public" type="application/json">(.*?)</script>', html, re.S)[1])


def test_the_days_still_to_come_are_not_listed():
    world = build_world()
    with time_machine.travel(datetime(2024, 3, 15, 10, 0, tzinfo=VN), tick=False):
        html = Client().get(f"/thong-ke/tinh/{world.province.code}/?period=month").content.decode()
    labels = chart_of(html)["labels"]
    assert labels[0] == "01/03/2024" and labels[-1] == "15/03/2024" and len(labels) == 15
    table = html[html.rindex("<table") :]  # the table by day (the last one) stops at today too
    assert "15/03/2024" in table and "16/03/2024" not in table and "31/03/2024" not in table
    # A month gone by is listed whole.
    with time_machine.travel(datetime(2024, 4, 20, 10, 0, tzinfo=VN), tick=False):
        html = Client().get(f"/thong-ke/tinh/{world.province.code}/?period=month&date=2024-03-10").content.decode()
    assert chart_of(html)["labels"][-1] == "31/03/2024"


def test_percentages_and_days_are_rounded_not_cut():
    assert pct(2 / 3) == "66,7 %"
    assert pct(0.1234) == "12,3 %" and pct(0.12351) == "12,4 %"
    assert pct(0.305, 0) == "31 %"
    assert days(4.0459) == "4,05"
    assert pct(None) == "—"
