"""SYNTHETIC citizen ticket texts for the 12345 hotline: demo data, training and benchmarks.

Nothing here was said by a real citizen. The texts are composed from hand-written parts (places,
times, problems, consequences, demands) for each of the 42 categories and six ticket types, so a
fresh city can train a first classifier and the demo has believable history. They are meant to be
hard enough to measure honestly: much of the wording avoids the category's name and its baseline
keywords, neighbouring categories share vocabulary (construction vs neighbourhood noise, garbage
collection vs sorting, blocked drains vs flooded streets, consumer disputes vs prices), and a few
per cent of samples carry a neighbouring category's label, as real dispatch does.
"""

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, replace

# ---------------------------------------------------------------------------------------------
# Places, times and other parts shared by every category

_ROADS = (
    "江南大道中",
    "工业大道北",
    "新港西路",
    "宝岗大道",
    "昌岗中路",
    "南洲路",
    "广州大道南",
    "滨江东路",
    "东晓南路",
    "赤岗路",
    "石榴岗路",
    "同福中路",
    "前进路",
    "革新路",
    "南田路",
    "敦和路",
    "怡乐路",
    "泰沙路",
    "荔湾路",
    "中山八路",
    "黄埔大道西",
    "天河北路",
    "广园西路",
    "机场路",
    "新市墟",
    "番禺大道",
    "市桥东环路",
    "沙太路",
)
_ESTATES = (
    "金碧花园",
    "丽影华庭",
    "南景园",
    "保利红棉",
    "珠江帝景",
    "海珠半岛",
    "锦绣花园",
    "逸景翠园",
    "怡港花园",
    "翠城花园",
    "南洲名苑",
    "蓝色康园",
    "聚德花苑",
    "江燕小区",
    "龙凤街小区",
    "富力千禧",
    "天河花园",
    "华景新城",
    "祈福新邨",
    "岭南湾畔",
)
_VILLAGES = (
    "龙潭村",
    "康乐村",
    "鹭江村",
    "赤沙村",
    "土华村",
    "小洲村",
    "瑞宝村",
    "大塘村",
    "石牌村",
)
_METRO = (
    "客村",
    "赤岗",
    "鹭江",
    "中大",
    "晓港",
    "江泰路",
    "昌岗",
    "沙园",
    "磨碟沙",
    "大塘",
    "沥滘",
)
_SCHOOLS = ("实验小学", "第二中学", "幼儿园", "职业技术学校", "中心小学")
_SHOPS = ("便利店", "奶茶店", "五金店", "大排档", "发廊", "药店", "水果店", "快递站", "麻辣烫店")

_GENERIC_PLACES = (
    "{estate}小区门口",
    "{estate}{bld}栋楼下",
    "{road}和{road2}交叉路口",
    "{road}{num}号附近",
    "地铁{metro}站{exit}出口旁边",
    "{village}菜市场门口",
    "{village}城中村里面",
    "{road}公交站旁边",
    "{estate}后门那条路",
    "{road}那家{shop}门口",
    "我们楼下",
    "我家附近",
    "{road}人行道上",
    "{village}牌坊那里",
    "{road}{school}门口",
    "{estate}对面",
    "{road}天桥底下",
    "{village}大街{num}号旁边",
)
_TIMES = (
    "",
    "",
    "每天晚上",
    "最近一周",
    "这几天",
    "今天早上七点多",
    "昨晚十一点多",
    "凌晨一两点",
    "周末两天",
    "从上个月开始",
    "一到下班时间",
    "中午十二点左右",
    "连续好几天",
    "今天下午",
    "最近",
)
_OPENERS = (
    "",
    "",
    "",
    "你好，",
    "您好，",
    "喂你好，",
    "我想反映一下，",
    "我是附近的居民，",
    "我是{estate}的业主，",
    "麻烦记录一下，",
    "反映个情况，",
)
_DEMANDS = (
    "希望相关部门尽快处理",
    "请有关部门管一管",
    "要求尽快解决",
    "麻烦派人过来看一下",
    "希望能彻底整治",
    "已经反映过好几次了，一直没解决",
    "请给个答复",
    "不要再拖了",
    "希望尽快落实",
    "请职能部门来现场核实",
    "希望不要再推来推去",
    # Demands that borrow other types' words: a complaint often says 建议, 谢谢 or asks who is
    # responsible, which is why word rules mistake types.
    "建议加强巡查",
    "希望增设监控",
    "麻烦尽快处理，谢谢",
    "这种情况到底归谁管？",
    "请依法处理",
    "请问什么时候能解决？",
)
_VAGUE = (
    "之前反映的问题到现在还没人处理",
    "这个问题反映好几次了，一直没有解决",
    "上次说会来处理，结果一直没人来",
    "情况还是和之前一样，没有任何改善",
    "工单说办结了，但问题根本没解决",
)
_CONSEQUENCES = (
    "严重影响我们的正常生活",
    "居民意见很大",
    "大家都很头疼",
    "附近街坊都在投诉",
    "真的没办法了",
    "",
)
_HELP_OPENERS = (
    "求助：",
    "麻烦帮帮忙，",
    "能不能帮忙处理一下，",
    "急！",
    "我这边遇到个困难，",
    "实在没办法了才打电话，",
    "",
)
_HELP_CLOSERS = (
    "实在没办法了，请帮帮忙",
    "希望能派人帮我们解决",
    "拜托尽快",
    "自己处理不了，请求支援",
    "麻烦帮忙协调一下",
    "请帮忙联系相关单位",
)
_CONSULT_PREFIXES = (
    "请问",
    "想咨询一下，",
    "想问问",
    "我想了解一下",
    "问一下，",
    "打听一下，",
    "",
)
_CONSULT_SUFFIXES = ("？", "？谢谢。", "，麻烦告知。", "，找哪个部门？", "，有没有相关规定？", "")
_SUGGEST_PREFIXES = ("建议", "希望", "能不能", "提个建议：", "我觉得应该", "市民建议", "可否考虑")
_REPORT_OPENERS = (
    "我要举报，",
    "实名举报：",
    "反映一个违法行为，",
    "举报：",
    "发现",
    "匿名反映，",
    "向你们揭发一下，",
)
_REPORT_CLOSERS = (
    "请依法查处",
    "希望严肃处理",
    "请执法部门查一查",
    "不要包庇",
    "请尽快取缔",
    "我可以提供照片",
)
_PRAISE_OPENERS = ("表扬", "感谢", "想给{unit}点个赞，", "非常感谢", "谢谢", "要表扬一下")
_PRAISE_BODIES = (
    "上次反映{place}{topic}的问题，{days}就处理好了",
    "之前打电话说的{topic}，工作人员当天就来现场了",
    "{topic}的事情办得很快，回访态度也好",
    "{place}的{topic}问题解决了，街坊们都很满意",
)
_PRAISE_CLOSERS = ("，辛苦了！", "，工作人员很负责。", "，为你们点赞。", "。", "，希望继续保持。")
_DAYS = ("两天", "三天", "一个星期", "第二天", "半天", "不到一周")


