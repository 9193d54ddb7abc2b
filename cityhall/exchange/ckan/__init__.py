"""A read-only CKAN Action API (v3) over the catalogue's open data, so that CKAN clients (the
`ckanapi` library, harvesters, national and provincial portals) can list, search and download it.

What it serves
- Datasets (packages) are the resources `opendata.open_resources()` returns: open, published,
  aggregate, every field public. Nothing else is ever named, counted or faceted.
- A dataset's organization is its owner unit; its group is its theme; its tags are its tags.
- A dataset has one resource per file format (CSV, JSON) of its open view; `url` is the absolute
  download address, `size` and `last_modified` are filled when the file has been generated for
  the current state of the registry (listing never generates one).
- ids are UUID5 of stable names (dataset code, unit code, theme, format), so they survive a
  reload of the catalogue; `name` is the resource code.

Actions: package_list, package_show, package_search, resource_show, organization_list,
organization_show, group_list, group_show, status_show and help_show (the `help` address of
every answer points at it). The catalogue is a few dozen rows, so searching filters them here
instead of in a search engine; `q` and `fq` take the Solr syntax CKAN clients send (see
`search.parse_clauses`).

Modules: `actions` (the actions and the refusal of writes), `catalogue` (datasets and their
CKAN dictionaries), `search` (package_search), `params` (CKAN's validators), `errors` (CKAN's
error answers). HTTP is in exchange/ckan_views.py.

Where CKAN versions differ we follow CKAN 2.10 (ckan/views/api.py, ckan/logic/action/get.py):
- An unknown action is 400 with the bare JSON string "Bad request - Action name not known: x"
  (no envelope: CKAN answers it before building one); so are a body that is not JSON and a GET of
  an action with side effects ("Please use POST method").
- The write actions of CKAN core are known here and refused as CKAN refuses an anonymous caller:
  403 Authorization Error "Access denied: Action x requires an authenticated user" (ckanapi
  raises NotAuthorized). Nobody is ever authenticated here: there is no API key to send.
- package_show without `id` is 409 {"name_or_id": ["Missing value"]} (2.9+; 2.8 said "id").
- package_search: rows default 10, above 1000 silently 1000; sort default "score desc,
  metadata_modified desc"; facet.limit default 50 (negative: all), facet.mincount default 1;
  search_facets items ordered by display_name descending as CKAN does; unknown parameters are
  400 Search Query Error "Invalid search parameters"; an unknown field in q/fq/facet.field is
  409 Search Error (Solr's "undefined field"); a bad sort is 400 Search Query Error.
- organization_list / group_list sort by title by default (2.9+), and cap `limit` at 25 with
  all_fields and 1000 without (CKAN's defaults).
- Messages are CKAN's own English strings: clients match on them (ckanapi splits them at ": ").
"""

from cityhall.exchange.ckan.actions import (
    ACTIONS,
    EXTENSIONS,
    WRITE_ACTIONS,
    action_run,
)
from cityhall.exchange.ckan.catalogue import Catalogue, stable_id, theme_title
from cityhall.exchange.ckan.errors import ActionError, NotFound

__all__ = [
    "ACTIONS",
    "EXTENSIONS",
    "WRITE_ACTIONS",
    "ActionError",
    "Catalogue",
    "NotFound",
    "action_run",
    "stable_id",
    "theme_title",
]
