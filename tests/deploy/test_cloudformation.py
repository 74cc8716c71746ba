import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT_DIR

TEMPLATE_DIR = PROJECT_DIR / "deploy" / "cloudformation"
TEMPLATES = sorted(TEMPLATE_DIR.glob("*.yaml"))


def test_it_has_a_template_for_every_part_of_the_stack():
    assert {path.stem for path in TEMPLATES} >= {
        *("main", "storage", "identity", "data", "messaging", "app"),
        *("waf", "certificate", "edge", "replica", "monitoring", "cost", "pipeline"),
    }


@pytest.fixture(scope="module")
def lint_findings() -> dict[str, list[dict]]:
    """cfn-lint's findings for every template, from one run (its start-up, loading the
    resource specifications, costs more than linting a template)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            "--format",
            "json",
            "--regions",
            "eu-west-1",
            "us-east-1",
            "--",
            *(path.name for path in TEMPLATES),
        ],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip().startswith("["), result.stdout + result.stderr
    findings: dict[str, list[dict]] = {path.name: [] for path in TEMPLATES}
    for finding in json.loads(result.stdout):
        findings.setdefault(Path(finding["Filename"]).name, []).append(finding)
    return findings


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_it_passes_cfn_lint(template, lint_findings):
    # Nested stacks are linted with their parents too: cfn-lint checks the parameters passed.
    assert lint_findings[template.name] == []


def _environment_variables(template_path) -> set[str]:
    from cfnlint.decode import decode

    template, errors = decode(str(template_path))
    assert not errors
    names = set()

    def visit(node):
        if isinstance(node, dict):
            if node.get("Namespace") == "aws:elasticbeanstalk:application:environment":
                names.add(node["OptionName"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(template)
    return names


def test_it_documents_every_variable_the_environments_set():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (PROJECT_DIR / "docs" / "configuration.md").read_text()))
    set_by_templates = _environment_variables(TEMPLATE_DIR / "app.yaml")
    set_by_bundle = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    assert "SECRETS_MANAGER_SECRET_ID" in set_by_templates
    assert set_by_templates - documented == set()
    assert set_by_bundle <= _environment_variables_in_ebextensions()


def _environment_variables_in_ebextensions() -> set[str]:
    text = (PROJECT_DIR / "deploy" / "eb" / "common" / ".ebextensions" / "01_instance.config").read_text()
    return set(re.findall(r"^\s+([A-Z_]+):", text, flags=re.MULTILINE))


def test_it_gives_sqs_the_same_visibility_timeout_as_the_app():
    main = (TEMPLATE_DIR / "main.yaml").read_text()
    messaging = (TEMPLATE_DIR / "messaging.yaml").read_text()
    app = (TEMPLATE_DIR / "app.yaml").read_text()
    assert "CeleryVisibilityTimeout: !Ref CeleryVisibilityTimeout" in main
    assert "VisibilityTimeout: !Ref CeleryVisibilityTimeout" in messaging
    assert "OptionName: CELERY_VISIBILITY_TIMEOUT\n          Value: !Ref CeleryVisibilityTimeout" in app