@dataclass(frozen=True, slots=True)
class _Spec:
    problems: tuple[str, ...]  # what is wrong, colloquial
    details: tuple[str, ...]  # extra facts or consequences specific to the category
    topics: tuple[str, ...]  # short noun phrases (praise, suggestions, consultations)
    asks: tuple[str, ...]  # consultation questions
    ideas: tuple[str, ...]  # suggestions
    units: tuple[str, ...]  # how citizens name the handler
    places: tuple[str, ...] = ()  # category-specific places, mixed with the generic ones
    shared: tuple[str, ...] = ()  # problems a neighbouring category also has (set below)


_SPECS: dict[str, _Spec] = {
    "CG01": _Spec(
        problems=(
            "一大堆流动摊贩在路边摆摊",
            "卖水果的三轮车把人行道全占了",
            "晚上有人摆夜市卖烧烤，桌椅摆到马路上",
            "小贩推着车在路口卖菜",
            "商铺把货物摆到店门外好几米",
            "早餐档把桌子摆满了人行道",
            "有人在路边卖衣服卖玩具，越摆越多",
            "卖鱼的在路边杀鱼，地上全是污水",
        ),
        details=(
            "行人只能走到机动车道上",
            "城管来了就跑，走了又回来",
            "推婴儿车根本过不去",
            "收摊后满地垃圾",
            "摊位一直摆到晚上十二点",
        ),
        topics=("路边摆摊", "占道经营", "流动摊贩"),
        asks=(
            "在自家门口摆个小摊卖东西需不需要申请",
            "夜市摊位在哪里可以合法摆卖",
            "临时摆卖点怎么申请",
        ),
        ideas=(
            "在{village}附近规划一个集中摆卖点",
            "对早餐摊设定时段允许摆卖",
            "加大{road}一带的巡查力度",
        ),
        units=("城管", "执法队", "街道"),
    ),
    "CG02": _Spec(
        problems=(
            "楼道里贴满了开锁通下水道的小广告",
            "电线杆上被人喷了办证电话",
            "墙上被人乱涂乱画",
            "有人到处贴招租招聘的纸条",
            "单元门口天天有人塞卡片，撕了又贴",
            "刚刷好的墙又被喷了一串电话号码",
        ),
        details=(
            "清了又贴，反反复复",
            "整栋楼看起来脏兮兮的",
            "贴得满墙都是",
            "连公交站牌都贴满了",
        ),
        topics=("小广告", "乱涂写", "牛皮癣"),
        asks=("发现乱贴小广告的号码可以举报停机吗", "自家外墙被涂写应该找谁清理"),
        ideas=("设置便民信息公告栏", "对小广告上的号码进行停机处理"),
        units=("城管", "环卫", "街道"),
    ),
    "CG03": _Spec(
        problems=(
            "临街商铺的大招牌歪了，看着随时会掉",
            "楼顶的广告牌被台风吹松了",
            "店铺门口的灯箱晚上闪得刺眼",
            "有人在天桥上挂了很多横幅",
            "商场外墙挂了一块巨大的广告布",
            "路边立了好几个广告牌挡住了视线",
        ),
        details=("下面就是人行道", "刮风的时候哐哐响", "晚上亮到半夜", "挡住了红绿灯"),
        topics=("招牌", "广告牌", "户外广告"),
        asks=("店铺换招牌需要办什么手续", "户外广告设置要去哪里审批"),
        ideas=("统一规范{road}的店铺招牌", "台风前排查老旧广告牌"),
        units=("城管局", "执法队"),
    ),
    "CG04": _Spec(
        problems=(
            "隔壁在楼顶加盖了一层铁皮房",
            "一楼住户把院子围起来搭了个房间",
            "有人在天台偷偷加建",
            "村里有人连夜起楼，已经盖到第五层",
            "邻居把阳台往外扩，打了钢架",
            "有人占用绿地搭棚子",
            "楼下商铺私自往外扩建",
        ),
        details=(
            "晚上偷偷施工",
            "挡住了我家的采光",
            "担心影响楼体安全",
            "已经报过一次，停了几天又继续",
            "材料都堆在楼道里",
        ),
        topics=("违建", "楼顶加建", "私搭乱建"),
        asks=(
            "自家阳台加个防盗网算不算违建",
            "村里宅基地翻建需要办什么审批",
            "怎么查一栋房子有没有报建手续",
        ),
        ideas=("对天台加建进行全面排查", "把违建查处结果公示出来"),
        units=("执法队", "城管", "街道办"),
    ),
    "HW01": _Spec(
        problems=(
            "路边的垃圾几天没人收，堆成小山",
            "垃圾桶早就满了，还没人来清",
            "收垃圾的车一个星期才来一次",
            "有人把装修废料倒在路边，一直没人拉走",
            "小区垃圾房臭气熏天，苍蝇到处飞",
            "路边垃圾满出来了，被狗翻得到处都是",
            "大件家具扔在楼下一个多月没人处理",
        ),
        details=(
            "天气热了臭得不行",
            "老鼠蟑螂都出来了",
            "污水流了一地",
            "走路都要绕开",
            "清运车半夜来，噪音也大",
        ),
        topics=("垃圾清运", "垃圾堆积", "环卫"),
        asks=("大件家具要扔去哪里", "装修垃圾清运怎么收费", "垃圾清运一天几次"),
        ideas=("增加{estate}附近的清运频次", "多放几个垃圾桶", "设置大件垃圾临时堆放点"),
        units=("环卫工人", "环卫站", "城管局"),
    ),
    "HW02": _Spec(
        problems=(
            "公园里的公共厕所脏得没法进",
            "地铁站附近找不到一个厕所",
            "公厕的冲水坏了好几天",
            "街边的厕所一直锁着门",
            "公厕里没有纸也没有洗手液",
            "市场旁边的卫生间臭味飘出来很远",
        ),
        details=("老人上厕所很不方便", "地上全是水", "灯也不亮", "无障碍厕所被当成杂物间"),
        topics=("公厕", "公共厕所", "洗手间"),
        asks=("附近最近的公厕在哪里", "公厕开放时间是几点到几点"),
        ideas=("在{road}增设公厕", "公厕里加装扶手和母婴台", "让沿街商铺厕所对外开放"),
        units=("环卫站", "城管局"),
    ),
    "HW03": _Spec(
        problems=(
            "小区的分类垃圾桶形同虚设，大家都混着扔",
            "厨余和其他垃圾混在一个桶里",
            "明明分好类了，清运车来了又全倒在一起",
            "定时定点投放时间太短，上班族根本赶不上",
            "垃圾投放点撤掉了，现在不知道往哪里扔",
            "督导员不在，桶边堆满了没分类的袋子",
            "可回收物的桶一直满着没人收",
        ),
        details=(
            "分了也白分",
            "邻居都说没意义",
            "桶都是同一个颜色分不清",
            "晚上回来只能把垃圾提回家",
        ),
        topics=("垃圾分类", "分类投放", "厨余垃圾"),
        asks=(
            "过期药品属于哪类垃圾",
            "不按分类投放会不会被罚款",
            "旧衣服和旧电池应该放哪个桶",
            "定时定点投放的时间是怎么规定的",
        ),
        ideas=(
            "延长晚上的投放时间",
            "在投放点装洗手池",
            "给每栋楼发分类指引",
        ),
        units=("街道", "环卫站", "督导员"),
    ),
    "SZ01": _Spec(
        problems=(
            "路面上有个大坑，电动车经过差点摔倒",
            "马路坑坑洼洼的，下雨就积一坑水",
            "人行道的地砖松动翘起来了",
            "路面开裂塌陷了一块",
            "修完管道后路面一直没恢复",
            "辅道烂了好长一段，车开过去颠得厉害",
        ),
        details=(
            "已经有人摔倒了",
            "晚上看不清很危险",
            "车辆经过溅人一身水",
            "放了个雪糕筒就没人管了",
        ),
        topics=("路面破损", "道路坑洼", "人行道地砖"),
        asks=("道路修补一般多久能完成", "路面被挖开后由哪个单位负责恢复"),
        ideas=("定期巡查{road}的路面", "修路尽量安排在晚上"),
        units=("住建局", "市政", "养护单位"),
    ),
    "SZ02": _Spec(
        problems=(
            "路中间的井盖不见了，只剩一个黑洞",
            "人行道上的井盖碎了一半",
            "井盖松了，车一压就哐当响",
            "雨水篦子被偷了",
            "井盖下沉，比路面低了好几厘米",
            "有个检查井敞着口，上面就盖了块木板",
        ),
        details=(
            "小孩放学都走这里",
            "晚上根本看不见",
            "已经有车胎卡进去了",
            "周围也没有警示",
        ),
        topics=("井盖", "窨井盖", "雨水篦子"),
        asks=("井盖归哪个单位管", "井盖丢了能不能先放个警示"),
        ideas=("换成防盗防坠落的井盖", "给井盖装上防坠网"),
        units=("水务局", "市政"),
    ),
    "SZ03": _Spec(
        problems=(
            "整条路黑漆漆的，灯一盏都不亮",
            "小区门口那几根灯杆晚上不亮",
            "路灯白天亮着晚上反而灭了",
            "路灯一闪一闪的",
            "公园里的照明坏了好久",
            "灯杆被车撞歪了，灯罩掉下来",
        ),
        details=(
            "晚上女孩子回家很害怕",
            "已经黑了一个多月",
            "老人晚上散步摔了",
            "旁边就是施工围挡更看不清",
        ),
        topics=("路灯", "照明"),
        asks=("路灯坏了应该找哪个部门报修", "路灯几点开几点关"),
        ideas=("把{road}的路灯换成更亮的", "在小巷里加装照明"),
        units=("城管局", "路灯所"),
    ),
    "SZ04": _Spec(
        problems=(
            "天桥的台阶破了好几级",
            "过街隧道里的灯都坏了",
            "地下通道积水，臭烘烘的",
            "天桥的电梯停用很久了",
            "人行天桥的栏杆松动",
            "隧道墙上的瓷砖掉下来了",
        ),
        details=(
            "坐轮椅的根本过不去",
            "晚上没人敢走",
            "流浪汉在里面睡觉",
            "推车的老人只能横穿马路",
        ),
        topics=("天桥", "地下通道", "过街隧道"),
        asks=("天桥电梯维修要多久", "过街隧道由哪个单位管理"),
        ideas=("在天桥上加装电梯", "给地下通道加装监控和照明"),
        units=("住建局", "市政"),
    ),
    "PS01": _Spec(
        problems=(
            "一下大雨整条路就被淹了",
            "路口的水有半米深，车都熄火了",
            "每次下暴雨地下车库就进水",
            "雨停了几个小时水还退不下去",
            "楼下商铺被水泡了",
            "涨潮加下雨，街上全是水",
        ),
        details=(
            "小孩上学只能蹚水",
            "水都漫进一楼住户家里了",
            "电动车泡坏了好几台",
            "年年下雨年年淹",
        ),
        topics=("水浸", "内涝", "雨后积水"),
        asks=("车辆被水浸了找谁认定", "暴雨预警时地下车库要不要封闭"),
        ideas=("改造{road}一带的排水系统", "在易涝点装水位警示牌"),
        units=("水务局", "排水公司"),
    ),
    "PS02": _Spec(
        problems=(
            "楼下下水道堵了，污水从井里冒出来",
            "化粪池满了往外溢",
            "厨房的下水管道堵了好几天",
            "路边的排水沟全是淤泥，水排不出去",
            "没下雨路面也一直冒黑水",
            "餐馆的油污把排水管堵死了",
        ),
        details=(
            "臭得不敢开窗",
            "污水流到了人行道上",
            "一楼卫生间在倒灌",
            "物业说不归他们管",
        ),
        topics=("下水道堵塞", "污水外溢", "化粪池"),
        asks=("小区内部的排水管道该由谁疏通", "化粪池清掏怎么收费"),
        ideas=("定期清疏{road}的排水管", "要求餐馆安装隔油池"),
        units=("水务局", "排水公司"),
    ),
    "PS03": _Spec(
        problems=(
            "河里的水又黑又臭",
            "河边有排污口一直往河里排脏水",
            "河面上漂满了垃圾和死鱼",
            "有人往河里倒泔水",
            "涌边的水发绿，蚊子特别多",
            "河道整治完没多久又变臭了",
        ),
        details=("夏天臭味更重", "旁边就是小学", "晨练的人都不去了", "疑似工厂偷排"),
        topics=("河涌", "黑臭水体", "河道"),
        asks=("河长的联系方式在哪里能查到", "河涌水质监测结果在哪里公布"),
        ideas=("在河边设置截污设施", "公开河长巡河记录"),
        units=("水务局", "河长办"),
        places=("{village}那条涌", "{road}旁边的河涌", "{estate}后面的小河"),
    ),
    "PS04": _Spec(
        problems=(
            "家里突然没水了，也没有停水通知",
            "楼上水压太小，热水器都打不着火",
            "水龙头流出来的水发黄",
            "一整天都没水，做饭都成问题",
            "高峰时段水流像线一样细",
            "水管爆了，街上喷水",
        ),
        details=(
            "家里有老人小孩",
            "问物业说不清楚",
            "已经停了两天",
            "水里有股怪味",
        ),
        topics=("停水", "水压", "供水"),
        asks=("什么时候恢复供水", "停水通知在哪里可以查到", "水费怎么在网上缴"),
        ideas=("停水前提前发短信通知", "给高层加装二次加压设备"),
        units=("自来水公司", "供水所"),
    ),
    "YL01": _Spec(
        problems=(
            "台风过后路边的大树倒了，压着车",
            "树枝长到我家窗户里了",
            "榕树的根把地面都顶起来了",
            "一根大树杈断了悬在半空",
            "树长得太密挡住了路灯",
            "小区里的树好几年没修剪",
        ),
        details=(
            "下面就是人行道",
            "刮风时敲得窗户响",
            "虫子全爬进屋里",
            "树叶堵了排水沟",
        ),
        topics=("树木修剪", "倒伏树木", "行道树"),
        asks=("自家门口的树可以自己砍吗", "修剪行道树需要申请吗"),
        ideas=("台风季前对行道树做一次排查", "把{road}的行道树修剪一下"),
        units=("园林局", "绿化队"),
    ),
    "YL02": _Spec(
        problems=(
            "公园里的健身器材坏了好久",
            "草地被车压得光秃秃的",
            "花坛被人拿来种菜",
            "绿化带的护栏被撞倒了",
            "公园的座椅断了一条腿",
            "儿童游乐设施掉漆生锈",
        ),
        details=(
            "小孩在上面玩很危险",
            "来锻炼的老人很多",
            "看着很荒凉",
            "喷淋头一直漏水",
        ),
        topics=("公园设施", "绿地", "健身器材"),
        asks=("公园开放时间是几点", "绿地里能不能遛狗"),
        ideas=("在{estate}附近多建一个口袋公园", "公园里增加遮阳的座椅"),
        units=("园林局", "公园管理处"),
    ),
    "HB01": _Spec(
        problems=(
            "工地半夜还在打桩，吵得睡不着",
            "晚上十二点了泥头车还在进进出出",
            "旁边地铁站工地通宵施工",
            "工地的搅拌机从早到晚响个不停",
            "凌晨还在浇混凝土，轰隆隆的",
            "修路的切割机声音特别刺耳，晚上也不停",
            "建筑工地天没亮就开工",
        ),
        details=(
            "问了说有夜间施工许可，但没看到公示",
            "孩子马上要考试了",
            "窗户关上也没用",
            "连续一个多月了",
            "工人说赶工期",
        ),
        topics=("夜间施工", "工地噪声", "施工扰民"),
        asks=(
            "夜间施工许可在哪里可以查",
            "工地晚上几点以后不能施工",
            "施工扰民有没有补偿",
        ),
        ideas=("工地公示夜间施工许可和投诉电话", "限制工地晚上十点以后施工"),
        units=("生态环境局", "环保部门"),
        places=("{road}地铁施工工地", "{estate}旁边的工地", "{road}修路现场"),
    ),
    "HB02": _Spec(
        problems=(
            "楼下跳广场舞，音响开得震天响",
            "隔壁酒吧天天唱到凌晨",
            "楼上装修电钻从早打到晚",
            "邻居家半夜打麻将，吵得睡不着",
            "楼下烧烤摊喝酒划拳到两三点",
            "商铺门口放大喇叭循环喊促销",
            "隔壁养的狗整夜叫个不停",
            "楼上邻居半夜拖椅子、跺地板",
            "小区里有人天天练唱歌",
        ),
        details=(
            "去敲门沟通过也没用",
            "报警了派出所说管不了",
            "孩子写作业都没法集中精神",
            "上夜班的人白天根本睡不了",
            "楼上楼下都有意见",
        ),
        topics=("噪音扰民", "广场舞音响", "装修噪声"),
        asks=("装修噪音几点到几点是允许的", "邻居噪音扰民该找派出所还是城管"),
        ideas=("给广场舞划定时段和音量", "在小区公示装修作业时间"),
        units=("城管", "执法队", "街道"),
    ),
    "HB03": _Spec(
        problems=(
            "楼下烧烤店油烟太大，熏得家里没法开窗",
            "饭店的排烟管直接对着居民楼",
            "楼下新开的餐馆炒菜的味道呛得人咳嗽",
            "大排档的烟道没装净化器",
            "早餐店炸油条的烟飘进屋里",
            "火锅店的抽风机对着我家阳台",
        ),
        details=(
            "晾的衣服全是油烟味",
            "窗户上一层油",
            "一到饭点就呛得受不了",
            "老人有哮喘",
        ),
        topics=("餐饮油烟", "油烟污染", "排烟"),
        asks=("住宅楼下能不能开餐馆", "油烟净化器有什么标准"),
        ideas=("要求餐馆安装油烟净化设备并定期清洗", "住宅楼下禁止开烧烤店"),
        units=("执法队", "街道", "城管"),
    ),
    "HB04": _Spec(
        problems=(
            "附近工厂晚上偷偷排放废气",
            "空气里一股刺鼻的化学味道",
            "有人在空地上焚烧垃圾，烟很大",
            "汽修厂喷漆的味道飘得整个小区都是",
            "垃圾站旁边一股恶臭",
            "印刷厂的气味熏得人头晕",
        ),
        details=(
            "晚上味道最重",
            "晚上开窗睡觉都被熏醒",
            "孩子一直咳嗽",
            "不知道有没有毒",
        ),
        topics=("废气排放", "异味", "空气污染"),
        asks=("空气质量监测数据在哪里查", "工厂排放废气的标准是什么"),
        ideas=("在工业区边上加装空气监测点", "夜间加强对工厂的巡查"),
        units=("生态环境局", "环保部门"),
    ),
    "JT01": _Spec(
        problems=(
            "有车长期停在消防通道上",
            "小区门口被车堵住了，出不去",
            "人行道上停满了车",
            "有辆车停在我家车库门口好几个小时",
            "路边双排停车，公交都过不去",
            "僵尸车在路边停了半年没人动",
            "有人把车横着停在路口",
            "共享单车和电动车把路口都堵满了",
        ),
        details=(
            "打车主电话也不接",
            "救护车都进不来",
            "每天上下班都堵",
            "拍了照片，车牌都很清楚",
        ),
        topics=("违停", "乱停车", "僵尸车"),
        asks=("车位被人占了可以叫拖车吗", "路边停车位怎么收费"),
        ideas=("在{road}多设几个临时停车位", "加装违停抓拍摄像头"),
        units=("交警", "交警大队"),
    ),
    "JT02": _Spec(
        problems=(
            "路口的红绿灯坏了，车乱成一团",
            "绿灯时间太短，老人走不到对面",
            "地上的斑马线都磨没了",
            "路口的指示牌被树挡住看不见",
            "这个路口没有左转灯，总有人抢道",
            "学校门口缺少减速带和警示牌",
        ),
        details=(
            "差点发生事故",
            "早晚高峰特别乱",
            "外地司机经常走错",
            "已经出过几次刮蹭",
        ),
        topics=("信号灯", "斑马线", "交通标志"),
        asks=("红绿灯配时可以申请调整吗", "增设减速带要找哪个部门"),
        ideas=("在{road}口增加行人过街信号灯", "把学校门口的斑马线重新画一下"),
        units=("交警", "交警大队"),
    ),
    "JT03": _Spec(
        problems=(
            "{bus}路车等了四十分钟都没来",
            "{bus}路的师傅开车很猛，急刹车好几次",
            "车到站了不停，直接开走",
            "司机态度恶劣，骂乘客",
            "末班车提前半小时就没了",
            "车上空调不开，热得受不了",
            "线路改了也没提前通知",
        ),
        details=(
            "老人差点摔倒",
            "上班迟到了",
            "车厢挤得像沙丁鱼",
            "投诉过一次没有回复",
        ),
        topics=("公交车", "公交线路", "公交站台"),
        asks=("{bus}路的首末班时间是几点", "老人乘公交车怎么办优惠卡"),
        ideas=("增加{bus}路早高峰班次", "开通一条到地铁{metro}站的接驳线"),
        units=("公交公司", "交通局"),
    ),
    "JT04": _Spec(
        problems=(
            "的士司机不打表，开口就要一百块",
            "打车去机场被拒载",
            "网约车司机故意绕路",
            "司机中途要求加钱不然就不走",
            "车上抽烟，还骂人",
            "平台派的车和软件上的车牌不一样",
            "东西落在车上，司机不肯还",
        ),
        details=(
            "有行程记录",
            "车牌号我记下来了",
            "平台客服一直推脱",
            "当时还带着孩子",
        ),
        topics=("出租车", "网约车", "打车"),
        asks=("出租车起步价是多少", "网约车投诉找平台还是交通部门"),
        ideas=("在{metro}站设出租车候客点", "加强对机场拒载的检查"),
        units=("交通局", "执法支队"),
    ),
    "SC01": _Spec(
        problems=(
            "在超市买的牛奶喝出一股酸味",
            "外卖里吃出了虫子",
            "饭店后厨脏得不行，老鼠乱跑",
            "买的面包一看已经过期好几天了",
            "菜市场卖的猪肉颜色不对",
            "吃完那家店的东西全家拉肚子",
            "学校门口的小店卖三无零食",
        ),
        details=(
            "小票还留着",
            "拍了照片",
            "商家不承认",
            "孩子已经去医院了",
        ),
        topics=("食品安全", "过期食品", "后厨卫生"),
        asks=("怎么查一家餐馆的卫生评级", "吃坏肚子怎么申请检测"),
        ideas=("加强学校周边小卖部检查", "推广明厨亮灶"),
        units=("市场监管局", "市监所"),
    ),
    "SC02": _Spec(
        problems=(
            "停车场收费比标的价格高",
            "店里明码标价和结账时不一样",
            "景区门口的饮料卖二十块一瓶",
            "物业擅自涨停车费",
            "理发店剪完头发说要加收费用",
            "菜价一夜之间翻倍",
            "商场结账多收了钱",
        ),
        details=(
            "没有任何公示",
            "问了说是新价格",
            "小票上看得很清楚",
            "不给发票",
        ),
        topics=("乱收费", "价格欺诈", "明码标价"),
        asks=("停车收费标准在哪里查", "商家不明码标价怎么处理"),
        ideas=("公开停车场收费标准", "对景区商铺价格进行抽查"),
        units=("市场监管局", "价格监督"),
    ),
    "SC03": _Spec(
        problems=(
            "巷子里开了家小作坊，什么证都没有",
            "楼下的按摩店没有营业执照",
            "民房里开了个小诊所",
            "有人在家里开黑作坊做腊肠",
            "路边修车铺没办执照",
            "出租屋里开了一家托管班，没有资质",
        ),
        details=(
            "来往人员很复杂",
            "消防隐患很大",
            "晚上经常营业到很晚",
            "开了好几年了",
        ),
        topics=("无照经营", "黑作坊", "无证经营"),
        asks=("个体户营业执照怎么办理", "开餐馆需要哪些许可证"),
        ideas=("对城中村出租屋经营场所进行排查", "简化小店办照流程"),
        units=("市场监管局", "市监所"),
    ),
    "SC04": _Spec(
        problems=(
            "在健身房办了卡，现在老板跑路了",
            "网上买的手机有质量问题，商家不给退",
            "装修公司收了定金不干活",
            "培训机构不肯退剩下的课时费",
            "买的家电坏了，售后一直推",
            "预付卡里还有钱，店铺突然关门了",
            "二手车行隐瞒了车辆泡水的事",
        ),
        details=(
            "合同写得很清楚",
            "打客服电话没人接",
            "一共好几千块",
            "找了店长也没用",
        ),
        topics=("消费纠纷", "退款", "售后"),
        asks=("预付卡退款有什么规定", "七天无理由退货适用哪些商品"),
        ideas=("加强对预付卡商家的监管", "开通消费纠纷线上调解"),
        units=("市场监管局", "消委会"),
    ),
    "LD01": _Spec(
        problems=(
            "公司已经三个月没发工资了",
            "包工头拖欠我们农民工的工钱",
            "离职以后老板一直不结算最后一个月的钱",
            "工地干完了，工钱一拖再拖",
            "老板说资金紧张让我们再等等",
            "加班费一分都没给",
        ),
        details=(
            "一共十几个工友",
            "快过年了急着回家",
            "有考勤记录",
            "老板电话不接",
        ),
        topics=("欠薪", "工资拖欠", "工钱"),
        asks=("被拖欠工资怎么申请劳动仲裁", "欠薪可以去哪里投诉"),
        ideas=("工地推行工资专户", "公布欠薪企业黑名单"),
        units=("人社局", "劳动监察"),
    ),
    "LD02": _Spec(
        problems=(
            "公司没给我交社保",
            "退休了养老金一直没发下来",
            "单位少缴了几个月的保险",
            "医保卡报销不了",
            "换了工作，保险关系转不过来",
            "生育津贴申请了三个月没到账",
        ),
        details=(
            "查了记录是断缴的",
            "去了几次窗口都说等通知",
            "单位说是系统问题",
            "影响孩子入学积分",
        ),
        topics=("社保", "养老金", "医保"),
        asks=(
            "灵活就业人员怎么交社保",
            "养老保险缴满多少年可以领",
            "医保异地就医怎么备案",
            "社保断缴了能补吗",
        ),
        ideas=("社保转移接续全程网办", "延长社保窗口周末服务"),
        units=("社保局", "人社局"),
    ),
    "LD03": _Spec(
        problems=(
            "去参加招聘会被中介骗了钱",
            "职业技能培训报名了一直没开班",
            "创业补贴申请了半年没有结果",
            "毕业生就业登记办不下来",
            "失业了不知道能领什么补助",
        ),
        details=("材料都交齐了", "窗口说不清楚", "中介电话打不通"),
        topics=("就业", "创业补贴", "职业培训"),
        asks=(
            "失业登记怎么办",
            "创业担保贷款需要什么条件",
            "有没有免费的职业技能培训",
            "应届毕业生有什么就业补贴",
        ),
        ideas=("多办一些针对大龄人员的招聘会", "简化创业补贴申请材料"),
        units=("人社局", "就业服务中心"),
    ),
    "FW01": _Spec(
        problems=(
            "小区电梯三天两头坏",
            "物业收了钱什么都不管",
            "物业费涨了也不开业主大会",
            "小区大门门禁坏了一个月",
            "物业把公共区域租出去收钱",
            "物业公司要撤场，垃圾都没人收了",
            "楼道灯坏了报修好几次物业不理",
        ),
        details=(
            "业委会也没人出面",
            "住在高层的老人上下楼很难",
            "公共收益从来不公开",
            "保安形同虚设",
        ),
        topics=("物业管理", "电梯", "物业费"),
        asks=("成立业委会需要什么程序", "物业维修资金怎么申请使用", "物业费标准由谁定"),
        ideas=("公开小区公共收益账目", "给老旧小区加装电梯"),
        units=("街道办", "住建局"),
    ),
    "FW02": _Spec(
        problems=(
            "隔壁一套房住了十几个人，天天进进出出",
            "房东把客厅隔成好几个小间出租",
            "楼下出租屋里的人经常半夜吵闹",
            "房东不退押金",
            "城中村出租屋电线私拉乱接",
            "租客在楼道里给电动车充电",
        ),
        details=(
            "消防隐患很大",
            "人员来往很杂",
            "房东联系不上",
            "合同到期了也不退钱",
        ),
        topics=("出租屋", "群租", "租赁"),
        asks=("出租屋要不要登记", "租房合同备案怎么办", "租客办居住证需要房东提供什么"),
        ideas=("加强出租屋消防检查", "推广租赁合同网签"),
        units=("出租屋管理中心", "街道", "来穗人员服务中心"),
        places=("{village}的出租屋", "{village}{num}号出租屋", "{estate}{bld}栋"),
    ),
    "FW03": _Spec(
        problems=(
            "老楼的外墙瓷砖往下掉",
            "楼梯间的墙上裂了一道大缝",
            "阳台的水泥块掉下来砸到了车",
            "房子的梁有明显的裂纹",
            "隔壁拆房子，我家墙开裂了",
            "老旧房子下雨天楼板渗水还掉渣",
        ),
        details=(
            "住的都是老人",
            "裂缝越来越宽",
            "楼下就是出入口",
            "差点砸到人",
        ),
        topics=("危房", "房屋安全", "外墙脱落"),
        asks=("房屋安全鉴定怎么申请", "老旧小区改造什么时候轮到我们"),
        ideas=("对六十年代的老楼做一次安全排查", "在外墙下面加防护网"),
        units=("住建局", "房屋安全办"),
    ),
    "RQ01": _Spec(
        problems=(
            "楼道里闻到很浓的煤气味",
            "厨房的燃气管好像漏气",
            "隔壁家飘出一股臭鸡蛋味",
            "餐馆门口的液化气罐在漏气",
            "路边施工好像挖破了燃气管",
            "燃气表转得飞快但没有在用",
        ),
        details=(
            "已经开窗通风了",
            "不敢开灯不敢打电话",
            "有人在旁边抽烟",
            "味道越来越大",
        ),
        topics=("燃气泄漏", "煤气", "燃气安全"),
        asks=("燃气安全检查是免费的吗", "燃气开户需要带什么材料"),
        ideas=("给老旧小区更换燃气管道", "推广燃气报警器"),
        units=("燃气公司", "燃气集团"),
    ),
    "RQ02": _Spec(
        problems=(
            "整栋楼突然停电了",
            "一天跳闸好几次",
            "晚上电压不稳，灯一闪一闪",
            "停电停了一整晚也没人来修",
            "变压器冒烟了",
            "电线垂得很低，快碰到人头了",
        ),
        details=(
            "冰箱里的东西都坏了",
            "家里有老人要用制氧机",
            "没有提前通知",
            "天气太热了受不了",
        ),
        topics=("停电", "供电", "电力"),
        asks=("什么时候来电", "计划停电通知在哪里看", "电费阶梯价怎么算"),
        ideas=("停电前发短信通知", "对老旧小区电线进行改造"),
        units=("供电局", "电力师傅"),
    ),
    "MZ01": _Spec(
        problems=(
            "家里老人没人照顾，想找个养老院",
            "社区长者饭堂的饭菜越来越差",
            "养老院的护工对老人态度很差",
            "居家养老服务说好每周来两次，结果不来",
            "老人独居，最近摔倒了没人知道",
            "长者饭堂的补贴没有落实",
        ),
        details=(
            "老人快九十岁了",
            "子女都在外地",
            "行动不便",
            "排队排了半年",
        ),
        topics=("养老服务", "长者饭堂", "居家养老"),
        asks=(
            "公办养老院怎么申请",
            "高龄津贴怎么领",
            "长者饭堂的补贴标准是多少",
            "居家养老上门服务怎么预约",
        ),
        ideas=("在{estate}附近多开一个长者饭堂", "给独居老人装紧急呼叫设备"),
        units=("民政局", "社区", "长者服务站"),
    ),
    "MZ02": _Spec(
        problems=(
            "家里生活很困难，申请低保一直没批",
            "残疾人补贴被停了",
            "丈夫生病住院，家里没有收入",
            "特困补助申请了半年没消息",
            "有人家里开着豪车还在领低保",
            "遇到急难情况，不知道有没有临时救助",
        ),
        details=(
            "孩子还在读书",
            "材料都交到居委了",
            "居委说名额满了",
            "实在撑不下去了",
        ),
        topics=("低保", "社会救助", "困难补助"),
        asks=(
            "低保申请需要什么条件",
            "临时救助怎么申请",
            "残疾人两项补贴的标准是多少",
        ),
        ideas=("公开低保审核进度", "简化临时救助审批"),
        units=("民政局", "居委会"),
    ),
    "MZ03": _Spec(
        problems=(
            "社区医院一个号都挂不上",
            "医院排队排了三个小时",
            "医生看病态度冷漠，说两句就赶人",
            "急诊等了好久没人管",
            "医院停车难，车排到马路上",
            "药房说没药，让去外面药店买",
        ),
        details=(
            "带着发烧的孩子",
            "老人身体受不了",
            "护士也不解释",
            "收费也不清楚",
        ),
        topics=("看病", "挂号", "医疗服务"),
        asks=(
            "家庭医生怎么签约",
            "社区医院可以打什么疫苗",
            "异地医保能不能在这家医院用",
        ),
        ideas=("社区医院延长晚上的门诊时间", "增加网上预约号源"),
        units=("卫健局", "医院"),
        places=("{road}社区卫生服务中心", "市第一人民医院", "区妇幼保健院"),
    ),
    "MZ04": _Spec(
        problems=(
            "孩子上小学被分到很远的地方",
            "积分入学的分数算错了",
            "学位申请系统一直登不上去",
            "幼儿园乱收费，报名要交赞助费",
            "学校门口放学时段太乱",
            "孩子转学手续办了很久",
        ),
        details=(
            "明天就截止了",
            "家长都很着急",
            "学校说要等教育局通知",
            "户口就在这个片区",
        ),
        topics=("入学", "学位", "招生"),
        asks=(
            "非户籍孩子读公办小学需要什么材料",
            "幼升小什么时候开始报名",
            "学区怎么划分",
            "积分入学怎么算分",
        ),
        ideas=("在{estate}附近新建一所小学", "公开学位分配规则"),
        units=("教育局", "学校"),
    ),
    "ZX01": _Spec(
        problems=(
            "办事窗口说法不一，不知道听谁的",
            "政策文件看不懂",
            "网上办事系统的指引太复杂",
            "打了好几个部门电话都说不归他们管",
        ),
        details=("跑了好几趟了", "网上查不到", "不知道找哪个部门"),
        topics=("政策", "办事流程", "办事指南"),
        asks=(
            "居住证怎么办理",
            "积分入户的条件是什么",
            "公积金怎么提取",
            "新生儿落户需要什么材料",
            "人才引进入户怎么申请",
            "摇号买车有什么政策",
            "个税专项附加扣除怎么填",
            "办身份证可以在哪里办",
            "不动产登记要带什么资料",
            "社保卡丢了怎么补办",
            "积分入学怎么算分",
            "灵活就业人员怎么交社保",
        ),
        ideas=("把常见办事指南做成一张清单", "开通政策解读直播"),
        units=("热线", "政务服务中心"),
    ),
}

