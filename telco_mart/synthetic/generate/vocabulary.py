"""Chinese words the generator builds names from: people, places, stores, restriction reasons.

Every character here is in GB2312, so CRM text always encodes as GBK. The lists are data, not
logic; the catalogue and population modules draw from them by index.
"""

from __future__ import annotations

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)

GIVEN_NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉兰文辉建国红鹏飞斌宇浩凯健俊帆帅旭宁龙林欣佳怡雪婷"
    "晨阳博瑞泽子梓涵睿思雨轩然一诺嘉琪晓天海波春梅志峰亮鑫丹慧颖倩萍云秋月振东晋恒"
)

# Contract order of the city_code list, with the population share of each of Shanxi's 11 cities.
CITY_NAMES = {
    "taiyuan": ("太原", 0.16),
    "datong": ("大同", 0.09),
    "yangquan": ("阳泉", 0.04),
    "changzhi": ("长治", 0.09),
    "jincheng": ("晋城", 0.06),
    "shuozhou": ("朔州", 0.05),
    "jinzhong": ("晋中", 0.09),
    "yuncheng": ("运城", 0.14),
    "xinzhou": ("忻州", 0.08),
    "linfen": ("临汾", 0.11),
    "lvliang": ("吕梁", 0.09),
}

DISTRICTS = {
    "taiyuan": "小店区 迎泽区 杏花岭区 尖草坪区 万柏林区 晋源区 清徐县 阳曲县 古交市",
    "datong": "平城区 云冈区 新荣区 云州区 阳高县 天镇县 广灵县 浑源县 左云县 灵丘县",
    "yangquan": "城区 矿区 郊区 平定县 盂县",
    "changzhi": "潞州区 上党区 屯留区 潞城区 襄垣县 平顺县 黎城县 壶关县 长子县 武乡县 沁县 沁源县",
    "jincheng": "城区 沁水县 阳城县 陵川县 泽州县 高平市",
    "shuozhou": "朔城区 平鲁区 山阴县 应县 右玉县 怀仁市",
    "jinzhong": "榆次区 太谷区 榆社县 左权县 和顺县 昔阳县 寿阳县 祁县 平遥县 灵石县 介休市",
    "yuncheng": "盐湖区 临猗县 万荣县 闻喜县 稷山县 新绛县 绛县 垣曲县 夏县 平陆县 芮城县 永济市 河津市",
    "xinzhou": "忻府区 定襄县 五台县 代县 繁峙县 宁武县 静乐县 神池县 五寨县 岢岚县 河曲县 保德县 原平市",
    "linfen": "尧都区 曲沃县 翼城县 襄汾县 洪洞县 古县 安泽县 浮山县 吉县 乡宁县 隰县 蒲县 侯马市 霍州市",
    "lvliang": "离石区 文水县 交城县 兴县 临县 柳林县 石楼县 岚县 方山县 中阳县 交口县 孝义市 汾阳市",
}

# Store name endings per channel type, with the channel's share of stores and daily capacity range.
STORE_KINDS = {
    "retail_counter": (("营业厅", "旗舰店", "自营厅", "合作厅", "便民服务点"), 0.55, (40, 300)),
    "field_sales": (("社区经理站", "校园直销队", "乡镇直销队"), 0.15, (20, 120)),
    "outbound_call": (("外呼中心",), 0.1, (500, 3000)),
    "sms": (("短信营销中心",), 0.05, (20000, 100000)),
    "app": (("掌上营业厅", "网上营业厅"), 0.07, (50000, 200000)),
    "hotline": (("客服热线中心",), 0.08, (1000, 6000)),
}

RESTRICTION_REASONS = {
    "do_not_disturb": (
        "客户要求不接收营销信息",
        "客户来电要求免打扰",
        "营销短信投诉后登记免打扰",
        "老年客户家属申请免打扰",
        "客户在营业厅登记拒绝外呼",
    ),
    "blacklist": (
        "多次投诉营销骚扰",
        "涉嫌诈骗号码",
        "恶意欠费停机",
        "监管部门要求屏蔽",
    ),
}
