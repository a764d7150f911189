"""The demo content, as data. Modelled on district programmes in Guangzhou's Yuexiu
district; lecturers are fictional, the teaching sites and their coordinates are real
(WGS-84, approximate to a few tens of metres)."""

LECTURERS = [
    {
        "key": "chen",
        "name": "陈明华",
        "title": "区委党校教授",
        "organisation": "中共广州市越秀区委党校",
        "specialties": "党史、中共三大、统一战线",
        "bio": "<p>长期从事中国共产党历史研究与教学，主讲“中共三大与国共合作”等课程。</p>",
    },
    {
        "key": "li",
        "name": "李晓红",
        "title": "区委宣传部讲师团讲师",
        "organisation": "越秀区委宣传部",
        "specialties": "理论宣讲、全会精神解读",
        "bio": "<p>区委宣讲团成员，擅长用群众语言解读党的创新理论。</p>",
    },
    {
        "key": "wang",
        "name": "王建国",
        "title": "街道党工委书记",
        "organisation": "北京街道党工委",
        "specialties": "基层治理、社区党建",
        "bio": "<p>从事基层党建工作二十年，总结“社区党建+网格治理”工作法。</p>",
    },
    {
        "key": "zhao",
        "name": "赵丽",
        "title": "纪念馆宣教部讲解员",
        "organisation": "中共三大会址纪念馆",
        "specialties": "红色文化、革命遗址讲解",
        "bio": "<p>金牌讲解员，讲述革命文物背后的故事。</p>",
    },
    {
        "key": "liu",
        "name": "刘志强",
        "title": "马克思主义学院副教授",
        "organisation": "广州某高校马克思主义学院",
        "specialties": "全面深化改革、新质生产力",
        "bio": "<p>研究方向为中国特色社会主义政治经济学。</p>",
    },
]

SITES = [
    {
        "slug": "third-congress-site",
        "title": "中共三大会址纪念馆",
        "address": "广州市越秀区恤孤院路3号",
        "latitude": 23.1287,
        "longitude": 113.2882,
        "opening_hours": "周二至周日 9:00–17:00（周一闭馆）",
        "history": "<p>1923年6月，中国共产党第三次全国代表大会在此召开，"
        "确定了共产党员以个人身份加入国民党、建立革命统一战线的方针。</p>",
    },
    {
        "slug": "guangzhou-uprising-cemetery",
        "title": "广州起义烈士陵园",
        "address": "广州市越秀区中山二路92号",
        "latitude": 23.1308,
        "longitude": 113.2936,
        "opening_hours": "每日 6:00–21:00",
        "history": "<p>为纪念1927年12月广州起义中英勇牺牲的烈士而建，1957年建成开放。</p>",
    },
    {
        "slug": "peasant-movement-institute",
        "title": "广州农民运动讲习所旧址",
        "address": "广州市越秀区中山四路42号",
        "latitude": 23.1282,
        "longitude": 113.2777,
        "opening_hours": "周二至周日 9:00–17:00",
        "history": "<p>1926年毛泽东在此主办第六届农民运动讲习所，培养农民运动骨干。</p>",
    },
    {
        "slug": "all-china-federation-of-trade-unions-site",
        "title": "中华全国总工会旧址",
        "address": "广州市越秀区越华路112号",
        "latitude": 23.1307,
        "longitude": 113.2637,
        "opening_hours": "周二至周日 9:00–17:00",
        "history": "<p>1925年中华全国总工会在广州成立，领导了震惊中外的省港大罢工。</p>",
    },
]

# (slug, title, lecturer key, summary, tags, video tone Hz)
LESSONS = [
    (
        "third-congress-united-front",
        "中共三大与第一次国共合作",
        "chen",
        "回顾1923年中共三大在广州召开的历史背景，理解建立革命统一战线的重大决策。",
        ["党史", "中共三大"],
        330,
    ),
    (
        "guangzhou-uprising",
        "广州起义的历史意义",
        "zhao",
        "1927年广州起义是党独立领导武装斗争、创建人民军队的英勇尝试。",
        ["党史", "红色广州"],
        350,
    ),
    (
        "peasant-movement-institute",
        "毛泽东与农民运动讲习所",
        "chen",
        "从农讲所看党对农民问题的认识，以及培养革命骨干的办学经验。",
        ["党史", "农民运动"],
        370,
    ),
    (
        "canton-hong-kong-strike",
        "省港大罢工始末",
        "zhao",
        "1925年至1926年的省港大罢工，是中国工人运动史上规模最大、时间最长的罢工。",
        ["党史", "工人运动"],
        390,
    ),
    (
        "yang-paoan-pioneer",
        "杨匏安：华南传播马克思主义的先驱",
        "chen",
        "讲述杨匏安在华南最早系统介绍马克思主义的事迹和他坚守信仰的一生。",
        ["党史", "红色人物"],
        410,
    ),
    (
        "red-family-letters",
        "红色家书里的初心",
        "zhao",
        "通过革命先烈的家书，感悟共产党人的理想信念和家国情怀。",
        ["党史", "理想信念"],
        430,
    ),
    (
        "third-plenum-key-points",
        "二十届三中全会精神要点解读",
        "li",
        "系统解读党的二十届三中全会审议通过的决定的主要内容和精神实质。",
        ["三中全会", "全会精神"],
        450,
    ),
    (
        "deepening-reform-goal",
        "进一步全面深化改革的总目标",
        "liu",
        "理解继续完善和发展中国特色社会主义制度、推进国家治理体系和治理能力现代化的总目标。",
        ["三中全会", "全面深化改革"],
        470,
    ),
    (
        "reform-implementation",
        "以钉钉子精神抓好改革落实",
        "li",
        "结合基层实际，谈如何把改革任务一项一项落到实处。",
        ["三中全会", "改革落实"],
        490,
    ),
    (
        "grassroots-party-reform",
        "基层党组织如何推动改革落地",
        "wang",
        "以社区党组织为例，讲解党建引领基层治理、推动改革举措落地见效的方法。",
        ["基层治理", "社区党建"],
        510,
    ),
    (
        "new-quality-productive-forces",
        "因地制宜发展新质生产力",
        "liu",
        "新质生产力的内涵、特征，以及区域经济如何因地制宜推动高质量发展。",
        ["三中全会", "新质生产力"],
        530,
    ),
    (
        "whole-process-democracy",
        "健全全过程人民民主制度体系",
        "wang",
        "从社区议事会到人大代表联络站，看全过程人民民主在基层的生动实践。",
        ["三中全会", "全过程人民民主"],
        550,
    ),
]