# Categories a dispatcher might file the same text under; used for label noise and side remarks.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "CG01": ("JT01", "CG03", "HW01"),
    "CG02": ("CG03",),
    "CG03": ("CG01", "CG02"),
    "CG04": ("FW03", "FW01"),
    "HW01": ("HW03", "CG01"),
    "HW02": ("HW01",),
    "HW03": ("HW01",),
    "SZ01": ("SZ02", "SZ04"),
    "SZ02": ("SZ01", "PS02"),
    "SZ03": ("SZ04", "JT02"),
    "SZ04": ("SZ01", "SZ03"),
    "PS01": ("PS02",),
    "PS02": ("PS01", "SZ02"),
    "PS03": ("PS02", "HB04"),
    "PS04": ("FW01",),
    "YL01": ("YL02",),
    "YL02": ("YL01",),
    "HB01": ("HB02",),
    "HB02": ("HB01", "CG01"),
    "HB03": ("HB04", "SC01"),
    "HB04": ("HB03", "PS03"),
    "JT01": ("CG01", "FW01"),
    "JT02": ("SZ03",),
    "JT03": ("JT04",),
    "JT04": ("JT03",),
    "SC01": ("SC04", "HB03"),
    "SC02": ("SC04",),
    "SC03": ("CG01", "SC01"),
    "SC04": ("SC02",),
    "LD01": ("LD02",),
    "LD02": ("LD01", "MZ02"),
    "LD03": ("ZX01",),
    "FW01": ("FW02", "PS04"),
    "FW02": ("FW01",),
    "FW03": ("CG04", "FW01"),
    "RQ01": ("HB04",),
    "RQ02": ("FW01",),
    "MZ01": ("MZ02", "LD02"),
    "MZ02": ("MZ01", "LD02"),
    "MZ03": ("MZ01",),
    "MZ04": ("ZX01",),
    "ZX01": ("LD02", "MZ04"),
}

