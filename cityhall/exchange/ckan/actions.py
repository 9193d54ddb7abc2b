"""The actions: each takes the request's parameters and returns what CKAN's action of that name
returns; `action_run` refuses the write actions of CKAN core as CKAN refuses an anonymous caller."""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import translation

from cityhall.exchange.ckan.catalogue import Catalogue, Dataset
from cityhall.exchange.ckan.errors import (
    NotAuthorized,
    NotFound,
    SearchQueryError,
    ValidationError,
)
from cityhall.exchange.ckan.params import (
    boolean,
    integer,
    natural,
    raise_if,
    required,
    string_list,
)
from cityhall.exchange.ckan.search import (
    SearchIndex,
    facet_items,
    parse_clauses,
    sort_spec,
    sorted_datasets,
)

CKAN_VERSION = "2.10.4"  # the CKAN release whose API this one follows
EXTENSIONS = ["cityhall_opendata"]
ROWS_DEFAULT, ROWS_MAX = 10, 1000  # ckan.search.rows_max
FACET_LIMIT_DEFAULT, FACET_MINCOUNT_DEFAULT = 50, 1  # search.facets.limit, query.py
GROUP_LIST_MAX, GROUP_LIST_ALL_FIELDS_MAX = 1000, 25  # ckan.group_and_organization_list_*max
DEFAULT_SEARCH_SORT = "score desc, metadata_modified desc"
# Parameters package_search accepts (CKAN's schema and the Solr parameters it lets through);
# the Solr tuning ones (qf, bf, …) mean nothing without Solr and are accepted and ignored.
SEARCH_PARAMETERS = frozenset(
    {
        "q", "fq", "fq_list", "rows", "start", "sort", "fl", "facet", "facet.field",
        "facet.limit", "facet.mincount", "include_private", "include_drafts",
        "include_deleted", "use_default_schema", "extras", "wt", "qf", "bf", "boost",
        "tie", "defType", "mm", "df",
    }
)  # fmt: skip
# The write actions of CKAN core (create, update, patch, delete): known, and refused to the
# anonymous caller every caller is here.
WRITE_ACTIONS = frozenset(
    {
        "package_create", "resource_create", "resource_view_create",
        "resource_create_default_resource_views", "package_create_default_resource_views",
        "package_relationship_create", "member_create", "package_collaborator_create",
        "group_create", "organization_create", "user_create", "user_invite",
        "vocabulary_create", "tag_create", "follow_user", "follow_dataset", "follow_group",
        "group_member_create", "organization_member_create", "api_token_create",
        "resource_update", "resource_view_update", "resource_view_reorder", "package_update",
        "package_revise", "package_resource_reorder", "package_relationship_update",
        "group_update", "organization_update", "user_update", "task_status_update",
        "task_status_update_many", "term_translation_update", "term_translation_update_many",
        "vocabulary_update", "package_owner_org_update", "bulk_update_private",
        "bulk_update_public", "bulk_update_delete", "config_option_update",
        "send_email_notifications", "package_patch", "resource_patch", "group_patch",
        "organization_patch", "user_patch", "user_delete", "package_delete", "dataset_purge",
        "resource_delete", "resource_view_delete", "resource_view_clear",
        "package_relationship_delete", "member_delete", "package_collaborator_delete",
        "group_delete", "organization_delete", "group_purge", "organization_purge",
        "task_status_delete", "vocabulary_delete", "tag_delete", "unfollow_user",
        "unfollow_dataset", "unfollow_group", "group_member_delete",
        "organization_member_delete", "job_clear", "job_cancel", "api_token_revoke",
    }
)  # fmt: skip


@dataclass
class ActionContext:
    site_url: str

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue.load(self.site_url)


Action = Callable[[ActionContext, dict[str, Any]], Any]


def package_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the names of the site's open datasets, sorted.

    :param limit: at most this many names (optional)
    :param offset: skip this many names first (optional)
    """
    errors: dict[str, list[str]] = {}
    limit, offset = natural(data, "limit", errors), natural(data, "offset", errors)
    raise_if(errors)
    names = sorted(d.name for d in ctx.catalogue.datasets)
    names = names[offset or 0 :]
    return names[:limit] if limit else names


def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return one open dataset.

    :param id: the id or name of the dataset
    """
    name_or_id = data.get("id") or required(data, "name_or_id")
    return ctx.catalogue.package_dict(ctx.catalogue.dataset(str(name_or_id)))


