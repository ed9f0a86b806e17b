"""The aiohttp application: REST API v10 under /api/v10 and the gateway websocket at /."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError, not_found_route, unauthorized
from .models import RequestRecord, Violation
from .uploads import check_files

if TYPE_CHECKING:
    from .fake import FakeDiscord

API_PREFIX = re.compile(r"^/api/v(\d+)(/.*)?$")


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """What a route handler gets: the parsed request and the fake."""

    fake: FakeDiscord
    request: web.Request
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[dict[str, Any]]
    record: RequestRecord

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found_route() from None

    @property
    def body(self) -> dict[str, Any]:
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.json

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


Handler = Callable[[Ctx], Awaitable[Reply]]


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        parts = []
        for segment in template.split("/"):
            param = re.fullmatch(r"\{(\w+)\}", segment)
            parts.append(f"(?P<{param.group(1)}>[^/]+)" if param else re.escape(segment))
        pattern = re.compile("^" + "/".join(parts) + "$")
        self.routes.append(Route(method, template, pattern, handler, auth))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path_matched = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m is None:
                continue
            path_matched = True
            if route.method == method:
                return route, m.groupdict()
        if path_matched:
            raise ApiError(405, 0, "405: Method Not Allowed")
        raise not_found_route()


def ratelimit_headers(route_key: str) -> dict[str, str]:
    bucket = hashlib.md5(route_key.encode()).hexdigest()
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": bucket,
    }


class FakeServer:
    def __init__(self, fake: FakeDiscord) -> None:
        from . import polls, rest_channels, rest_core, rest_dms, rest_interactions

        self.fake = fake
        self.router = Router()
        for module in (rest_core, rest_interactions, rest_dms, rest_channels, polls):
            module.register(self.router)
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("GET", "/", fake.gateway.handle)
        self.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self.runner.setup()
        # Discord takes bursts; aiohttp's default backlog (128) would drop some connections.
        site = web.TCPSite(self.runner, host, port, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    # Request handling ---------------------------------------------------------------------

    async def _parse(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        files: list[dict[str, Any]] = []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if getattr(part, "filename", None) is None and part.name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                    continue
                data = await part.read()  # type: ignore[union-attr]
                files.append(
                    {
                        "field": part.name,
                        "filename": getattr(part, "filename", None) or part.name,
                        "content_type": part.headers.get("Content-Type"),
                        "size": len(data),
                        "data": data,
                    }
                )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        arrival = time.monotonic()
        m = API_PREFIX.match(request.path)
        path = (m.group(2) or "/") if m else request.path
        record = RequestRecord(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=None,
            files=[],
            headers={
                k: v
                for k, v in request.headers.items()
                if k.lower()
                in ("authorization", "content-type", "user-agent", "x-audit-log-reason")
            },
            time=arrival,
        )
        fake.requests.append(record)
        reply: Reply
        route_key = f"{request.method} {path}"
        try:
            record.json, record.files = await self._parse(request)
            if record.files:
                check_files(record.json, record.files)
            if m is None:
                raise not_found_route()
            if m.group(1) != "10":
                raise ApiError(400, 50041, "Invalid API version provided.")
            delay = fake._delay_for(request.method, path)
            if delay:
                await asyncio.sleep(delay)
            fault = fake._take_fault(request.method, path)
            if fault is not None:
                record.injected = True
                reply = self._fault_reply(fault)
            else:
                route, params = self.router.match(request.method, path)
                record.route = f"{route.method} {route.template}"
                route_key = record.route
                if route.auth and request.headers.get("Authorization") != f"Bot {fake.token}":
                    raise unauthorized()
                ctx = Ctx(
                    fake,
                    request,
                    request.method,
                    path,
                    params,
                    dict(request.query),
                    record.json,
                    record.files,
                    record,
                )
                reply = await route.handler(ctx)
        except ApiError as exc:
            reply = Reply(exc.body(), exc.status)
            if exc.violation:
                fake.violations.append(
                    Violation(exc.status, exc.code, exc.message, exc.errors, record)
                )
        for f in record.files:  # stored messages keep the bytes (uploads.py), not the record
            f.pop("data", None)
        record.status = reply.status
        record.response = reply.body
        record.done_time = time.monotonic()
        headers = {"Via": "1.1 google", **reply.headers}
        if 200 <= reply.status < 300:
            headers.update(ratelimit_headers(route_key))
        fake._changed()
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # Exactly "application/json": discord.py only decodes JSON for that content type.
        headers["Content-Type"] = "application/json"
        body = json.dumps(reply.body, separators=(",", ":")).encode()
        return web.Response(body=body, status=reply.status, headers=headers)

    def _fault_reply(self, fault: Any) -> Reply:
        if fault.status == 429:
            retry_after = fault.retry_after if fault.retry_after is not None else 0.05
            body = fault.json or {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": fault.is_global,
            }
            headers = {
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Scope": "global" if fault.is_global else "user",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            return Reply(body, 429, {**headers, **fault.headers})
        default_bodies = {
            400: {"message": "400: Bad Request", "code": 0},
            401: {"message": "401: Unauthorized", "code": 0},
            403: {"message": "Missing Permissions", "code": 50013},
            404: {"message": "404: Not Found", "code": 0},
            500: {"message": "500: Internal Server Error", "code": 0},
            502: {"message": "502: Bad Gateway", "code": 0},
            503: {"message": "503: Service Unavailable", "code": 0},
        }
        body = (
            fault.json
            if fault.json is not None
            else default_bodies.get(fault.status, {"message": f"{fault.status}", "code": 0})
        )
        return Reply(body, fault.status, dict(fault.headers))
