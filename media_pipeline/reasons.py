"""Failure reasons a person can read, without server details.

An asset's ``error`` is shown to its uploader and to editors: it names the problem
in words ("the file is not a video ffprobe can read: invalid data found"), never a
server path, a storage key, a memory address or a dump of ffmpeg's stderr. The full
detail goes to the log where the failure is met.
"""

from __future__ import annotations

import re

# What ffmpeg/ffprobe say, and the words an uploader is told (Chinese, then English).
KNOWN_PROBLEMS: list[tuple[str, str]] = [
    (
        "moov atom not found",
        "MP4/MOV 文件不完整：缺少索引 (moov)，上传可能未完成 (moov atom not found)",
    ),
    ("no 'data' tag found", "WAV 文件中没有音频数据 (no audio data in the WAV file)"),
    (
        "Invalid data found when processing input",
        "数据无效 (invalid data found)",
    ),
    ("Input/output error", "文件提前结束 (the file ends early)"),
    ("End of file", "文件提前结束 (the file ends early)"),
    ("could not find codec parameters", "无法识别编码参数 (unknown codec parameters)"),
    ("Invalid argument", "数据无效 (invalid data)"),
    ("No space left on device", "服务器磁盘空间不足 (no space left on the server)"),
    ("Permission denied", "服务器无权读写文件 (permission denied on the server)"),
    ("Cannot allocate memory", "服务器内存不足 (out of memory)"),
]
MAX_REASON = 200

# ``[mov,mp4 @ 0x55d0c3a]`` prefixes, ``file:/srv/...`` URLs and absolute paths
# (quoted or not, with a following ``: ``), URLs, storage keys, addresses.
_LOG_PREFIX = re.compile(r"^\s*\[[^\]]*@\s*0x[0-9a-fA-F]+\]\s*")
_PATH = re.compile(r"""(?<![\w.])['"]?(?:file:)?(?:/[^\s'":,]+)+['"]?:?\s*""")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_KEY = re.compile(r"\b(?:originals|media|assets|uploads)/\S*")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
_HEX_ID = re.compile(r"\b[0-9a-fA-F]{32}\b")


def scrub(text: str) -> str:
    """``text`` without server paths, URLs, storage keys, addresses or hex ids,
    on one line of at most ``MAX_REASON`` characters."""
    for pattern in (_URL, _PATH, _KEY, _ADDRESS, _HEX_ID):
        text = pattern.sub("", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def ffmpeg_problem(stderr: str) -> str:
    """The problem ffmpeg/ffprobe reported in ``stderr``, in words: a known message
    translated, else its last meaningful line scrubbed of server details."""
    lines = [_LOG_PREFIX.sub("", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and "Last message repeated" not in line]
    for message, words in KNOWN_PROBLEMS:
        if any(message.lower() in line.lower() for line in lines):
            return words
    for line in reversed(lines):
        cleaned = scrub(line).strip(" :")
        if cleaned:
            return cleaned
    return "未知错误 (unknown error)"


def failure_reason(exc: BaseException) -> str:
    """A reason for an asset's ``error`` from an exception met while processing: an
    ``OSError`` by its kind (never its file name), anything else scrubbed."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"服务器读写文件失败：{ffmpeg_problem(exc.strerror)} (storage error)"
    return scrub(str(exc)) or exc.__class__.__name__
