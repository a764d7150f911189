"""Request and response schemas of the broadcasts API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class LectureIn(Schema):
    title: str = Field(max_length=200, description="标题")
    organisation: str = Field(description="面向的党组织代码（含其全部下级组织）")
    member_types: list[str] = Field(
        default_factory=list, description="面向的党员类别；空表示全体党员"
    )
    starts_at: datetime
    expected_minutes: int = Field(default=60, description="预计时长（分钟，5–600）")
    attendance_percent: int = Field(
        default=60, description="出席门槛：在线时长占直播时长的百分比（1–100）"
    )
    lecturer: int | None = Field(default=None, description="主讲人（师资库 id）")
    meeting: int | None = Field(
        default=None, description="这场直播代表的组织生活会议 id（出席计入会议）"
    )
    description: str = Field(default="", max_length=5000, description="简介")


class StreamOut(Schema):
    rtmp_url: str = Field(description="OBS 的服务器地址")
    stream_key: str = Field(description="OBS 的串流密钥")
    issued_at: datetime
    revoked_at: datetime | None
    window_opens: datetime
    window_closes: datetime


class LectureOut(Schema):
    id: int
    title: str
    description: str
    lecturer: str | None
    organisation: str
    member_types: list[str]
    starts_at: datetime
    expected_minutes: int
    status: str
    went_live_at: datetime | None
    ended_at: datetime | None
    attendance_percent: int
    meeting: int | None
    playlist_url: str | None = Field(description="直播中：签名的 HLS 播放列表地址")
    replay_url: str | None = Field(description="结束后：回放（微党课）页面地址")
    portal_url: str
    stream: StreamOut | None = Field(
        default=None, description="推流信息（仅管理者可见）"
    )


class LectureListOut(Schema):
    items: list[LectureOut]


class HeartbeatIn(Schema):
    seconds: float = Field(description="上次心跳以来在看直播的秒数（0–120）")


class HeartbeatOut(Schema):
    credited_seconds: int
    seconds_present: int
    needed_seconds: int = Field(description="按预计时长计，获得出席所需的在线秒数")
    status: str


class PresenceLineOut(Schema):
    member_id: int
    name: str
    organisation: str
    place: str
    seconds_present: int
    first_seen: datetime | None
    last_seen: datetime | None
    attended: bool
    late: bool
    left_early: bool


class AbsentOut(Schema):
    member_id: int
    name: str
    organisation: str


class PresenceReportOut(Schema):
    live_seconds: int
    needed_seconds: int
    audience: int
    present: int
    attended: int
    late: int
    left_early: int
    lines: list[PresenceLineOut]
    absent: list[AbsentOut]