# Problems that honestly belong to either of two or three categories: the same words are filed
# under each, so no classifier (or dispatcher) can get all of them right.
_SHARED: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("HB01", "HB02"),
        (
            "晚上电钻声吵得睡不着",
            "隔壁在装修，天天敲敲打打",
            "半夜还有机器轰隆隆的声音",
            "早上六点就开始有噪音",
            "对面天天切割钢筋，声音刺耳",
        ),
    ),
    (
        ("HW01", "HW03"),
        (
            "垃圾桶旁边堆满了袋子",
            "投放点的垃圾满了没人管",
            "清运车来了把垃圾全倒一起就走了",
            "小区垃圾房脏乱差",
            "垃圾桶撤走以后垃圾都扔在地上",
        ),
    ),
    (
        ("PS01", "PS02"),
        (
            "路边一直有积水退不掉",
            "下水道口往上冒水",
            "下雨后小区里污水横流",
            "地下车库又进水了",
            "一下雨排水口就往外冒水",
        ),
    ),
    (
        ("SC02", "SC04"),
        (
            "商家多收了我钱还不肯退",
            "结账金额和说好的不一样",
            "充值时说的优惠不兑现",
            "办卡时承诺的价格后来不认了",
        ),
    ),
    (("SC01", "SC04"), ("买到的东西有问题，商家不肯退换", "买的月饼发霉了，店家说不关他们事")),
    (("SZ01", "SZ02"), ("路面上有个洞，很危险", "人行道上塌了一块")),
    (("SZ03", "SZ04"), ("隧道口的灯不亮", "过街的地方晚上黑乎乎的")),
    (("HB03", "HB04"), ("楼下飘来一股很呛的烟味", "一到晚上就有刺鼻的气味")),
    (("JT01", "CG01"), ("路边被占得满满的，根本过不去", "人行道被占了，只能走马路")),
    (("FW01", "FW02"), ("楼道里堆满杂物和电动车", "房东和物业互相推诿")),
    (("LD01", "LD02"), ("公司不给钱也不交保险", "离职后单位扣着工资和社保不处理")),
    (("MZ01", "MZ02"), ("家里老人生活困难没人管", "独居老人没有收入")),
    (("JT03", "JT04"), ("司机态度很差，还骂人", "司机开车打电话")),
    (("CG04", "FW03"), ("楼顶加建后墙体开裂了",)),
    (("YL01", "YL02"), ("公园里的树倒了压坏了椅子",)),
    (("PS03", "HB04"), ("河边工厂排出来的水又臭又黑",)),
    (("MZ04", "ZX01", "LD02"), ("积分怎么算", "居住证积分查不到")),
)


