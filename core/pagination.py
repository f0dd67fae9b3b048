"""A paginator told how many rows its list holds, when a query has counted them already."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator


class CountedPaginator(Paginator):  # type: ignore[type-arg]
    """``Paginator`` with a known ``count``: the caseload's aggregate counts the list with its
    facets, and a second ``COUNT(*)`` over the same filters would scan it again."""

    def __init__(self, object_list: Any, per_page: Any, *args: Any, count: int | None = None, **kwargs: Any):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # ``count`` is a cached_property: this is its cached value