def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search the open datasets (CKAN's parameters; Solr's query syntax in q and fq).

    :param q: free text over title, description, tags and organization, or field:value
    :param fq: filters: organization:, groups:, tags:, res_format:, license_id:, name:, id: …
    :param rows: results per page (default 10, at most 1000)
    :param start: offset of the first result
    :param sort: e.g. "metadata_modified desc" or "title_string asc"
    :param facet.field: JSON list of fields to count values of
    :param facet.limit: values per facet (default 50, negative for all)
    :param facet.mincount: smallest count shown (default 1)
    :param fl: return only these fields of each dataset
    """
    errors: dict[str, list[str]] = {}
    rows = natural(data, "rows", errors)
    start = natural(data, "start", errors)
    facet_fields = string_list(data, "facet.field", errors)
    facet_limit = integer(data, "facet.limit", errors)
    facet_mincount = natural(data, "facet.mincount", errors)
    fq_list = string_list(data, "fq_list", errors)
    raise_if(errors)
    unknown = sorted(
        key for key in data if key not in SEARCH_PARAMETERS and not key.startswith("ext_")
    )
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    rows = ROWS_DEFAULT if rows is None else min(rows, ROWS_MAX)
    sort = str(data.get("sort") or "")
    if sort in ("", "rank"):
        sort = DEFAULT_SEARCH_SORT
    spec = sort_spec(sort)

    q = str(data.get("q") or "").strip()
    query = [] if q in ("", "*:*") else parse_clauses(q)
    filters = [c for text in (str(data.get("fq") or ""), *fq_list) for c in parse_clauses(text)]
    for clause in (*query, *filters):
        SearchIndex.check(clause.field)
    for name in facet_fields:
        SearchIndex.check(name, facet=True)
    catalogue = ctx.catalogue
    index = SearchIndex()
    found = [
        (d, index.score(d, query))
        for d in catalogue.datasets
        if all(index.matches(d, c) for c in (*query, *filters))
    ]
    ordered = sorted_datasets(found, spec)

    facets: dict[str, dict[str, int]] = {}
    if str(data.get("facet", "true")).lower() != "false":
        limit = FACET_LIMIT_DEFAULT if facet_limit is None else facet_limit
        mincount = FACET_MINCOUNT_DEFAULT if facet_mincount is None else facet_mincount
        for name in facet_fields:
            counts = Counter(v for d in ordered for v in set(index.values(d, name)))
            ranked = sorted(
                ((v, n) for v, n in counts.items() if n >= mincount), key=lambda p: (-p[1], p[0])
            )
            facets[name] = dict(ranked if limit < 0 else ranked[:limit])
    search_facets = {
        name: {"title": name, "items": facet_items(catalogue, name, counts)}
        for name, counts in facets.items()
    }

    page = ordered[start or 0 :][:rows]
    results = [catalogue.package_dict(d) for d in page]
    wanted = [f for part in _string_list_or_text(data.get("fl")) for f in part]
    if wanted:
        results = [{k: r[k] for k in wanted if k in r} for r in results]
    return {
        "count": len(ordered),
        "results": results,
        "facets": facets,
        "search_facets": search_facets,
        "sort": sort,
    }


def _string_list_or_text(value: object) -> Iterable[list[str]]:
    """`fl` as CKAN takes it: a list, or one string of names separated by spaces or commas."""
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    return [re.split(r"[\s,]+", str(item).strip()) for item in items]


def resource_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return one downloadable file of an open dataset.

    :param id: the id of the resource
    """
    wanted = required(data, "id")
    for dataset in ctx.catalogue.datasets:
        for position, fmt in enumerate(dataset.formats):
            if dataset.resource_id(fmt) == wanted:
                return ctx.catalogue.resource_dict(dataset, fmt, position)
    raise NotFound("Resource was not found.")


def _list_arguments(
    data: dict[str, Any], names_key: str
) -> tuple[bool, list[str], list[tuple[str, bool]], int, int, str]:
    errors: dict[str, list[str]] = {}
    all_fields = boolean(data, "all_fields", errors)
    # One name may be given bare (?organizations=x); several as a JSON list or repeated.
    given = data.get(names_key)
    if isinstance(given, str) and not given.lstrip().startswith("["):
        names = [given] if given else []
    else:
        names = string_list(data, names_key, errors)
    limit, offset = natural(data, "limit", errors), natural(data, "offset", errors)
    raise_if(errors)
    cap = GROUP_LIST_ALL_FIELDS_MAX if all_fields else GROUP_LIST_MAX
    limit = cap if limit is None or limit > cap else limit
    sort = str(data.get("sort") or data.get("order_by") or "title").strip()
    if sort in ("packages", "package_count"):
        sort = "package_count desc"
    spec = []
    for part in sort.split(","):
        words = part.split() or [""]
        name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if name not in ("name", "title", "package_count", "packages"):
            raise ValidationError({"message": f"Cannot sort by field `{name}`"})
        if direction not in ("asc", "desc"):
            raise ValidationError({"message": f"Invalid sort direction `{direction}`"})
        spec.append(("package_count" if name == "packages" else name, direction == "desc"))
    if len(spec) > 1:
        raise ValidationError({"message": "Too many sort criteria provided only 1 allowed"})
    q = str(data.get("q") or "").strip().casefold()
    return all_fields, names, spec, limit, offset or 0, q