def _with_shared(specs: dict[str, _Spec]) -> dict[str, _Spec]:
    shared: dict[str, list[str]] = defaultdict(list)
    for codes, problems in _SHARED:
        for code in codes:
            shared[code].extend(problems)
    return {code: replace(spec, shared=tuple(shared[code])) for code, spec in specs.items()}


_SPECS = _with_shared(_SPECS)

# Relative ticket volume, shaped like a big city's hotline: noise, parking, vending and garbage
# lead; gas leaks and pedestrian bridges are rare.
CATEGORY_WEIGHTS: dict[str, int] = {
    "HB02": 90,
    "JT01": 80,
    "CG01": 70,
    "HW01": 60,
    "HB01": 55,
    "FW01": 50,
    "SC04": 45,
    "HB03": 35,
    "LD01": 35,
    "ZX01": 35,
    "CG04": 30,
    "PS02": 25,
    "SZ01": 25,
    "LD02": 25,
    "SZ03": 20,
    "JT03": 20,
    "JT04": 20,
    "SC02": 20,
    "SC01": 20,
    "CG02": 18,
    "HW03": 15,
    "FW02": 15,
    "PS01": 15,
    "PS04": 15,
    "RQ02": 15,
    "YL01": 15,
    "MZ04": 15,
    "MZ03": 15,
    "HB04": 12,
    "JT02": 12,
    "CG03": 10,
    "SC03": 10,
    "MZ02": 10,
    "HW02": 8,
    "SZ02": 8,
    "LD03": 8,
    "FW03": 8,
    "MZ01": 8,
    "SZ04": 6,
    "PS03": 6,
    "YL02": 6,
    "RQ01": 5,
}

