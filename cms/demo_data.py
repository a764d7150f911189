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

# (slug, title, lecturer key, summary, tags)
LESSONS = [
    (
        "third-congress-united-front",
        "中共三大与第一次国共合作",
        "chen",
        "回顾1923年中共三大在广州召开的历史背景，理解建立革命统一战线的重大决策。",
        ["党史", "中共三大"],
    ),
    (
        "guangzhou-uprising",
        "广州起义的历史意义",
        "zhao",
        "1927年广州起义是党独立领导武装斗争、创建人民军队的英勇尝试。",
        ["党史", "红色广州"],
    ),
    (
        "peasant-movement-institute",
        "毛泽东与农民运动讲习所",
        "chen",
        "从农讲所看党对农民问题的认识，以及培养革命骨干的办学经验。",
        ["党史", "农民运动"],
    ),
    (
        "canton-hong-kong-strike",
        "省港大罢工始末",
        "zhao",
        "1925年至1926年的省港大罢工，是中国工人运动史上规模最大、时间最长的罢工。",
        ["党史", "工人运动"],
    ),
    (
        "yang-paoan-pioneer",
        "杨匏安：华南传播马克思主义的先驱",
        "chen",
        "讲述杨匏安在华南最早系统介绍马克思主义的事迹和他坚守信仰的一生。",
        ["党史", "红色人物"],
    ),
    (
        "red-family-letters",
        "红色家书里的初心",
        "zhao",
        "通过革命先烈的家书，感悟共产党人的理想信念和家国情怀。",
        ["党史", "理想信念"],
    ),
    (
        "third-plenum-key-points",
        "二十届三中全会精神要点解读",
        "li",
        "系统解读党的二十届三中全会审议通过的决定的主要内容和精神实质。",
        ["三中全会", "全会精神"],
    ),
    (
        "deepening-reform-goal",
        "进一步全面深化改革的总目标",
        "liu",
        "理解继续完善和发展中国特色社会主义制度、推进国家治理体系和治理能力现代化的总目标。",
        ["三中全会", "全面深化改革"],
    ),
    (
        "reform-implementation",
        "以钉钉子精神抓好改革落实",
        "li",
        "结合基层实际，谈如何把改革任务一项一项落到实处。",
        ["三中全会", "改革落实"],
    ),
    (
        "grassroots-party-reform",
        "基层党组织如何推动改革落地",
        "wang",
        "以社区党组织为例，讲解党建引领基层治理、推动改革举措落地见效的方法。",
        ["基层治理", "社区党建"],
    ),
    (
        "new-quality-productive-forces",
        "因地制宜发展新质生产力",
        "liu",
        "新质生产力的内涵、特征，以及区域经济如何因地制宜推动高质量发展。",
        ["三中全会", "新质生产力"],
    ),
    (
        "whole-process-democracy",
        "健全全过程人民民主制度体系",
        "wang",
        "从社区议事会到人大代表联络站，看全过程人民民主在基层的生动实践。",
        ["三中全会", "全过程人民民主"],
    ),
]

