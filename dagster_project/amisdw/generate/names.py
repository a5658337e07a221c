"""Name pools: provinces, cities and counties, sales units, and Chinese personal names.

Provinces carry their real two-digit administrative prefix (86 + code = ComCode), the
five separately planned cities get 91-95. The first three provinces (used by ``tiny``
and ``demo``) have real city and district/county names; the others have their real
capital and synthetic place names built from common place-name characters.
"""

from __future__ import annotations

import numpy as np

PROVINCES: tuple[tuple[str, str], ...] = (
    ("61", "陕西"),
    ("51", "四川"),
    ("44", "广东"),
    ("11", "北京"),
    ("12", "天津"),
    ("13", "河北"),
    ("14", "山西"),
    ("15", "内蒙古"),
    ("21", "辽宁"),
    ("22", "吉林"),
    ("23", "黑龙江"),
    ("31", "上海"),
    ("32", "江苏"),
    ("33", "浙江"),
    ("34", "安徽"),
    ("35", "福建"),
    ("36", "江西"),
    ("37", "山东"),
    ("41", "河南"),
    ("42", "湖北"),
    ("43", "湖南"),
    ("45", "广西"),
    ("46", "海南"),
    ("50", "重庆"),
    ("52", "贵州"),
    ("53", "云南"),
    ("54", "西藏"),
    ("62", "甘肃"),
    ("63", "青海"),
    ("64", "宁夏"),
    ("65", "新疆"),
    ("91", "大连"),
    ("92", "青岛"),
    ("93", "宁波"),
    ("94", "厦门"),
    ("95", "深圳"),
)

# Real cities with real districts/counties for the provinces tiny and demo use.
REAL_CITIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "61": (
        ("西安", ("雁塔", "碑林", "新城", "未央", "长安", "临潼")),
        ("咸阳", ("秦都", "渭城", "兴平", "三原", "泾阳")),
        ("宝鸡", ("渭滨", "金台", "陈仓", "岐山", "凤翔")),
        ("渭南", ("临渭", "华州", "蒲城", "富平")),
        ("汉中", ("汉台", "南郑", "城固", "勉县")),
        ("榆林", ("榆阳", "神木", "府谷", "靖边")),
        ("延安", ("宝塔", "安塞", "延长", "洛川")),
    ),
    "51": (
        ("成都", ("锦江", "青羊", "金牛", "武侯", "成华", "双流")),
        ("绵阳", ("涪城", "游仙", "江油", "三台")),
        ("德阳", ("旌阳", "广汉", "什邡", "绵竹")),
        ("南充", ("顺庆", "高坪", "阆中", "南部")),
        ("宜宾", ("翠屏", "南溪", "叙州", "江安")),
        ("泸州", ("江阳", "龙马潭", "纳溪", "合江")),
    ),
    "44": (
        ("广州", ("越秀", "海珠", "天河", "白云", "番禺", "花都")),
        ("佛山", ("禅城", "南海", "顺德", "三水")),
        ("汕头", ("金平", "龙湖", "潮阳", "澄海")),
        ("湛江", ("赤坎", "霞山", "雷州", "廉江")),
        ("江门", ("蓬江", "江海", "新会", "台山")),
        ("茂名", ("茂南", "电白", "高州", "化州")),
    ),
}

CAPITALS: dict[str, str] = {
    "11": "北京",
    "12": "天津",
    "13": "石家庄",
    "14": "太原",
    "15": "呼和浩特",
    "21": "沈阳",
    "22": "长春",
    "23": "哈尔滨",
    "31": "上海",
    "32": "南京",
    "33": "杭州",
    "34": "合肥",
    "35": "福州",
    "36": "南昌",
    "37": "济南",
    "41": "郑州",
    "42": "武汉",
    "43": "长沙",
    "45": "南宁",
    "46": "海口",
    "50": "重庆",
    "52": "贵阳",
    "53": "昆明",
    "54": "拉萨",
    "62": "兰州",
    "63": "西宁",
    "64": "银川",
    "65": "乌鲁木齐",
    "91": "大连",
    "92": "青岛",
    "93": "宁波",
    "94": "厦门",
    "95": "深圳",
}