def _listed(
    full: list[dict[str, Any]],
    all_fields: bool,
    spec: list[tuple[str, bool]],
    limit: int,
    offset: int,
) -> list[Any]:
    ((key, descending),) = spec
    by_name = sorted(full, key=lambda g: g["name"])  # ties keep name order (sorting is stable)
    ordered = sorted(by_name, key=lambda g: g[key], reverse=descending)[offset:][:limit]
    return ordered if all_fields else [g["name"] for g in ordered]


def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the organizations (owner departments) that have open datasets.

    :param all_fields: return dictionaries instead of names (default false)
    :param sort: "title", "name" or "package_count", with "asc" or "desc"
    :param organizations: only these names
    :param q: only those whose name or title contains this
    :param limit: at most this many; :param offset: skip this many
    """
    all_fields, names, spec, limit, offset, q = _list_arguments(data, "organizations")
    full = [
        ctx.catalogue.organization_full(unit, datasets)
        for unit, datasets in ctx.catalogue.organizations().values()
    ]
    full = [
        o
        for o in full
        if (not names or o["name"] in names)
        and (not q or q in o["name"].casefold() or q in o["title"].casefold())
    ]
    return _listed(full, all_fields, spec, limit, offset)


def group_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the groups (themes) that have open datasets.

    :param all_fields: return dictionaries instead of names (default false)
    :param sort: "title", "name" or "package_count", with "asc" or "desc"
    :param groups: only these names
    :param q: only those whose name or title contains this
    :param limit: at most this many; :param offset: skip this many
    """
    all_fields, names, spec, limit, offset, q = _list_arguments(data, "groups")
    full = [ctx.catalogue.group_full(t, ds) for t, ds in ctx.catalogue.groups().items()]
    full = [
        g
        for g in full
        if (not names or g["name"] in names)
        and (not q or q in g["name"].casefold() or q in g["title"].casefold())
    ]
    return _listed(full, all_fields, spec, limit, offset)


def _with_packages(
    ctx: ActionContext, data: dict[str, Any], base: dict[str, Any], datasets: list[Dataset]
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    include = boolean(data, "include_datasets", errors)
    raise_if(errors)
    shown = {**base, "users": [], "extras": [], "tags": [], "groups": []}
    if include:
        shown["packages"] = [ctx.catalogue.package_dict(d) for d in datasets][:ROWS_MAX]
    return shown


def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return one organization (owner department) that has open datasets.

    :param id: its id or name
    :param include_datasets: include its datasets (default false)
    """
    wanted = required(data, "id")
    for unit, datasets in ctx.catalogue.organizations().values():
        full = ctx.catalogue.organization_full(unit, datasets)
        if wanted in (full["id"], full["name"]):
            return _with_packages(ctx, data, full, datasets)
    raise NotFound


def group_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return one group (theme) that has open datasets.

    :param id: its id or name
    :param include_datasets: include its datasets (default false)
    """
    wanted = required(data, "id")
    for theme, datasets in ctx.catalogue.groups().items():
        full = ctx.catalogue.group_full(theme, datasets)
        if wanted in (full["id"], full["name"]):
            return _with_packages(ctx, data, full, datasets)
    raise NotFound


def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the site's version, address, title and extensions."""
    return {
        "ckan_version": CKAN_VERSION,
        "site_url": ctx.site_url,
        "site_title": str(settings.SITE_NAME),
        "site_description": "",
        "error_emails_to": None,
        "locale_default": translation.to_locale(settings.LANGUAGE_CODE),
        "extensions": EXTENSIONS,
    }


def help_show(ctx: ActionContext, data: dict[str, Any]) -> str | None:
    """Return the help text of an action.

    :param name: the action's name
    """
    name = required(data, "name")
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return ACTIONS[name].__doc__


ACTIONS: dict[str, Action] = {
    a.__name__: a
    for a in (
        package_list,
        package_show,
        package_search,
        resource_show,
        organization_list,
        organization_show,
        group_list,
        group_show,
        status_show,
        help_show,
    )
}


def action_run(name: str, data: dict[str, Any], *, site_url: str) -> Any:
    """Run a read action, or refuse a write action as CKAN refuses an anonymous caller."""
    if name in WRITE_ACTIONS:
        raise NotAuthorized(f"Action {name} requires an authenticated user")
    return ACTIONS[name](ActionContext(site_url), data)
