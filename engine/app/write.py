"""Writing outputs safely: one file atomically, or the files of one assessment as a set.

``atomic_write`` writes one file under a temporary name in the same folder and renames it
into place, so a reader sees the old file or the new, never half.

``write_set`` writes every output of one assessment (``result.json``, the reports) into a
hidden sibling folder, then swaps that folder with the old one in one step (Linux's
``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, a window of microseconds). An
interrupted run (``kill -9``, a full disk) leaves the previous set or the new one, never a
mix, and nothing temporary inside the output folder; the hidden sibling a killed run leaves
behind is removed by the next run that writes there. A failure says plainly what happened
and that the earlier outputs are unchanged.

Everything is created with the user's umask (like any other program's files), and nothing
wellled did not write is ever removed: a folder holding other files is refused.

>>> write_set(Path("wellled-out/northfield"), {"result.json": "{}\\n"})  # doctest: +SKIP
[PosixPath('wellled-out/northfield/result.json')]
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections import deque
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from engine.errors import OutputError, UsageError
from engine.words import printable

# The names wellled writes into an output folder. An output folder holding anything else is
# not replaced (the other files would be lost); add a name here when a new output is added.
OUTPUT_NAMES = frozenset({"result.json", "report.html", "report.md", "report.pdf",
                          "report.xlsx", "failed.txt"})
# Hidden siblings of an output folder while its new set is written (and the old set after the
# swap, until it is removed): ``.<name>.wellled-<pid>-<random>.new`` or ``.old``.
_STAGING = re.compile(r"\.(?P<name>.+)\.wellled-(?P<pid>\d+)-[0-9a-f]+\.(?:new|old)")


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(err: OSError) -> str:
    """An operating-system error in words: "no space left on device"."""
    return (err.strerror or str(err)).lower()


def atomic_write(path: Path, text: str | bytes | Iterable[str]) -> None:
    """Write ``text`` (bytes, text or its pieces, in order) to ``path`` so that a reader sees
    the old file or the new, never half. Pieces are written as they come: a large page
    rendered piece by piece is never held in memory whole.

    Raises ``UsageError`` when ``path`` names something that is not a file (a folder,
    ``/dev/null``) and ``OutputError`` when it cannot be written (the old file is kept).
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    shown = printable(str(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise OutputError(f"could not write {shown}: {_reason(err)}; nothing was written"
                          ) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UsageError(f"{shown} is {kind}; give the name of a file to write")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, (info.st_mode & 0o7777) if info else 0o666 & ~umask())
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as raw:
                raw.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                if isinstance(text, str):
                    handle.write(text)
                else:
                    handle.writelines(text)
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        kept = "the earlier file is unchanged" if info else "nothing was written"
        raise OutputError(f"could not write {shown}: {_reason(err)}; {kept}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- a set of files


def check_output_folder(folder: Path) -> Path:
    """The folder a set will be written to, after refusing what must not be replaced: a file
    or device in its place, or a folder holding anything wellled did not write. A link to a
    folder is followed (the user named it)."""
    folder = Path(folder)
    if folder.is_symlink():
        folder = folder.resolve()
    shown = printable(str(folder))
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return folder
    except OSError as err:
        raise OutputError(f"could not write the outputs to {shown}: {_reason(err)}; nothing "
                          "was written") from None
    if not stat.S_ISDIR(info.st_mode):
        kind = "a file" if stat.S_ISREG(info.st_mode) else "not a folder"
        raise UsageError(f"{shown} is {kind}; give a folder for the outputs (-o)")
    try:
        foreign = sorted(entry.name for entry in os.scandir(folder)
                         if entry.name not in OUTPUT_NAMES
                         or not entry.is_file(follow_symlinks=False))
    except OSError as err:
        raise OutputError(f"could not write the outputs to {shown}: {_reason(err)}; nothing "
                          "was written") from None
    if foreign:
        named = ", ".join(printable(name) for name in foreign[:3])
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise UsageError(f"{shown} holds files wellled did not write ({named}{more}); the "
                         "outputs replace the whole folder, so give a new or empty folder (-o)")
    return folder


def write_set(folder: Path, files: Mapping[str, str | bytes | Iterable[str]], *,
              tidy: bool = True) -> list[Path]:
    """Write ``files`` (name -> bytes, text or pieces) as the whole content of ``folder``, replacing
    the previous set in one step. Returns the paths written, in the order given.

    ``tidy=False`` skips looking for a killed run's leftovers beside ``folder`` (a scan of
    the whole parent folder): batch removes them once for all its bundles before it starts.
    """
    folder = check_output_folder(folder)
    parent, shown = folder.parent, printable(str(folder))
    staging: Path | None = None
    existed = folder.is_dir()
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if tidy:
            clear_leftovers(parent, folder.name)
        token = f".{folder.name}.wellled-{os.getpid()}-{secrets.token_hex(4)}"
        staging = parent / f"{token}.new"
        staging.mkdir()
        if existed:
            os.chmod(staging, stat.S_IMODE(os.stat(folder).st_mode))
        for name, text in files.items():
            _write_new(staging / name, text)
        if not existed:
            os.rename(staging, folder)
            staging = None
        elif _exchange(staging, folder):
            pass                           # staging now holds the old set
        else:
            old = parent / f"{token}.old"
            os.rename(folder, old)
            try:
                os.rename(staging, folder)
            except OSError:
                os.rename(old, folder)
                raise
            staging = old
    except OSError as err:
        kept = ("the earlier outputs there are unchanged" if existed
                else "nothing was written")
        raise OutputError(f"could not write the outputs to {shown}: {_reason(err)}; "
                          f"{kept}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in files]


def _write_new(path: Path, text: str | bytes | Iterable[str]) -> None:
    if isinstance(text, bytes):
        with open(path, "xb") as raw:                                  # mode 0666 & ~umask
            raw.write(text)
        return
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        if isinstance(text, str):
            handle.write(text)
        else:
            handle.writelines(text)


def clear_leftovers(parent: Path, name: str | None = None) -> None:
    """Remove the hidden staging folders of ``parent/name`` (of any folder in ``parent``
    when ``name`` is None) that a killed run left behind (those whose process is gone)."""
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        match = _STAGING.fullmatch(entry.name)
        if (match is None or name is not None and match["name"] != name
                or _alive(int(match["pid"]))):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@lru_cache(maxsize=1)
def _renameat2():
    """libc's ``renameat2``, or None where there is none (not Linux, an old libc)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the system cannot (the caller renames)."""
    function = _renameat2()
    if function is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if function(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


class CacheRelease:
    """Lets a long run's outputs leave the system's file cache once they are on disk.

    A batch writes some 760 kB of reports per bundle, and nothing reads them while it runs.
    ``written(paths)`` asks the system to start writing those files to disk now; the files
    written ``lag`` calls earlier, on disk by then, are dropped from the file cache, so the
    memory they held is used again for the next files (``posix_fadvise``, as rsync's and
    dd's "nocache" options do). A batch of thousands of bundles then does not fill memory
    with its reports, and on a virtual machine, where memory the system has not used lately
    costs a page fault to the host on first use, a bundle's writing costs about 1 ms of
    system time instead of 5 to 6 (docs/performance.md). Only a hint: where the system has
    no ``posix_fadvise``, or a call fails, nothing changes and the files are written as
    usual.
    """

    def __init__(self, lag: int = 8):
        self._lag = lag
        self._pending: deque[list[Path]] = deque()

    def written(self, paths: Iterable[Path]) -> None:
        paths = list(paths)
        for path in paths:
            _advise_dontneed(path)           # dirty pages: the system starts writing them
        self._pending.append(paths)
        if len(self._pending) > self._lag:
            for path in self._pending.popleft():
                _advise_dontneed(path)       # on disk by now: their pages are freed


def _advise_dontneed(path: Path) -> None:
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return                               # moved or removed since: nothing to release
    try:
        advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass
    finally:
        os.close(fd)
