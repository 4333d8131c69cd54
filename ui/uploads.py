"""Checking uploaded files and unpacking .zip archives safely (no gradio import).

A browser upload is untrusted: names may climb out of the target folder (``../``, absolute paths,
drive letters), archives may be bombs, and anything may be mislabelled. We only ever write inside a
fresh temporary folder, only files with a supported suffix, and stop at size and count limits.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REPORT_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
UPLOAD_SUFFIXES: tuple[str, ...] = (*REPORT_SUFFIXES, ".zip")
MAX_ZIP_MEMBERS = 2000
ZIP_EXPANSION_FACTOR = 20  # uncompressed total may be at most this × the upload limit


@dataclass
class PreparedUpload:
    """Files ready for ``service.ingest`` plus what was refused, in Chinese."""

    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    temp_dirs: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        for d in self.temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.temp_dirs.clear()


def display_name(path: str | Path) -> str:
    return Path(str(path)).name


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The member's relative path if it stays inside the target folder, else None."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(cleaned).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def _member_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; zipfile decodes them as
    # cp437, which turns 潼南区 into mojibake. Re-decode when the flag is absent.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def extract_zip(archive: Path, max_member_bytes: int, max_total_bytes: int) -> tuple[Path, list[Path], list[str]]:
    """Unpack the supported files of ``archive`` into a new temp folder.

    Returns (folder, files, problems). Raises ``ValueError`` with a Chinese message when the file is
    not a zip at all.
    """
    problems: list[str] = []
    files: list[Path] = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{display_name(archive)}：不是有效的 .zip 压缩包（{exc}）") from exc
    target = Path(tempfile.mkdtemp(prefix="reportqa-zip-"))
    total = 0
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            problems.append(f"{display_name(archive)}：压缩包内文件过多（{len(members)} 个），只处理前 {MAX_ZIP_MEMBERS} 个。")
            members = members[:MAX_ZIP_MEMBERS]
        for info in members:
            if info.is_dir():
                continue
            name = _member_name(info)
            rel = _safe_member_path(name)
            if rel is None:
                problems.append(f"{name}：路径不安全（含 .. 或绝对路径），已跳过。")
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                problems.append(f"{name}：是符号链接，已跳过。")
                continue
            if any(part.startswith("__MACOSX") for part in rel.parts) or rel.name.startswith("._"):
                continue
            if rel.suffix.lower() not in REPORT_SUFFIXES:
                problems.append(f"{name}：不支持的文件类型，已跳过。")
                continue
            if info.file_size > max_member_bytes:
                problems.append(f"{name}：文件过大（{info.file_size / 1e6:.1f} MB），已跳过。")
                continue
            if total + info.file_size > max_total_bytes:
                problems.append(f"{display_name(archive)}：解压后总大小超过限制，其余文件已跳过。")
                break
            dest = target.joinpath(*rel.parts)
            if not dest.resolve().is_relative_to(target.resolve()):
                problems.append(f"{name}：路径不安全，已跳过。")
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as src, open(dest, "wb") as out:
                    # Trust bytes actually read, not the header's declared size (bombs lie).
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > max_member_bytes or total + written > max_total_bytes:
                            raise ValueError("too large")
                        out.write(chunk)
            except ValueError:
                dest.unlink(missing_ok=True)
                problems.append(f"{name}：解压后超过大小限制，已跳过。")
                continue
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                dest.unlink(missing_ok=True)
                problems.append(f"{name}：无法解压（{exc}），已跳过。")
                continue
            total += written
            files.append(dest)
    return target, sorted(files), problems


def prepare_uploads(paths: list[str | Path], max_upload_mb: float) -> PreparedUpload:
    """Check sizes and types of uploaded files and unpack zips; never raises for one bad file."""
    limit = int(max_upload_mb * 1024 * 1024)
    out = PreparedUpload()
    for raw in paths:
        path = Path(str(raw))
        name = display_name(path)
        suffix = path.suffix.lower()
        if not path.is_file():
            out.problems.append(f"{name}：文件不存在或已过期，请重新上传。")
            continue
        if suffix not in UPLOAD_SUFFIXES:
            out.problems.append(f"{name}：不支持的文件类型（支持 {' '.join(UPLOAD_SUFFIXES)}）。")
            continue
        size = path.stat().st_size
        if size > limit:
            out.problems.append(f"{name}：文件过大（{size / 1024 / 1024:.1f} MB，上限 {max_upload_mb:g} MB）。")
            continue
        if suffix == ".zip":
            try:
                folder, files, problems = extract_zip(path, limit, limit * ZIP_EXPANSION_FACTOR)
            except ValueError as exc:
                out.problems.append(str(exc))
                continue
            out.temp_dirs.append(folder)
            out.files.extend(files)
            out.problems.extend(problems)
            if not files:
                out.problems.append(f"{name}：压缩包中没有可导入的报告文件。")
            continue
        out.files.append(path)
    return out


def stage_files(files: list[Path], root: Path) -> list[Path]:
    """Copy files to content-addressed paths (``<root>/<sha256[:16]>/<name>``).

    The index recognises an unchanged file by its path and hash; browser uploads and unpacked zips
    land in a new random folder each time, so without this the same report uploaded twice would be
    indexed twice. Written atomically, never modified afterwards, safe for concurrent sessions.
    """
    base = root
    out: list[Path] = []
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        dest = base / digest / path.name
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as out_file, open(path, "rb") as src:
                shutil.copyfileobj(src, out_file)
            os.replace(tmp, dest)
        out.append(dest)
    return out
