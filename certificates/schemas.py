"""Request and response schemas of the certificates API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class CertificateOut(Schema):
    id: int
    number: str = Field(description="证书编号")
    class_title: str = Field(description="培训班")
    issuer_name: str = Field(description="发证单位")
    starts_on: date
    ends_on: date
    hours: str = Field(description="学时")
    issued_at: datetime
    revoked_at: datetime | None = Field(description="撤销时间（未撤销为 null）")
    verify_url: str = Field(description="公开验证页（证书上的二维码）")
    file_url: str = Field(description="下载证书 PDF（仅本人）")


class VerifyOut(Schema):
    """All a verify answer says: no full name, no member id, nothing else."""

    valid: bool = Field(description="true 有效，false 已撤销")
    status: str = Field(description="有效 / 已撤销")
    name: str = Field(description="姓名（打码，如 张*明）")
    class_title: str
    starts_on: date
    ends_on: date
    issuer_name: str
    issued_on: date
    revoked_on: date | None


class RevokeIn(Schema):
    reason: str = Field(max_length=500, description="撤销原因（记入审计日志，不公开）")


class RevokedOut(Schema):
    id: int
    number: str
    revoked_at: datetime


class BatchOut(Schema):
    id: int
    training_class: int
    status: str = Field(
        description="pending 排队中、running 发证中、done 已完成、failed 未完成"
    )
    status_label: str
    progress: int = Field(description="进度（%）")
    total: int = Field(description="结业人数")
    issued_count: int = Field(description="本次发证")
    existing_count: int = Field(description="此前已发")
    detail: str
