"""The staff workspace menu: each entry shows only to roles that can use the page behind it."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can


@dataclass(frozen=True)
class MenuItem:
    label: str | Promise
    url_name: str
    capability: Capability
    description: str | Promise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


WORKSPACE_MENU: tuple[MenuItem, ...] = (
    MenuItem(
        _("居民查询"),
        "identity:citizen_list",
        Capability.CITIZEN_LOOKUP,
        _("查找辖区居民，核对身份（证件号脱敏，查看完整信息留痕）"),
    ),
    MenuItem(
        _("基础数据库"),
        "registry:search",
        Capability.REGISTRY_READ,
        _("辖区人口、法人、房屋（楼盘表）与网签、抵押"),
    ),
    MenuItem(
        _("网格与辖区"),
        "portal:my_area",
        Capability.GRID_VIEW,
        _("本辖区的社区与网格边界"),
    ),
    MenuItem(
        _("机构与人员"),
        "identity:directory",
        Capability.STAFF_DIRECTORY,
        _("辖区内的机构、工作人员与岗位"),
    ),
    MenuItem(
        _("审计日志"),
        "portal:audit_log",
        Capability.AUDIT_READ,
        _("登录、授权和个人信息查阅记录，以及哈希链校验"),
    ),
    MenuItem(
        _("审批任务"),
        "applications:inbox",
        Capability.APPLICATION_REVIEW,
        _("本部门待签收、办理中的审批任务（并联审批、补正、决定）"),
    ),
    MenuItem(
        _("窗口受理"),
        "applications:window",
        Capability.WINDOW_INTAKE,
        _("核验身份后统一受理，即办件当场办结出证"),
    ),
    MenuItem(
        _("电子监察"),
        "applications:supervision",
        Capability.SUPERVISION,
        _("临近时限（黄牌）与超期（红牌）办件、超时未受理、不予批准未说明理由"),
    ),
    MenuItem(
        _("效能指标"),
        "applications:kpis",
        Capability.SUPERVISION,
        _("各部门办件量、即办率、全程网办率、按时办结率、平均用时、满意度"),
    ),
    MenuItem(
        _("差评整改"),
        "applications:rectifications",
        Capability.APPLICATION_REVIEW,
        _("不满意评价的整改与回访"),
    ),
    MenuItem(
        _("热线受理"),
        "hotline:console",
        Capability.HOTLINE_INTAKE,
        _("12345 来电受理：来电人历史工单、智能分类与定位、重复工单合并"),
    ),
    MenuItem(
        _("热线工单"),
        "hotline:queue",
        Capability.HOTLINE_HANDLE,
        _("本单位待派单、待签收、办理中的工单，批量派单与延期审批"),
    ),
    MenuItem(
        _("回访归档"),
        "hotline:callbacks",
        Capability.HOTLINE_INTAKE,
        _("已办结工单的满意度回访与归档"),
    ),
    MenuItem(
        _("网格巡查"),
        "hotline:inspector",
        Capability.GRID_PATROL,
        _("我的网格任务、处置拍照、巡查上报"),
    ),
    MenuItem(
        _("热线分析"),
        "hotline:analysis",
        Capability.HOTLINE_ANALYSIS,
        _("分类、区域、网格统计，热点地图，重复投诉，承办单位绩效"),
    ),
    MenuItem(
        _("数据资源目录"),
        "exchange:catalogue",
        Capability.EXCHANGE_CATALOGUE,
        _("一网共享：各部门的数据资源、共享类型、字段与敏感级别"),
    ),
    MenuItem(
        _("数据管理"),
        "exchange:steward",
        Capability.DATA_STEWARDSHIP,
        _("共享申请审批与撤销、接入系统与密钥、访问日志校验、市民异议答复"),
    ),
    MenuItem(
        _("比对线索"),
        "exchange:findings",
        Capability.CROSSCHECK_FINDINGS,
        _("跨部门数据比对发现的疑点，由本部门核查并记录结论"),
    ),
    MenuItem(
        _("数据纠错"),
        "registry:corrections",
        Capability.REGISTRY_WRITE,
        _("市民报告本单位提供的数据有误：核实、更正并答复"),
    ),
    MenuItem(
        _("信息公开"),
        "participation:publish",
        Capability.INFORMATION_PUBLISH,
        _("发布本单位服务区域的政策文件、通知公告和服务变更，订阅的市民即时收到"),
    ),
    MenuItem(
        _("征求意见"),
        "consultations:manage_index",
        Capability.PARTICIPATION_MANAGE,
        _("发布草案征求意见，按发言规则管理意见，截止后逐条答复并发布采纳情况"),
    ),
    MenuItem(
        _("问卷调查"),
        "surveys:manage_list",
        Capability.PARTICIPATION_MANAGE,
        _("设计问卷、选择调查对象、发布与结束，查看统计图表并导出 CSV"),
    ),
    MenuItem(
        _("社区微博"),
        "boards:manage",
        Capability.PARTICIPATION_MANAGE,
        _("街道、社区微博的官方发布与回复，居民反映的问题一键转为 12345 工单"),
    ),
    MenuItem(
        _("领导信箱"),
        "mailbox:staff_inbox",
        Capability.MAILBOX_HANDLE,
        _("本单位收到的来信：分配、转交、答复，经来信人同意后公开"),
    ),
    MenuItem(
        _("管理后台"),
        "admin:index",
        Capability.ADMINISTER,
        _("机构、账户与角色、工作日历"),
    ),
)


def menu_for(account: Account) -> list[MenuItem]:
    return [item for item in WORKSPACE_MENU if account_can(account, item.capability)]
