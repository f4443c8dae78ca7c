"""The documentation: every public name has an entry in the API reference, every page is
in the site's navigation, and the README points at pages that exist."""

import re
from pathlib import Path

import matching

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_every_public_name_is_in_the_api_reference():
    text = (DOCS / "api.md").read_text("utf-8")
    documented = set(re.findall(r"^::: matching\.(\w+)$", text, flags=re.M))
    missing = sorted(set(matching.__all__) - documented)
    assert not missing, f"add '::: matching.NAME' to docs/api.md for {missing}"
    assert not documented - set(matching.__all__)


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text("utf-8")
    pages = {p.name for p in DOCS.glob("*.md")}
    listed = set(re.findall(r":\s*(\S+\.md)\s*$", nav, flags=re.M))
    assert pages == listed, f"mkdocs.yml nav and docs/*.md differ: {pages ^ listed}"


def test_readme_links_exist():
    readme = (ROOT / "README.md").read_text("utf-8")
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).exists(), link