# What each lesson's lecturer says after the summary: one slide a paragraph, one
# subtitle cue a sentence (cms.demo_media draws and voices them).
LESSON_SCRIPTS = {
    "third-congress-united-front": [
        "1923年6月，中国共产党第三次全国代表大会在广州东山恤孤院后街召开。"
        "出席大会的代表近四十人，代表着全国四百二十名党员。",
        "大会的中心议题是同国民党建立革命统一战线。"
        "大会决定共产党员以个人身份加入国民党，同时保持党在政治上、思想上和组织上的独立性。",
        "中共三大推动了第一次国共合作的实现，为大革命高潮的到来作了准备。",
        "学习这段历史，就是要懂得统一战线是党克敌制胜的重要法宝，"
        "要团结一切可以团结的力量。",
    ],
    "guangzhou-uprising": [
        "1927年12月11日，张太雷、叶挺、叶剑英等领导广州起义。"
        "起义部队一度占领广州市区大部分地区，成立了广州苏维埃政府。",
        "由于敌我力量悬殊，起义在反动军队的反扑下失败，张太雷等许多革命者英勇牺牲。",
        "广州起义同南昌起义、秋收起义一起，是党独立领导武装斗争、创建人民军队的伟大开端。",
        "广州起义烈士陵园里长眠着英勇的先烈。我们要传承红色基因，坚定理想信念。",
    ],
    "peasant-movement-institute": [
        "广州农民运动讲习所创办于1924年7月，是国共合作时期培养农民运动骨干的学校，"
        "先后举办了六届。",
        "1926年5月至9月，毛泽东主办第六届讲习所。"
        "学员来自全国二十个省区，共三百二十七人。",
        "讲习所把课堂学习和实际调查结合起来，组织学员到海丰等地考察农民运动。",
        "从农讲所的实践可以看到，党很早就认识到农民问题是中国革命的中心问题。",
    ],
    "canton-hong-kong-strike": [
        "1925年6月，为声援上海的五卅运动，香港和广州沙面的工人举行大罢工，"
        "这就是省港大罢工。",
        "罢工工人成立省港罢工委员会，苏兆征任委员长，组织纠察队封锁香港，"
        "罢工坚持了一年零四个月。",
        "省港大罢工有力地支援了广东革命政府，巩固了广东革命根据地。",
        "它显示了中国工人阶级的组织性和斗争精神，也说明了党领导工人运动的巨大力量。",
    ],
    "yang-paoan-pioneer": [
        "杨匏安是广东香山人，是华南地区最早系统传播马克思主义的先驱之一。",
        "1919年底，他在广州的报纸上连续发表《马克思主义》等文章，"
        "系统介绍马克思主义学说。",
        "他后来加入中国共产党。在国共合作时期，他为巩固革命统一战线做了大量工作。",
        "1931年，杨匏安在上海被捕。面对敌人的威逼利诱，他坚贞不屈，英勇就义，"
        "年仅三十五岁。",
    ],
    "red-family-letters": [
        "家书是写给亲人的信。红色家书记录了革命先烈面对生死考验时的真实心声。",
        "周文雍和陈铁军在广州从事革命活动。1928年，他们被捕后在刑场上举行婚礼，"
        "用生命诠释了对革命的忠贞。",
        "许多烈士在家书中嘱托亲人好好生活，教育子女继承遗志，字里行间饱含家国深情。",
        "重读红色家书，我们要感悟先烈的理想信念，把初心使命落实到本职工作之中。",
    ],
    "third-plenum-key-points": [
        "党的二十届三中全会于2024年7月在北京召开，审议通过了"
        "《中共中央关于进一步全面深化改革、推进中国式现代化的决定》。",
        "决定共分十五个部分，提出了三百多项重要改革举措。",
        "全会提出，到2029年中华人民共和国成立八十周年时，完成决定提出的改革任务。",
        "学习全会精神，要原原本本学、联系实际学，把思想和行动统一到全会精神上来。",
    ],
    "deepening-reform-goal": [
        "进一步全面深化改革的总目标，是继续完善和发展中国特色社会主义制度，"
        "推进国家治理体系和治理能力现代化。",
        "到2035年，全面建成高水平社会主义市场经济体制，中国特色社会主义制度更加完善，"
        "基本实现国家治理体系和治理能力现代化。",
        "实现总目标，要坚持党的全面领导，坚持以人民为中心，坚持守正创新。",
        "作为基层党员，要把总目标落实到每一项具体工作之中。",
    ],
    "reform-implementation": [
        "钉钉子精神，就是一锤接着一锤敲，直到把钉子钉实钉牢。",
        "抓改革落实，要明确任务书、时间表和责任人，一项一项推进，一件一件见效。",
        "基层是改革落实的最后一公里。要多到群众中去，听取意见，及时解决改革中遇到的新问题。",
        "改革的成效怎么样，最终要看群众是否得到了实惠、是否满意。",
    ],
    "grassroots-party-reform": [
        "社区党组织是党在城市基层的战斗堡垒，是推动改革举措落地的重要力量。",
        "很多社区把党支部建在网格上，党员就近编入网格，在服务群众中发挥先锋模范作用。",
        "遇到加装电梯、老旧小区改造等难题，社区党组织搭建议事平台，让居民一起商量着办。",
        "党建引领基层治理，关键是把党的组织优势转化为治理效能。",
    ],
    "new-quality-productive-forces": [
        "新质生产力是创新起主导作用，摆脱传统经济增长方式和生产力发展路径的先进生产力质态。",
        "它以劳动者、劳动资料、劳动对象及其优化组合的跃升为基本内涵，"
        "以全要素生产率大幅提升为核心标志。",
        "发展新质生产力要因地制宜，既培育新兴产业和未来产业，"
        "也用新技术改造提升传统产业。",
        "中心城区可以发挥科教、商贸和文化资源的优势，走出高质量发展的新路子。",
    ],
    "whole-process-democracy": [
        "全过程人民民主是社会主义民主政治的本质属性，是最广泛、最真实、最管用的民主。",
        "在社区，居民议事会让大家对身边的事共同商量、共同决定。",
        "人大代表联络站把代表和群众连在一起，群众的意见建议可以直接反映上去。",
        "健全全过程人民民主制度体系，就是要把人民当家作主体现到经济社会发展的各个方面。",
    ],
}

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
        "duration": 60,
        "site": "third-congress-site",
        "completion_rule": "watched",
        # the generated 360° room: what is written on its walls, and the narration
        "panorama": {
            "front": ["中国共产党", "第三次全国代表大会会址"],
            "right": ["1923年6月", "中共三大在此召开"],
            "back": ["建立革命", "统一战线"],
            "left": ["中共三大", "会址纪念馆"],
        },
        "narration": [
            "欢迎来到中共三大会址。",
            "拖动画面，或者转动手机，可以环视会场四周。",
            "1923年6月，中国共产党第三次全国代表大会在这里召开。",
            "大会确定了共产党员以个人身份加入国民党、建立革命统一战线的方针。",
            "请转过身来，看看墙上的标语，想一想统一战线为什么是党的重要法宝。",
        ],
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