KINDS = ("complaint", "help", "consultation", "suggestion", "report", "praise")
_DEFAULT_KIND_WEIGHTS = (55, 14, 14, 7, 6, 4)
_KIND_WEIGHTS: dict[str, tuple[int, ...]] = {
    "ZX01": (5, 5, 85, 5, 0, 0),
    "LD03": (15, 25, 50, 10, 0, 0),
    "LD02": (35, 15, 45, 5, 0, 0),
    "MZ04": (30, 10, 45, 10, 3, 2),
    "MZ02": (20, 45, 30, 0, 5, 0),
    "MZ01": (30, 30, 30, 10, 0, 0),
    "CG04": (45, 5, 10, 5, 33, 2),
    "SC03": (40, 0, 15, 5, 40, 0),
    "FW03": (45, 35, 10, 5, 3, 2),
    "RQ01": (40, 50, 5, 5, 0, 0),
    "PS04": (55, 30, 10, 3, 0, 2),
}

# Cumulative weights, computed once: random.choices is quicker with cum_weights.
_CATEGORY_CODES = tuple(CATEGORY_WEIGHTS)
_CATEGORY_CUM = tuple(itertools.accumulate(CATEGORY_WEIGHTS.values()))


def _fill(template: str, rng: random.Random) -> str:
    if "{" not in template:
        return template
    return template.format(
        road=rng.choice(_ROADS),
        road2=rng.choice(_ROADS),
        estate=rng.choice(_ESTATES),
        village=rng.choice(_VILLAGES),
        metro=rng.choice(_METRO),
        exit=rng.choice("ABCDEF"),
        school=rng.choice(_SCHOOLS),
        shop=rng.choice(_SHOPS),
        bld=rng.randint(1, 30),
        num=rng.randint(1, 399),
        bus=rng.randint(2, 598),
        unit="",
    )


