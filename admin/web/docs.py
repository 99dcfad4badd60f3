"""The staff API's browsable documentation at /docs: Swagger UI served from this site, not from a CDN.

FastAPI's own /docs page loads an unpinned Swagger UI from a CDN into the staff API's origin and
starts it with an inline script. Here the assets come from the ``fastapi-offline`` package
(Swagger UI 5, which reads the OpenAPI 3.1 document FastAPI writes; ``swagger-ui-bundle`` ships
Swagger UI 4, which cannot), pinned by the package version, and the start-up script is a file of
ours, so the page runs under the same script-src 'self' policy as everything else.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

ASSETS = Path(fastapi_offline.__file__).parent / "static"
OWN = Path(__file__).parent / "static"
FILES = {
    "swagger-ui-bundle.js": (ASSETS, "text/javascript; charset=utf-8"),
    "swagger-ui.css": (ASSETS, "text/css; charset=utf-8"),
    "favicon.png": (ASSETS, "image/png"),
    "swagger-init.js": (OWN, "text/javascript; charset=utf-8"),
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} – API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body>
</html>
"""


def docs_router(title: str) -> APIRouter:
    """GET /docs and its assets."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        return HTMLResponse(PAGE.format(title=title), headers={"Cache-Control": "no-cache"})

    @router.get("/docs/assets/{name}")
    def asset(name: str) -> Response:
        if name not in FILES:
            raise HTTPException(status_code=404)
        folder, media_type = FILES[name]
        return FileResponse(folder / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})

    return router
