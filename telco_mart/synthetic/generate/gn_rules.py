"""The GN rule libraries (applications, protocols, content host suffixes) and the host names
traffic sessions carry. Fixed reference data, the same for every seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from telco_mart.synthetic.generate.codes import contract_codes

CATEGORIES = contract_codes("app_category")
# Share of traffic sessions per category for a subscriber with no particular interest.
CATEGORY_SHARES = np.array([0.2, 0.07, 0.08, 0.09, 0.05, 0.09, 0.04, 0.2, 0.04, 0.04, 0.03, 0.05, 0.02])

# "name domain" per app, by category; no domain is a label-boundary suffix of another, so a host
# maps to one application whatever matching rule the mart applies.
_APPS = {
    "video": (
        "腾讯视频 v.qq.com|爱奇艺 iqiyi.com|优酷 youku.com|抖音 douyin.com|快手 kuaishou.com|"
        "哔哩哔哩 bilibili.com|芒果TV mgtv.com|西瓜视频 ixigua.com|咪咕视频 miguvideo.com|"
        "搜狐视频 tv.sohu.com|好看视频 haokan.baidu.com|微视 weishi.qq.com|"
        "央视频 yangshipin.cn|虎牙直播 huya.com|斗鱼直播 douyu.com"
    ),
    "music": (
        "QQ音乐 y.qq.com|网易云音乐 music.163.com|酷狗音乐 kugou.com|酷我音乐 kuwo.cn|"
        "咪咕音乐 music.migu.cn|喜马拉雅 ximalaya.com|荔枝 lizhi.fm|全民K歌 kg.qq.com|"
        "汽水音乐 qishuimusic.com|蜻蜓FM qingting.fm"
    ),
    "games": (
        "王者荣耀 pvp.qq.com|和平精英 gp.qq.com|原神 ys.mihoyo.com|"
        "开心消消乐 happyelements.cn|阴阳师 yys.163.com|梦幻西游 my.163.com|"
        "英雄联盟手游 lolm.qq.com|崩坏星穹铁道 sr.mihoyo.com|金铲铲之战 jcc.qq.com|"
        "蛋仔派对 party.163.com|欢乐斗地主 qqgame.qq.com|穿越火线 cf.qq.com"
    ),
    "news": (
        "今日头条 toutiao.com|腾讯新闻 news.qq.com|网易新闻 news.163.com|新浪新闻 sina.cn|"
        "凤凰新闻 ifeng.com|澎湃新闻 thepaper.cn|人民日报 people.com.cn|新华社 xinhuanet.com|"
        "搜狐新闻 news.sohu.com|山西日报 sxrb.com"
    ),
    "finance": (
        "支付宝 alipay.com|招商银行 cmbchina.com|工商银行 icbc.com.cn|建设银行 ccb.com|"
        "农业银行 abchina.com|同花顺 10jqka.com.cn|东方财富 eastmoney.com|云闪付 95516.com|"
        "平安证券 stock.pingan.com|天天基金 1234567.com.cn|微众银行 webank.com|"
        "中国银行 boc.cn"
    ),
    "shopping": (
        "淘宝 taobao.com|京东 jd.com|拼多多 pinduoduo.com|天猫 tmall.com|唯品会 vip.com|"
        "闲鱼 goofish.com|苏宁易购 suning.com|得物 dewu.com|当当 dangdang.com|"
        "阿里巴巴1688 1688.com"
    ),
    "travel": (
        "携程旅行 ctrip.com|去哪儿旅行 qunar.com|飞猪 fliggy.com|铁路12306 12306.cn|"
        "高德地图 amap.com|百度地图 map.baidu.com|滴滴出行 didiglobal.com|同程旅行 ly.com|"
        "航旅纵横 umetrip.com|马蜂窝 mafengwo.cn|哈啰 hellobike.com"
    ),
    "social": (
        "微信 weixin.qq.com|QQ im.qq.com|微博 weibo.com|小红书 xiaohongshu.com|"
        "知乎 zhihu.com|陌陌 immomo.com|豆瓣 douban.com|百度贴吧 tieba.baidu.com|"
        "探探 tantanapp.com|Soul soulapp.cn"
    ),
    "reading": (
        "微信读书 weread.qq.com|番茄小说 fanqienovel.com|起点读书 qidian.com|"
        "掌阅 zhangyue.com|QQ阅读 book.qq.com|七猫免费小说 qimao.com|咪咕阅读 cmread.com|"
        "得到 dedao.cn|樊登读书 dushu365.com"
    ),
    "food": (
        "美团 meituan.com|饿了么 ele.me|大众点评 dianping.com|肯德基 kfc.com.cn|"
        "麦当劳 mcdonalds.com.cn|瑞幸咖啡 luckincoffee.com|喜茶 heytea.com|"
        "下厨房 xiachufang.com|盒马 freshhema.com|叮咚买菜 100.me"
    ),
    "sports": (
        "虎扑 hupu.com|腾讯体育 sports.qq.com|懂球帝 dongqiudi.com|Keep keep.com|"
        "直播吧 zhibo8.cc|新浪体育 sports.sina.com.cn|悦跑圈 thejoyrun.com|咕咚 codoon.com|"
        "央视体育 sports.cctv.com|中国体彩 lottery.gov.cn"
    ),
    "tools": (
        "百度 m.baidu.com|WPS Office wps.cn|钉钉 dingtalk.com|腾讯会议 meeting.tencent.com|"
        "夸克 quark.cn|百度网盘 pan.baidu.com|腾讯文档 docs.qq.com|美图秀秀 meitu.com|"
        "扫描全能王 camscanner.com|有道翻译 youdao.com|墨迹天气 moji.com|中国移动 10086.cn"
    ),
    "other": (
        "智联招聘 zhaopin.com|BOSS直聘 zhipin.com|贝壳找房 ke.com|58同城 58.com|"
        "安居客 anjuke.com|平安好医生 jk.cn|学习强国 xuexi.cn|作业帮 zuoyebang.com|"
        "猿辅导 yuanfudao.com|交管12123 122.gov.cn"
    ),
}
# Content rules that name a category but no application (portals, CDNs of one kind of content).
_CATEGORY_ONLY = (
    ("ku6.com", "video"),
    ("cntv.cn", "video"),
    ("kankanews.com", "news"),
    ("chinanews.com.cn", "news"),
    ("sxgov.cn", "other"),
    ("yinyuetai.com", "music"),
    ("4399.com", "games"),
    ("hexun.com", "finance"),
    ("smzdm.com", "shopping"),
    ("tuniu.com", "travel"),
    ("xiaochuankeji.cn", "social"),
    ("jjwxc.net", "reading"),
)
_HOST_PREFIXES = ("www", "api", "m", "img", "cdn")
# Hosts no rule knows: a few percent of sessions go to them.
_UNKNOWN_DOMAINS = (("edge", "fastcdn.net"), ("s", "tracker.io"))
UNKNOWN_HOSTS = tuple(f"{p}{n}.{d}" for n in range(8) for p, d in _UNKNOWN_DOMAINS)

# (protocol id, name, family); traffic draws ids by category below.
PROTOCOLS = (
    ("PR001", "HTTP", "http"),
    ("PR002", "HTTPS", "https"),
    ("PR003", "QUIC", "quic"),
    ("PR004", "DNS", "dns"),
    ("PR005", "RTSP", "rtsp"),
    ("PR006", "RTMP", "other"),
    ("PR007", "HTTP-FLV", "http"),
    ("PR008", "HLS", "http"),
    ("PR009", "SIP", "voip"),
    ("PR010", "微信语音通话", "voip"),
    ("PR011", "VoLTE-IMS", "voip"),
    ("PR012", "BitTorrent", "other"),
    ("PR013", "SMTP", "other"),
    ("PR014", "MQTT", "other"),
    ("PR015", "TLS 1.3", "https"),
    ("PR016", "MPEG-DASH", "http"),
)
_DEFAULT_PROTOCOLS = {"PR002": 0.62, "PR015": 0.1, "PR001": 0.14, "PR003": 0.1, "PR004": 0.04}
_CATEGORY_PROTOCOLS = {
    "video": {
        "PR003": 0.3,
        "PR002": 0.3,
        "PR008": 0.15,
        "PR007": 0.1,
        "PR006": 0.05,
        "PR005": 0.04,
        "PR016": 0.06,
    },
    "music": {"PR002": 0.65, "PR001": 0.2, "PR003": 0.12, "PR004": 0.03},
    "games": {"PR002": 0.45, "PR003": 0.3, "PR014": 0.2, "PR004": 0.05},
    "social": {"PR002": 0.55, "PR003": 0.2, "PR010": 0.15, "PR009": 0.03, "PR014": 0.04, "PR004": 0.03},
    "tools": {"PR002": 0.6, "PR001": 0.15, "PR013": 0.05, "PR012": 0.05, "PR003": 0.1, "PR004": 0.05},
}
# Log-normal size of a session per category: median bytes down, spread; median seconds.
SESSION_SHAPE = {
    "video": (6.0e6, 1.3, 240),
    "music": (1.5e6, 1.0, 180),
    "games": (4.0e5, 1.1, 300),
    "news": (3.0e5, 1.0, 60),
    "finance": (1.2e5, 0.9, 45),
    "shopping": (5.0e5, 1.0, 90),
    "travel": (2.5e5, 1.0, 60),
    "social": (3.5e5, 1.3, 120),
    "reading": (1.5e5, 0.9, 240),
    "food": (2.0e5, 0.9, 60),
    "sports": (8.0e5, 1.2, 150),
    "tools": (2.0e5, 1.2, 60),
    "other": (1.5e5, 1.0, 45),
}


@dataclass(frozen=True)
class GnRules:
    """Applications, content rules, protocols and host names as arrays the traffic draws index."""

    app_ids: tuple[str, ...]
    app_names: tuple[str, ...]
    app_category: np.ndarray  # index into CATEGORIES, apps grouped by category
    category_offset: np.ndarray  # first app of each category (len = categories + 1)
    content_suffixes: tuple[str, ...]
    content_app: tuple[str | None, ...]
    content_category: tuple[str, ...]
    hosts: tuple[str, ...]  # len(_HOST_PREFIXES) host names per app, then UNKNOWN_HOSTS
    protocol_cdf: np.ndarray  # [category, protocol] cumulative probabilities

    @property
    def hosts_per_app(self) -> int:
        """Host names each application is seen under."""
        return len(_HOST_PREFIXES)


def build_gn_rules() -> GnRules:
    """The application, content and protocol libraries."""
    names, categories, domains = [], [], []
    for number, category in enumerate(CATEGORIES):
        for entry in _APPS[category].split("|"):
            name, domain = entry.rsplit(" ", 1)
            names.append(name)
            categories.append(number)
            domains.append(domain)
    app_ids = tuple(f"A{number:04d}" for number in range(1, len(names) + 1))
    category = np.array(categories, dtype=np.int16)
    offset = np.searchsorted(category, np.arange(len(CATEGORIES) + 1)).astype(np.int64)
    suffixes = tuple(domains) + tuple(s for s, _ in _CATEGORY_ONLY)
    content_app = app_ids + (None,) * len(_CATEGORY_ONLY)
    content_category = tuple(CATEGORIES[c] for c in categories) + tuple(c for _, c in _CATEGORY_ONLY)
    hosts = tuple(f"{prefix}.{domain}" for domain in domains for prefix in _HOST_PREFIXES) + UNKNOWN_HOSTS
    protocol_ids = [p[0] for p in PROTOCOLS]
    weights = np.zeros((len(CATEGORIES), len(PROTOCOLS)))
    for row, name in enumerate(CATEGORIES):
        for protocol, share in _CATEGORY_PROTOCOLS.get(name, _DEFAULT_PROTOCOLS).items():
            weights[row, protocol_ids.index(protocol)] = share
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    return GnRules(
        app_ids=app_ids,
        app_names=tuple(names),
        app_category=category,
        category_offset=offset,
        content_suffixes=suffixes,
        content_app=content_app,
        content_category=content_category,
        hosts=hosts,
        protocol_cdf=cdf,
    )