def _place(spec: _Spec, rng: random.Random) -> str:
    if spec.places and rng.random() < 0.5:
        return _fill(rng.choice(spec.places), rng)
    if rng.random() < 0.15:
        return ""
    return _fill(rng.choice(_GENERIC_PLACES), rng)


def _join(parts: list[str]) -> str:
    return "，".join(p for p in parts if p)


def _end(sentence: str) -> str:
    return sentence if sentence.endswith(("？", "！", "。")) else sentence + "。"


def _problem(spec: _Spec, rng: random.Random) -> str:
    if spec.shared and rng.random() < 0.2:
        return rng.choice(spec.shared)
    return _fill(rng.choice(spec.problems), rng)


def _complaint(spec: _Spec, rng: random.Random) -> str:
    place = _place(spec, rng)
    time = rng.choice(_TIMES)
    style = rng.random()
    if style < 0.02:
        # A follow-up that names no problem at all: only the history knows the category.
        return f"{place}{rng.choice(_VAGUE)}，{rng.choice(_DEMANDS[:5])}。"
    problem = _problem(spec, rng)
    if style < 0.2:
        # The operator's summary, as 12345 tickets are usually written down.
        detail = rng.choice(spec.details)
        demand = rng.choice(_DEMANDS)
        return f"市民来电反映：{place}{time}{problem}，{detail}。诉求：{_end(demand)}"
    if style < 0.35:
        # A short SMS or app message.
        return f"{place}{problem}" if rng.random() < 0.6 else f"{problem}，{rng.choice(_DEMANDS)}"
    extras = [rng.choice(spec.details), rng.choice(_CONSEQUENCES)]
    rng.shuffle(extras)
    if rng.random() < 0.4:
        extras.pop()
    opener = _fill(rng.choice(_OPENERS), rng)
    return opener + _end(_join([f"{place}{time}{problem}", *extras, rng.choice(_DEMANDS)]))


