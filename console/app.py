"""The staff console: `create_app(settings)` builds the Starlette app that `signpost web` serves.

Pages are rendered on the server with the GOV.UK Frontend Jinja macros and work without JavaScript.
The GOV.UK styles and scripts come from node_modules (installed by `./dev setup`). Signpost is not a GOV.UK
service, so the crown, crest and GDS Transport font are not served: text falls back to Arial.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from anyio import to_thread
from argon2 import PasswordHasher
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.health import health_routes
from bot.logs import configure_logging
from bot.metrics import metrics_routes
from bot.settings import Settings
from casefile import db
from casefile.linking import CodeHasher
from console import pages
from console.context import GOVUK_DIST, STATIC_DIR, WebContext, make_templates
from console.routes import admin, auth, caseload, content, diary, outcomes, person
from console.security import SessionCodec, SignInThrottle, password_hasher
from glossary.live import LiveGlossary
from journeys.live import LiveJourneys

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
    hasher: PasswordHasher | None = None,
    link_hasher: CodeHasher | None = None,
    glossary: LiveGlossary | None = None,
    journeys: LiveJourneys | None = None,
) -> Starlette:
    """The console app. Refuses to start on a database whose schema is not current (SchemaOutdated)."""
    own_engine = engine is None
    engine = engine or db.make_engine(settings.database_url, busy_seconds=settings.sqlite_busy_seconds)
    try:
        db.ensure_current(engine)
    except BaseException:
        if own_engine:
            engine.dispose()  # `signpost web` tries again while the database is away: leave no pool behind
        raise
    secret = settings.web_secret or secrets.token_urlsafe(32)
    if not settings.web_secret:
        logger.warning("SIGNPOST_WEB_SECRET is not set: everyone is signed out when the console restarts.")
    # A glossary made here follows the files: another console process (or an editor by hand) may save.
    watch_glossary = glossary is None
    watch_journeys = journeys is None
    sessions = db.session_factory(engine)
    ctx = WebContext(
        settings=settings, engine=engine, sessions=sessions, templates=make_templates(),
        codec=SessionCodec(secret), hasher=hasher or password_hasher(), link_hasher=link_hasher or settings.link_hasher,
        glossary=glossary or LiveGlossary(settings.content_dir),
        journeys=journeys or LiveJourneys(settings.content_dir), throttle=SignInThrottle(sessions, secret),
    )
    if clock is not None:
        ctx.clock = clock
    if not GOVUK_DIST.is_dir():
        logger.warning("GOV.UK Frontend is missing (%s): run ./dev setup. Pages will have no styles.", GOVUK_DIST)
    routes = [
        *auth.routes, *caseload.routes, *diary.routes, *person.routes, *content.routes, *outcomes.routes, *admin.routes,
        # For the load balancer and Prometheus; /metrics only with a token, as the console faces staff browsers.
        *health_routes(sessions), *(metrics_routes(sessions, settings.metrics_token) if settings.metrics_token else []),
        Mount("/govuk", app=pages.StaticWithHeaders(StaticFiles(directory=GOVUK_DIST, check_dir=False)),
              name="govuk"),
        Mount("/static", app=pages.StaticWithHeaders(StaticFiles(directory=STATIC_DIR, check_dir=False)),
              name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if watch_glossary:
            ctx.glossary.start_watching()
        if watch_journeys:
            ctx.journeys.start_watching()
        to_thread.current_default_thread_limiter().total_tokens = database_threads(engine)
        try:
            yield
        finally:
            if watch_glossary:
                ctx.glossary.stop()
            if watch_journeys:
                ctx.journeys.stop()
            if own_engine:
                engine.dispose()

    # Only a proxy named in the settings may say who the client is and that it came over HTTPS (the
    # Secure cookie, HSTS and the per-address sign-in limit depend on it); nobody else can forge those headers.
    middleware = [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips))]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error, Exception: _server_error}, lifespan=lifespan)
    app.state.ctx = ctx
    return app


def database_threads(engine: Engine) -> int:
    """How many of a process's requests may be in the database at once (anyio's default is 40).

    The database work is mostly Python, so threads beyond a few only fight over the GIL, and on SQLite a
    thread holding the write lock waits for the GIL while the others wait for the lock. Measured with
    bench/web.py (50 at once, one process): SQLite caseload 102 -> 192 requests a second and p99
    1.7 s -> 0.35 s going from 40 threads to 1; PostgreSQL best at 4 (82 -> 108), whose round trips leave
    time for others. Two on SQLite, so a sign-in's password check or a glossary save never holds up all
    the pages of a process.
    """
    return 2 if engine.dialect.name == "sqlite" else 4


def app_from_environment() -> Starlette:
    """The app factory each `signpost web` worker process calls (settings from the environment)."""
    settings = Settings.from_env()
    configure_logging(settings.log_format, level=logging.WARNING)  # a fresh process: its own handler
    return create_app(settings)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    request.state.user = getattr(request.state, "user", None)
    if status == 404:
        response: Response = pages.not_found(request)
    elif status == 405:
        response = pages.render(request, "errors/bad_request.html", status_code=405,
                                message="Sorry, that page cannot be used that way. Please use the links and buttons.")
    else:
        response = pages.render(request, "errors/bad_request.html", status_code=status,
                                message="Sorry, something was wrong with that request. Please try again.")
    pages.security_headers(request, response)
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("staff console error on %s", request.url.path, exc_info=exc)
    request.state.user = getattr(request.state, "user", None)
    response = pages.render(request, "errors/server_error.html", status_code=500)
    pages.security_headers(request, response)
    return response
