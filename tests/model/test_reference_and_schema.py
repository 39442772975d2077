"""The lab-file reference and the JSON Schema are generated from the model and stay true."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from hvlab import api
from hvlab.cli import app
from hvlab.model.reference import render_lab_reference

ROOT = Path(__file__).resolve().parents[2]


def test_docs_lab_file_is_generated_from_the_model() -> None:
    committed = (ROOT / "docs" / "lab-file.md").read_text()
    assert committed == render_lab_reference(), "run `make docs` to regenerate docs/lab-file.md"


def test_every_model_key_is_documented() -> None:
    text = render_lab_reference()
    for key in (
        "`endpoints`",
        "`lacp_timer`",
        "`same_subnet_threshold`",
        "`accepted_codes`",
        "`automatic_stop_action`",
        "`instance_priorities`",
        "`continuous_availability`",
    ):
        assert key in text


def test_schema_is_valid_json_schema() -> None:
    schema = api.schema()
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", sorted((ROOT / "examples").rglob("*.yaml")), ids=str)
def test_examples_validate_against_the_schema(path: Path) -> None:
    data = YAML(typ="safe", pure=True).load(path.read_text())
    if not isinstance(data, dict) or "name" not in data:
        pytest.skip("not a lab file")
    data.pop("include", None)
    validator = jsonschema.Draft202012Validator(api.schema())
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, errors[0].message


def test_schema_rejects_unknown_keys() -> None:
    validator = jsonschema.Draft202012Validator(api.schema())
    assert list(validator.iter_errors({"name": "x", "colour": "blue"}))


def test_cli_schema_prints_json() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert '"title": "hvlab lab file"' in result.output
