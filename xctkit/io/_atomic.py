"""Atomic, no-clobber writes: a temporary sibling renamed (or hard-linked) into place.

Raw scans must never be replaced by accident, so ``overwrite=False`` is enforced *at the moment the
result is put in place*, not only before writing: a file is hard-linked onto its target name
(``link`` fails if the name exists, atomically, on every POSIX file system), a folder is renamed onto a
freshly and exclusively created empty folder. A file another process creates while we write is
therefore never replaced. Temporary names are recognisable, ``.<name>.xctkit-tmp.<pid>-<random>.tmp``,
and carry the writer's process id: a writer killed before it could clean up (SIGKILL, power loss)
leaves its temporary behind, and the next write of the same target removes it once that process is
gone (:func:`stale_temporaries` lists them for a whole folder).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["atomic_path", "TMP_MARK", "stale_temporaries"]

TMP_MARK = ".xctkit-tmp."


def _remove(p: Path | None) -> None:
    if p is None or not (p.exists() or p.is_symlink()):
        return
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _writer_pid(tmp_name: str) -> int | None:
    """The process id recorded in a temporary's name, or None for names without one."""
    rest = tmp_name.split(TMP_MARK, 1)[-1]
    head = rest.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def stale_temporaries(folder, name: str | None = None) -> list[Path]:
    """Temporaries left in ``folder`` by writers that no longer run (killed before cleaning up).

    Parameters
    ----------
    folder : str or Path
    name : str, optional
        Only those of this target file name.

    Returns
    -------
    list of Path
        Sorted; temporaries of running writers and names without a process id are not listed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> stale_temporaries(d)
    []
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    pattern = f".{name}{TMP_MARK}*" if name is not None else f".*{TMP_MARK}*"
    out = []
    for p in folder.glob(pattern):
        pid = _writer_pid(p.name)
        if pid is not None and pid != os.getpid() and not _alive(pid):
            out.append(p)
    return sorted(out)


def _exists_error(path: Path) -> FileExistsError:
    return FileExistsError(
        f"`path` {str(path)!r} already exists; pass overwrite=True to replace it "
        "(raw data is never overwritten by default)"
    )


def _not_writable(path: Path, exc: OSError) -> PermissionError:
    return PermissionError(
        f"cannot write {str(path)!r}: the folder {str(path.parent)!r} is not writable "
        f"({exc.strerror or exc})"
    )


class atomic_path:
    """Context manager yielding a temporary sibling path that is put in place of ``path`` on success.

    The caller writes a file *or* a folder at the yielded path. On success it replaces ``path`` (when
    ``overwrite=True``) or is put in place only if ``path`` still does not exist (checked atomically at
    that moment, so a file created meanwhile is never replaced). On an exception the temporary (and any
    sibling the caller derived from it with ``with_suffix``) is removed and ``path`` is left untouched.

    Parameters
    ----------
    path : str or Path
        The target file or folder. Missing parent folders are created.
    overwrite : bool
        Replace an existing ``path``. False by default.

    Raises
    ------
    FileExistsError
        If ``path`` exists (on entry or when the result is put in place) and ``overwrite`` is False.
    PermissionError
        If the target folder is not writable; the message names ``path``, not the temporary.
    IsADirectoryError
        If a file would replace an existing folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n")
    >>> target.read_text()
    'a,b\\n1,2\\n'
    """

    def __init__(self, path, *, overwrite: bool = False):
        path = Path(path)
        if path.name in ("", ".", ".."):
            raise ValueError(f"`path` must name a file or folder, got {str(path)!r}")
        if (path.exists() or path.is_symlink()) and not overwrite:
            raise _exists_error(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except PermissionError as exc:
            raise _not_writable(path, exc) from exc
        self.path = path
        self.overwrite = bool(overwrite)
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        for stale in stale_temporaries(self.path.parent, self.path.name):
            _remove(stale)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}{TMP_MARK}{os.getpid()}-", suffix=".tmp",
                                       dir=self.path.parent)
        except PermissionError as exc:
            raise _not_writable(self.path, exc) from exc
        os.close(fd)
        os.unlink(tmp)  # the caller creates a file or a folder here
        self.tmp = Path(tmp)
        return self.tmp

    def _cleanup(self) -> None:
        _remove(self.tmp)
        stem = self.tmp.name[: -len(".tmp")]
        for sib in self.tmp.parent.glob(f"{stem}.*"):  # e.g. tmp.with_suffix(".keras")
            _remove(sib)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._cleanup()
            return False
        try:
            if not (self.tmp.exists() or self.tmp.is_symlink()):
                raise FileNotFoundError(f"nothing was written for {str(self.path)!r}")
            if self.tmp.is_dir():
                self._place_folder()
            else:
                self._place_file()
        except BaseException:
            self._cleanup()
            raise
        return False

    def _place_file(self) -> None:
        path, tmp = self.path, self.tmp
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(f"`path` {str(path)!r} is a folder; cannot replace it by a file")
        if self.overwrite:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # fails atomically if `path` exists, never replaces it
        except FileExistsError:
            raise _exists_error(path) from None
        except PermissionError as exc:
            raise _not_writable(path, exc) from exc
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            # no hard links on this file system: claim the name exclusively, then replace our own claim
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                raise _exists_error(path) from None
            os.replace(tmp, path)
            return
        os.unlink(tmp)

    def _place_folder(self) -> None:
        path, tmp = self.path, self.tmp
        if self.overwrite and (path.exists() or path.is_symlink()):
            if path.is_dir() and not path.is_symlink():
                trash = path.with_name(f".{path.name}{TMP_MARK}old")
                _remove(trash)
                os.replace(path, trash)
                os.replace(tmp, path)
                _remove(trash)
            else:
                path.unlink()
                os.replace(tmp, path)
            return
        try:
            os.mkdir(path)  # exclusive claim of the name; rename may then replace only this empty folder
        except FileExistsError:
            raise _exists_error(path) from None
        except PermissionError as exc:
            raise _not_writable(path, exc) from exc
        try:
            os.replace(tmp, path)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):  # someone wrote into the claimed folder
                raise _exists_error(path) from None
            try:
                os.rmdir(path)
            except OSError:
                pass
            raise