# (slug, title, category, summary, lecturers, lessons [slug, compulsory], credit hours,
#  tags)
COURSES = [
    (
        "party-history-compulsory",
        "党史学习教育必修课",
        "compulsory",
        "围绕党在广州的早期革命实践，学习党的百年奋斗重大成就和历史经验。",
        ["chen", "zhao"],
        [
            ("third-congress-united-front", True),
            ("guangzhou-uprising", True),
            ("peasant-movement-institute", True),
            ("canton-hong-kong-strike", False),
        ],
        None,
        ["党史", "必修"],
    ),
    (
        "red-guangzhou-stories",
        "红色广州故事",
        "elective",
        "走进越秀红色地标，讲述革命先辈的故事。",
        ["zhao", "chen"],
        [
            ("yang-paoan-pioneer", True),
            ("red-family-letters", True),
            ("guangzhou-uprising", False),
        ],
        "1.00",
        ["党史", "红色文化"],
    ),
    (
        "third-plenum-interpretation",
        "二十届三中全会精神解读",
        "compulsory",
        "原原本本学、联系实际学，全面准确领会全会精神。",
        ["li", "liu"],
        [
            ("third-plenum-key-points", True),
            ("deepening-reform-goal", True),
            ("reform-implementation", True),
        ],
        None,
        ["三中全会", "必修"],
    ),
    (
        "reform-and-grassroots-governance",
        "改革实践与基层治理",
        "elective",
        "把全会精神转化为推动基层治理和高质量发展的具体举措。",
        ["wang", "liu"],
        [
            ("grassroots-party-reform", True),
            ("new-quality-productive-forces", True),
            ("whole-process-democracy", True),
        ],
        None,
        ["三中全会", "基层治理"],
    ),
]

# (slug, title, intro, start, end, [(course slug, required)])
TOPICS = [
    (
        "party-history-education",
        "党史学习教育",
        "<p>学史明理、学史增信、学史崇德、学史力行。依托越秀丰富的红色资源，"
        "把党史学习教育引向深入。</p>",
        "2026-03-01",
        "2026-12-31",
        [("party-history-compulsory", True), ("red-guangzhou-stories", False)],
    ),
    (
        "third-plenum-spirit",
        "学习贯彻党的二十届三中全会精神",
        "<p>深入学习贯彻党的二十届三中全会精神，以钉钉子精神抓好改革落实。</p>",
        "2026-01-01",
        "2026-12-31",
        [
            ("third-plenum-interpretation", True),
            ("reform-and-grassroots-governance", False),
        ],
    ),
]

VR_COURSEWARE = [
    {
        "slug": "vr-third-congress",
        "title": "VR 重走中共三大会址",
        "kind": "video360",
        "summary": "360° 全景漫游中共三大会址，沉浸式了解大会召开经过。",
        "device_requirements": "VR 一体机，或支持陀螺仪的智能手机",
        "duration": 3,
        "site": "third-congress-site",
        "completion_rule": "watched",
        "tone": 600,
    },
    {
        "slug": "vr-guangzhou-uprising",
        "title": "广州起义 VR 情景体验",
        "kind": "station",
        "summary": "在起义烈士陵园 VR 体验站，身临其境感受广州起义的壮烈场景。",
        "device_requirements": "现场 VR 体验站（预约使用）",
        "duration": 600,
        "site": "guangzhou-uprising-cemetery",
        "completion_rule": "attended",
        "tone": None,
    },
]

RED_ROUTE = {
    "name": "越秀红色足迹精品线路",
    "description": "串联越秀区主要革命遗址的半日现场教学线路。",
    "stops": [
        ("peasant-movement-institute", "了解党领导农民运动的历史"),
        ("all-china-federation-of-trade-unions-site", "重温省港大罢工"),
        ("third-congress-site", "学习中共三大历史"),
        ("guangzhou-uprising-cemetery", "缅怀革命先烈"),
    ],
}

SUBMISSION = {
    "slug": "community-party-building-practice",
    "title": "社区党建新实践（讲师投稿）",
    "summary": "讲师投稿：分享社区党组织服务群众的新做法，待编辑审核。",
    "lecturer": "chen",
}

DEMO_PASSWORD = "dangke-demo"  # noqa: S105 - documented demo login

# (username, name, groups, is_superuser, what they do)
DEMO_USERS = [
    ("admin", "系统管理员", [], True, "superuser: everything"),
    (
        "editor",
        "组织部编辑",
        ["编辑"],
        False,
        "edits and publishes, reviews submissions",
    ),
    (
        "lecturer",
        "陈明华",
        ["讲师"],
        False,
        "uploads videos, submits lessons for review",
    ),
    ("member", "党员张三", ["党员"], False, "learns through the portal and the API"),
]