PLACE_FIRST = "安宁平兴永新长清德丰华阳昌泰庆宝隆盛东西南北中上江河山石金玉青白龙凤高广"
PLACE_SECOND = "山川江河阳城平安宁源泉州口关台林水原陵沙溪岭坪湖桥峰门坝"

TEAM_WORDS = (
    "飞跃",
    "腾龙",
    "精英",
    "卓越",
    "凤凰",
    "雄鹰",
    "星光",
    "启航",
    "远航",
    "明德",
    "博爱",
    "诚信",
    "鸿运",
    "鼎盛",
    "恒星",
    "旭日",
    "朝阳",
    "晨光",
    "开拓",
    "先锋",
    "金鹰",
    "银河",
    "宏图",
    "致远",
    "希望",
    "梦想",
    "奋进",
    "超越",
    "辉煌",
    "阳光",
    "彩虹",
    "蓝天",
    "海燕",
    "春雨",
    "繁星",
    "长城",
    "泰山",
    "黄河",
    "长江",
    "天马",
    "骏马",
    "翱翔",
    "蓝海",
    "金穗",
    "丰收",
    "福星",
    "吉祥",
    "如意",
    "同心",
    "众志",
    "凌云",
    "壮志",
    "扬帆",
    "破浪",
    "锦程",
)

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals: 1 -> 一, 10 -> 十, 12 -> 十二, 30 -> 三十."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else CN_DIGITS[tens] + "十"
    return head + (CN_DIGITS[ones] if ones else "")


def synthetic_places(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = (
            PLACE_FIRST[rng.integers(len(PLACE_FIRST))]
            + PLACE_SECOND[rng.integers(len(PLACE_SECOND))]
        )
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


# --- personal names ---------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "司徒")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁俊浩凯峰建国志宇晨轩博文东海林"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英红梅琳燕萍雪慧颖婷倩洁琴云莉兰凤佳欣怡悦"
GIVEN_COMMON = "嘉子晓思梓雨佳一可心家安春秋月新永福德明玉"
# Characters outside GBK that GB18030 encodes in 4 bytes (a GBK decoder fails on them).
RARE_CHARS = "𠀾𠮷㐂𡒄㛃"
RARE_NAME_SHARE = 0.003

DEGREES = ("本科", "大专", "高中", "中专", "硕士", "初中", "本科", "大专", "大专", "")
DEGREE_WEIGHTS = (0.22, 0.34, 0.18, 0.12, 0.03, 0.05, 0.02, 0.02, 0.01, 0.01)
ODD_DEGREE = "大专,函授"  # a free-text value that needs CSV quoting
ODD_DEGREE_SHARE = 0.01


def person_names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    """Chinese names (surname + 1-2 given characters) for a vector of sexes (0 m, 1 f)."""
    n = len(sex)
    sur = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    compound = rng.random(n) < 0.004
    if compound.any():
        sur[compound] = np.array(COMPOUND_SURNAMES)[
            rng.integers(0, len(COMPOUND_SURNAMES), int(compound.sum()))
        ]
    male = np.array(list(GIVEN_MALE))
    female = np.array(list(GIVEN_FEMALE))
    common = np.array(list(GIVEN_COMMON))
    first = np.where(
        sex == 0, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]
    )
    two = rng.random(n) < 0.7
    lead = common[rng.integers(0, len(common), n)]
    lead2 = np.where(
        sex == 0, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]
    )
    lead = np.where(rng.random(n) < 0.5, lead, lead2)
    rare = rng.random(n) < RARE_NAME_SHARE
    rare_chars = np.array(list(RARE_CHARS))[rng.integers(0, len(RARE_CHARS), n)]
    first = np.where(rare, rare_chars, first)
    given = np.where(two, np.char.add(lead, first), first)
    return np.char.add(sur, given).astype("U5")
