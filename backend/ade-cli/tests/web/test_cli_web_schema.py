"""The web app's generated API types match the API: regenerating them from `create_app().openapi()`
with the project's own openapi-typescript gives the committed `schema.d.ts`, byte for byte.

After changing a route or schema: `ade api openapi --out frontend/ade-web/openapi.json` then
`npm run generate:api` in frontend/ade-web, and commit the new schema.d.ts.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ade_api.app import create_app
from ade_api.settings import ApiSettings
from ade_cli.testing import ROOT

WEB = ROOT / "frontend" / "ade-web"
SCHEMA = WEB / "src" / "api" / "generated" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


def _generator() -> Path:
    if GENERATOR.is_file():
        return GENERATOR
    if os.environ.get("CI"):
        pytest.fail(f"{GENERATOR} is missing: run `npm ci` in {WEB} before the tests (CI is set)")
    pytest.skip(f"{GENERATOR} is missing (run `npm ci` in {WEB}); under CI this fails")


def test_generated_schema_matches_the_api(tmp_path: Path) -> None:
    generator = _generator()
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(create_app(ApiSettings()).openapi()), encoding="utf-8")
    out = tmp_path / "schema.d.ts"
    done = subprocess.run(
        [str(generator), str(document), "--output", str(out)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8"), (
        "frontend/ade-web/src/api/generated/schema.d.ts is stale: from the checkout run "
        "`ade api openapi --out frontend/ade-web/openapi.json`, then `npm run generate:api` "
        "in frontend/ade-web, and commit the new schema.d.ts"
    )
