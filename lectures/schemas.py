"""Request and response schemas of the lectures API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class MenuLectureIn(Schema):
    title: str = Field(max_length=120, description="题目")
    summary: str = Field(default="", max_length=5000, description="内容简介")
    minutes: int = Field(ge=1, le=10000, description="时长（分钟，15 到 480）")
    mode: str = Field(description="onsite 现场、online 线上或 both 均可")
    audiences: list[str] = Field(
        default_factory=list,
        description="适合对象（党员类别：regular、mobile、retired、secretary）；空为全体",
    )
    topics: list[int] = Field(default_factory=list, description="专题页面 id")
    tags: str = Field(default="", max_length=200, description="关键词，顿号分隔")
    areas: list[str] = Field(
        default_factory=list, description="可前往地区（党组织代码，含下级）；空为不限"
    )
    direct: bool = Field(default=False, description="讲师直接接单（否：组织部门派单）")


class MenuLectureOut(Schema):
    id: int
    title: str
    summary: str
    minutes: int
    mode: str
    mode_label: str
    audiences: list[str]
    topics: list[int]
    tags: str
    areas: list[str]
    direct: bool
    lecturer: str
    lecturer_title: str
    status: str
    status_label: str
    review_comment: str
    published_at: datetime | None


class MenuLectureListOut(Schema):
    items: list[MenuLectureOut]


class MenuReviewIn(Schema):
    publish: bool = Field(description="true 发布；false 退回（须填写 comment）")
    comment: str = Field(default="", max_length=300)


class LectureOrderIn(Schema):
    lecture: int = Field(ge=1, le=2**31 - 1, description="菜单课程 id")
    organisation: str = Field(max_length=40, description="点单党组织代码")
    slots: list[datetime] = Field(description="2 到 3 个备选开始时间")
    audience_size: int = Field(ge=0, le=2**31 - 1, description="预计人数")
    audiences: list[str] = Field(
        default_factory=list, description="听课对象（党员类别）；空为全体党员"
    )
    online: bool = False
    address: str = Field(default="", max_length=200, description="现场讲授的地址")
    online_url: str = Field(default="", max_length=200, description="https 会议链接")
    note: str = Field(default="", max_length=300)


class LectureOrderOut(Schema):
    id: int
    lecture: int
    lecture_title: str
    lecturer: str
    organisation: str
    organisation_name: str
    slots: list[datetime]
    audience_size: int
    audiences: list[str]
    online: bool
    address: str
    online_url: str
    note: str
    status: str
    status_label: str
    created_at: datetime
    dispatched_at: datetime | None
    decided_at: datetime | None
    decline_reason: str
    starts_at: datetime | None
    ends_at: datetime | None
    meeting: int | None
    may_dispatch: bool
    may_decide: bool
    may_rate: bool


class LectureOrderListOut(Schema):
    items: list[LectureOrderOut]


class LectureAcceptIn(Schema):
    slot: int = Field(ge=0, le=2, description="选定的备选时间（0 起）")


class LectureDeclineIn(Schema):
    reason: str = Field(max_length=200, description="谢绝理由")


class LectureRatingIn(Schema):
    score: int = Field(ge=1, le=5, description="1 到 5")
    comment: str = Field(default="", max_length=300)


class LectureRatingOut(Schema):
    score: int
    comment: str
    created_at: datetime


class LectureRatingSummaryOut(Schema):
    count: int
    minimum: int = Field(description="显示平均分所需的最少评价数")
    average: float | None = Field(description="不足最少评价数时为 null")
    comments: list[str]


class CalendarFeedOut(Schema):
    url: str = Field(description="个人 iCalendar 订阅地址（保密；可重置）")
