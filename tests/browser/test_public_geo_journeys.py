"""The public geo pages in the browser: districts, a street's map, locating a point."""

import pytest
from playwright.sync_api import Page, expect
from shapely.geometry import shape

from cityhall.geo.models import Division, Grid
from cityhall.geo.services import demo_layout_build

pytestmark = pytest.mark.browser


def test_visitor_browses_to_a_street_map_and_locates_points_inside_and_outside(page: Page, ui):
    demo_layout_build(communities_per_street=1, grids_per_community=2)
    street = Division.objects.get(code="440105001")
    grid = Grid.objects.filter(community__parent=street).order_by("code").first()
    assert grid is not None
    community = grid.community
    inside = shape(grid.boundary).representative_point()

    # Home → 海珠区 → its street 赤岗街道, whose page draws its communities on a map.
    page.goto("/")
    page.get_by_role("region", name="各区").get_by_role("link", name="海珠区").click()
    expect(page).to_have_url(ui.url("/geo/d/440105/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("海珠区")
    page.get_by_role("table").get_by_role("link", name=street.name, exact=True).click()
    expect(page).to_have_url(ui.url(f"/geo/d/{street.code}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(street.name)
    street_map = page.get_by_role("group", name=f"{street.name}示意图")
    expect(street_map).to_be_visible()
    expect(street_map.locator("path")).to_have_count(1)  # one community in this layout
    community_shape = street_map.get_by_role("link", name=f"{community.name}（{community.code}）")
    expect(community_shape).to_have_attribute("href", f"/geo/d/{community.code}/")

    # A point inside a grid: the whole chain from grid to district, the grid highlighted.
    page.get_by_role("link", name="按经纬度查询所在网格").click()
    expect(page).to_have_url(ui.url("/geo/locate/"))
    page.get_by_label("纬度").fill(str(inside.y))
    page.get_by_label("经度").fill(str(inside.x))
    page.get_by_role("button", name="查询", exact=True).click()
    result = page.get_by_role("region", name="查询结果")
    expect(result).to_contain_text(f"{grid.name}（{grid.code}）")
    expect(result).to_contain_text(f"{community.name}（{community.code}）")
    expect(result).to_contain_text(f"{street.name}（{street.code}）")
    expect(result).to_contain_text("海珠区（440105）")
    expect(result.locator('svg [aria-current="location"]')).to_have_count(1)
    expect(result.locator('svg [aria-current="location"] title')).to_have_text(
        f"{grid.name}（{grid.code}）"
    )

    # A point far outside Guangzhou: a plain answer, no map.
    page.get_by_label("纬度").fill("30")
    page.get_by_label("经度").fill("120")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(result).to_contain_text("该位置不在本市网格范围内")
    expect(result.locator("svg")).to_have_count(0)