def _help(spec: _Spec, rng: random.Random) -> str:
    problem = _problem(spec, rng)
    place = _place(spec, rng) if rng.random() < 0.6 else ""
    detail = rng.choice(spec.details) if rng.random() < 0.6 else ""
    # Half the callers who need help say so only by the urgency of their words.
    closer = rng.choice(_HELP_CLOSERS) if rng.random() < 0.6 else rng.choice(_DEMANDS)
    return rng.choice(_HELP_OPENERS) + _end(_join([f"{place}{problem}", detail, closer]))


def _consultation(spec: _Spec, rng: random.Random) -> str:
    ask = _fill(rng.choice(spec.asks), rng)
    context = ""
    if rng.random() < 0.3:
        context = f"关于{rng.choice(spec.topics)}的事，"
    elif rng.random() < 0.2:
        context = _problem(spec, rng) + "，"
    return (
        rng.choice(("", "你好，", "您好，", f"我是{rng.choice(_ESTATES)}的业主，"))
        + context
        + rng.choice(_CONSULT_PREFIXES)
        + ask
        + rng.choice(_CONSULT_SUFFIXES)
    )


def _suggestion(spec: _Spec, rng: random.Random) -> str:
    idea = _fill(rng.choice(spec.ideas), rng)
    context = ""
    roll = rng.random()
    if roll < 0.4:
        context = f"{_place(spec, rng)}{rng.choice(spec.topics)}问题比较多，"
    elif roll < 0.6:
        context = f"{_place(spec, rng)}{_problem(spec, rng)}，"
    return context + rng.choice(_SUGGEST_PREFIXES) + idea + rng.choice(("。", "，谢谢。", "！"))


def _report(spec: _Spec, rng: random.Random) -> str:
    problem = _problem(spec, rng)
    place = _place(spec, rng)
    detail = rng.choice(spec.details) if rng.random() < 0.5 else ""
    return (
        rng.choice(_REPORT_OPENERS)
        + _join([f"{place}{problem}", detail])
        + ("，" + rng.choice(_REPORT_CLOSERS) + "。")
    )


def _praise(spec: _Spec, rng: random.Random) -> str:
    unit = rng.choice(spec.units)
    opener = rng.choice(_PRAISE_OPENERS).replace("{unit}", unit)
    if not opener.endswith("，"):
        opener += unit + "，"
    body = rng.choice(_PRAISE_BODIES).format(
        place=_place(spec, rng), topic=rng.choice(spec.topics), days=rng.choice(_DAYS)
    )
    return opener + body + rng.choice(_PRAISE_CLOSERS)


_BUILDERS = {
    "complaint": _complaint,
    "help": _help,
    "consultation": _consultation,
    "suggestion": _suggestion,
    "report": _report,
    "praise": _praise,
}


def ticket_text(category_code: str, kind: str, rng: random.Random) -> str:
    """One synthetic citizen text for a category code and a Kind value."""
    spec = _SPECS[category_code]
    text = _BUILDERS[kind](spec, rng)
    # Real tickets often mention a second, related nuisance in passing.
    if kind == "complaint" and rng.random() < 0.08:
        other = _SPECS[rng.choice(NEIGHBOURS[category_code])]
        text += "另外，" + _problem(other, rng) + "。"
    return text


def kind_for(category_code: str, rng: random.Random) -> str:
    """A ticket type drawn with the category's usual mix (most complaints; ZX01 mostly asks)."""
    weights = _KIND_WEIGHTS.get(category_code, _DEFAULT_KIND_WEIGHTS)
    return rng.choices(KINDS, weights=weights)[0]


def category_for(rng: random.Random) -> str:
    """A category code drawn with the skewed volume of a real city hotline."""
    return rng.choices(_CATEGORY_CODES, cum_weights=_CATEGORY_CUM)[0]


# Types an operator might pick instead, for the type label noise.
_KIND_NEIGHBOURS = {
    "complaint": ("help", "report", "suggestion"),
    "help": ("complaint", "consultation"),
    "consultation": ("help", "suggestion"),
    "suggestion": ("complaint", "consultation"),
    "report": ("complaint",),
    "praise": ("suggestion", "complaint"),
}


def corpus(
    n: int, *, seed: int, label_noise: float = 0.04, kind_noise: float = 0.05
) -> list[tuple[str, str, str]]:
    """n synthetic (text, category code, kind) samples; the same seed gives the same corpus.

    About `label_noise` of the samples are labelled with a neighbouring category, as happens when
    a dispatcher files a ticket under the next-door category and nobody corrects it; about
    `kind_noise` carry a neighbouring type (complaint or help, complaint or report: operators
    disagree).
    """
    rng = random.Random(seed)
    samples: list[tuple[str, str, str]] = []
    for _ in range(n):
        code = category_for(rng)
        kind = kind_for(code, rng)
        text = ticket_text(code, kind, rng)
        label = code
        if rng.random() < label_noise:
            label = rng.choice(NEIGHBOURS[code])
        if rng.random() < kind_noise:
            kind = rng.choice(_KIND_NEIGHBOURS[kind])
        samples.append((text, label, kind))
    return samples
