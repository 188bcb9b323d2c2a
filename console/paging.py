"""Long lists in pages of a fixed size, so a page stays quick to load, read and check.

`paged(request, items, per_page)` reads `?page=N` (a bad or out-of-range number gives the nearest
real page, never an error) and returns the slice to show with what the GOV.UK pagination component
needs: the links keep every other query parameter as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

Item = TypeVar("Item")
PAGE_PARAMETER = "page"


@dataclass(frozen=True)
class Paged(Generic[Item]):
    items: Sequence[Item]
    number: int  # from 1
    pages: int
    total: int
    first_shown: int  # from 1; 0 when there is nothing
    last_shown: int
    links: dict[str, Any]  # govukPagination's params; empty when everything fits on one page


def _page_url(request: Request, number: int) -> str:
    query = [(key, value) for key, value in request.query_params.multi_items() if key != PAGE_PARAMETER]
    if number > 1:
        query.append((PAGE_PARAMETER, str(number)))
    return request.url.path + ("?" + urlencode(query) if query else "")


def _requested(request: Request) -> int:
    try:
        return int(request.query_params.get(PAGE_PARAMETER, "1")[:6])
    except ValueError:
        return 1


def paged(request: Request, items: Sequence[Item], per_page: int, label: str) -> Paged[Item]:
    """`label` names the list for screen readers (the pagination landmark)."""
    total = len(items)
    pages = max(1, -(-total // per_page))
    number = min(max(1, _requested(request)), pages)
    start = (number - 1) * per_page
    shown = items[start:start + per_page]
    links: dict[str, Any] = {}
    if pages > 1:
        links["landmarkLabel"] = label
        links["items"] = [{"number": n, "href": _page_url(request, n), "current": n == number}
                          for n in range(1, pages + 1)]
        if number > 1:
            links["previous"] = {"href": _page_url(request, number - 1)}
        if number < pages:
            links["next"] = {"href": _page_url(request, number + 1)}
    return Paged(items=shown, number=number, pages=pages, total=total, first_shown=start + 1 if shown else 0,
                 last_shown=start + len(shown), links=links)
