"""Intent templates: valid ones load, bad ones say which line and field, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dataops_spiders.templates import TemplateError, list_templates, load_template, parse_template

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
name: shop
intent: custom
start_urls: [https://shop.example/]
crawl:
  strategy: navigation
  follow:
    - css: "nav.categories"
      role: navigate
    - regex: "/product/\\\\d+"
      role: item
  max_depth: 3
records:
  key: [sku]
fields:
  sku:
    extract:
      - css: ".sku::text"
  price:
    type: price
    required: true
    extract:
      - jsonld: Product.offers.price
      - css: ".price"
      - regex: "Price: ([0-9.,]+)"
    validate: {min: 0}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        parse_template(textwrap.dedent(text), "templates/shop.yml")
    return [str(p) for p in caught.value.problems]


def test_a_valid_template_loads_with_its_rules_in_order():
    template = parse_template(GOOD, "shop.yml")
    rules = template.fields["price"].extract
    assert [r.kind for r in rules] == ["jsonld", "css", "regex"]
    assert template.crawl.follow[1].role == "item"
    assert template.records.key == ("sku",)
    assert len(template.content_hash) == 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace('      - css: ".price"', '      - csss: ".price"'),
            "templates/shop.yml:23 fields.price.extract[1]: unknown rule 'csss'",
        ),
        (GOOD.replace("type: price", "type: money"), "templates/shop.yml:19 fields.price.type:"),
        (
            GOOD.replace('css: ".sku::text"', 'xpath: "//span["'),
            "fields.sku.extract[0]: invalid xpath",
        ),
        (
            GOOD.replace("Price: ([0-9.,]+)", "Price: ([0-9"),
            "fields.price.extract[2]: invalid regex",
        ),
        (GOOD.replace("strategy: navigation", "strategy: everything"), "crawl.strategy:"),
        (GOOD.replace("key: [sku]", "key: [ean]"), "records.key names 'ean', which is not a field"),
        (GOOD.replace("max_depth: 3", "max_depth: 3\n  colour: red"), "crawl.colour: unknown key"),
        (GOOD.replace("https://shop.example/", "shop.example"), "start_urls: start URL"),
        (GOOD + "intent: product\n", "templates/shop.yml:26 intent: duplicate key"),
        (GOOD.replace("name: shop", "name: Shop Name!"), "templates/shop.yml:1 name:"),
        ("name: [unclosed\n", "templates/shop.yml:2: invalid YAML"),
        ("- just\n- a list\n", "a template is a YAML mapping"),
    ],
)
def test_bad_templates_name_line_and_field(text, expected):
    found = problems(text)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_not_just_the_first():
    text = GOOD.replace("type: price", "type: money").replace('css: ".sku::text"', "cs: x")
    assert len(problems(text)) == 2


def test_unknown_cleaner_is_refused():
    text = GOOD.replace("    validate: {min: 0}", "    clean: [strip, shout]")
    assert any("unknown cleaner 'shout'" in p for p in problems(text))


def test_templates_load_by_name_from_the_templates_folder():
    assert load_template("generic_product").intent == "product"
    with pytest.raises(TemplateError, match="no template by that name"):
        load_template("no_such_template")


def test_a_path_like_name_is_not_looked_up_outside_the_template_folders():
    # names are searched only inside the template folders; "../x" is a path or nothing
    with pytest.raises(TemplateError, match="no such template file"):
        load_template("../templates/generic_product")


@pytest.mark.parametrize("path", list_templates(), ids=lambda p: p.stem)
def test_every_shipped_template_is_valid(path):
    assert load_template(path).name


def test_cli_validate_prints_problems_and_fails(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(GOOD.replace('      - css: ".price"', '      - csss: ".price"'))
    good = tmp_path / "good.yml"
    good.write_text(GOOD)
    run = subprocess.run(
        [sys.executable, "-m", "dataops_spiders.cli", "template", "validate", str(good), str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert f"{bad}:23 fields.price.extract[1]: unknown rule 'csss'" in run.stderr
    assert "Traceback" not in run.stderr
    assert f"{good}: ok" in run.stdout
