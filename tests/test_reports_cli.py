"""manage.py stocktake: the same generator from the command line."""

import json
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.factories_reports import build_known_data_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _known():
    build_known_data_set()


def test_json_goes_to_standard_output_by_default():
    out = StringIO()
    call_command("stocktake", "--from", "2020-07-01", "--to", "2020-11-30", stdout=out)
    result = json.loads(out.getvalue())
    assert result["period"] == {
        "from": "2020-07-01",
        "to": "2020-11-30",
        "planned_until": "2021-03-31",
    }
    assert result["totals"]["delivered"] == 6
    assert result["totals"]["councils_involved"] == 7


def test_offers_and_planned_until_are_honoured():
    out = StringIO()
    call_command(
        "stocktake",
        "--from=2020-07-01",
        "--to=2020-11-30",
        "--offers=RRP,BRPS",
        "--planned-until=2021-01-31",
        "--format=json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert set(result["offers"]) == {"RRP", "BRPS"}
    assert result["totals"]["delivered"] == 4
    assert result["totals"]["planned"] == 1  # E9 (10 Jan); E10 is 31 Mar


@pytest.mark.parametrize("fmt", ["json", "xlsx", "pdf", "html"])
def test_every_format_can_be_written_to_a_file(tmp_path, fmt):
    target = tmp_path / f"stocktake.{fmt}"
    call_command(
        "stocktake",
        "--from=2020-07-01",
        "--to=2020-11-30",
        f"--format={fmt}",
        f"--output={target}",
        stderr=StringIO(),
    )
    data = target.read_bytes()
    if fmt == "json":
        assert json.loads(data)["totals"]["peers"] == 5
    elif fmt == "xlsx":
        totals = dict(load_workbook(BytesIO(data))["Totals"].iter_rows(min_row=2, values_only=True))
        assert totals["peers"] == 5
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-")
    else:
        assert b"5 peers from 4 councils took part" in data


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("stocktake", "--from=1/7/2020", "--to=2020-11-30")
    with pytest.raises(CommandError, match="Unknown: NOPE"):
        call_command("stocktake", "--from=2020-07-01", "--to=2020-11-30", "--offers=NOPE")
    with pytest.raises(CommandError, match="--output"):
        call_command("stocktake", "--from=2020-07-01", "--to=2020-11-30", "--format=pdf")
