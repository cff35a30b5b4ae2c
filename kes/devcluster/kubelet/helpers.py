"""kes's helpers (`kando`, the project's tools) at fixed paths in every pod, whatever it mounts.

A pod's volumes are mounted over the host's directories inside its sandbox: a pod that mounts an
emptyDir at `/tmp` (MultiContainerRun does) hides a virtualenv installed under /tmp, and with it
`kando` (`sh: kando: not found`). So the kubelet binds what the helpers need read-only under
`/.kes`, a directory no host has and no pod mounts, and puts `/.kes/bin` first on every
container's PATH:

- `/.kes/python`: the server's base Python installation; `/.kes/site`: its virtualenv's
  site-packages; `/.kes/src/kes`: the kes package itself when installed in editable mode;
- `/.kes/venv`: a virtualenv generated here whose interpreter is `/.kes/python`'s and whose
  site-packages are `/.kes/site`, so it works at that path;
- `/.kes/bin`: one small shell script per console script of the distribution that holds this
  package (`kando`, `kes`), running its Python part in `/.kes/libexec` with `/.kes/venv`'s
  interpreter;
- `/.kes/path/0`, `/1`, ...: the directories given with `serve --pod-path` (`kes dev up` passes
  the project's tools: restic, kopia), next on PATH;
- `/.kes/switchuser.py`: what a root kubelet runs to become a pod's user (security.py).

The generated files live in `<data dir>/helpers`, rewritten at every start.

An interpreter built with a shared libpython finds it through an absolute RUNPATH into its own
prefix, which a pod may hide too; then every helper interpreter starts with LD_LIBRARY_PATH set
to `/.kes/python/lib`, and puts the container's own value back before running anything else.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import logging
import os
import pathlib
import shutil
import sys
import sysconfig

from kes.devcluster.kubelet import sandbox

ROOT = "/.kes"
BIN = f"{ROOT}/bin"
PYTHON = f"{ROOT}/python"
SITE = f"{ROOT}/site"
SOURCE = f"{ROOT}/src"
VENV = f"{ROOT}/venv"
PATHS = f"{ROOT}/path"
SWITCHER = f"{ROOT}/switchuser.py"
LIBEXEC = f"{ROOT}/libexec"
# Set by a helper's shell part for its Python part: the container's own LD_LIBRARY_PATH.
SAVED_LIBRARY_PATH = "_KES_LD_LIBRARY_PATH"
# This package's top-level name ("kes"): its distribution's console scripts become helpers.
_PACKAGE = __name__.split(".", 1)[0]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Helpers:
    """What every container gets: read-only mounts and the directories first on its PATH."""

    mounts: tuple[sandbox.Mount, ...] = ()
    search_path: tuple[str, ...] = ()
    # The command that runs switchuser.py in a sandbox, arguments to follow.
    switcher: tuple[str, ...] = ()

    def on_host(self, path_value: str) -> str:
        """The same PATH with sandbox-only directories replaced by their host sources, for the
        kubelet's own lookups (is the container's program there at all?)."""
        sources = {m.target: str(m.source) for m in self.mounts}
        return os.pathsep.join(sources.get(p, p) for p in path_value.split(os.pathsep))


def _base_python() -> tuple[pathlib.Path, str] | None:
    """The base installation and its interpreter's path relative to it, when it lies inside."""
    base = pathlib.Path(os.path.realpath(sys.base_prefix))
    interpreter = pathlib.Path(os.path.realpath(sys.executable))
    try:
        return base, str(interpreter.relative_to(base))
    except ValueError:
        return None


def _console_scripts() -> dict[str, str]:
    """name → `module:attribute` for the console scripts of the distribution of `kes`."""
    names = importlib.metadata.packages_distributions().get(_PACKAGE) or []
    scripts: dict[str, str] = {}
    for name in dict.fromkeys(names):
        for entry in importlib.metadata.distribution(name).entry_points:
            if entry.group == "console_scripts":
                scripts[entry.name] = entry.value
    return scripts


def _write_venv(*, target: pathlib.Path, interpreter: str, site: bool) -> None:
    """A virtualenv that works at `/.kes/venv`: its interpreter and site-packages are links to
    the other helper mounts (dangling on the host, resolved inside the sandbox)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (target / "bin").mkdir(parents=True)
    (target / "bin" / "python3").symlink_to(f"{PYTHON}/{interpreter}")
    home = str(pathlib.PurePosixPath(PYTHON, interpreter).parent)
    (target / "pyvenv.cfg").write_text(
        f"home = {home}\ninclude-system-site-packages = {'false' if site else 'true'}\n"
        f"version = {sys.version.split()[0]}\n")
    if site:
        (target / "lib" / f"python{version}").mkdir(parents=True)
        (target / "lib" / f"python{version}" / "site-packages").symlink_to(SITE)


def _library_env(library: str | None) -> str:
    """Shell assignments that give a helper interpreter its libpython, saving the caller's."""
    if library is None:
        return ""
    return (f'{SAVED_LIBRARY_PATH}="${{LD_LIBRARY_PATH-}}" '
            f"LD_LIBRARY_PATH={library}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} ")


def _write_scripts(*, root: pathlib.Path, interpreter: str, editable: bool,
                   library: str | None) -> None:
    (root / "bin").mkdir(parents=True)
    (root / "libexec").mkdir(parents=True)
    restore = (f"_saved = os.environ.pop({SAVED_LIBRARY_PATH!r}, '')\n"
               "if _saved:\n    os.environ['LD_LIBRARY_PATH'] = _saved\n"
               "else:\n    os.environ.pop('LD_LIBRARY_PATH', None)\n") if library else ""
    for name, value in _console_scripts().items():
        module, _, attribute = value.partition(":")
        path_line = f"sys.path[:0] = [{SOURCE!r}]\n" if editable else ""
        (root / "libexec" / name).write_text(
            f"# `{name}` of {_PACKAGE}, runnable whatever the pod mounts (kubelet/helpers.py).\n"
            f"import os\nimport sys\n{restore}{path_line}import {module}\n"
            f"sys.exit({module}.{attribute}())\n")
        script = root / "bin" / name
        script.write_text(f'#!/bin/sh\n{_library_env(library)}exec {interpreter} '
                          f'{LIBEXEC}/{name} "$@"\n')
        script.chmod(0o755)


def prepare(*, data_dir: pathlib.Path, pod_path: list[pathlib.Path]) -> Helpers:
    """Write `<data dir>/helpers` and return the mounts and PATH entries every pod gets."""
    root = data_dir / "helpers"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    switch_script = pathlib.Path(__file__).with_name("switchuser.py")
    mounts = [sandbox.Mount(source=switch_script, target=SWITCHER, read_only=True)]
    search: list[str] = []
    switcher: tuple[str, ...] = (sys.executable, "-I", "-S", SWITCHER)
    base = _base_python()
    if base is not None:
        base_dir, interpreter = base
        library = f"{PYTHON}/lib" if any((base_dir / "lib").glob("libpython*.so*")) else None
        switcher = (f"{PYTHON}/{interpreter}", "-I", "-S", SWITCHER)
        if library is not None:
            switcher = ("/bin/sh", "-c", f'{_library_env(library)}exec "$@"', "sh", *switcher)
        mounts.append(sandbox.Mount(source=base_dir, target=PYTHON, read_only=True))
        in_venv = os.path.realpath(sys.prefix) != str(base_dir)
        site = pathlib.Path(os.path.realpath(sysconfig.get_paths()["purelib"]))
        if in_venv:
            mounts.append(sandbox.Mount(source=site, target=SITE, read_only=True))
        package = pathlib.Path(__file__).resolve().parents[2]
        editable = not package.is_relative_to(site)
        if editable:
            mounts.append(sandbox.Mount(source=package, target=f"{SOURCE}/{package.name}",
                                        read_only=True))
        _write_venv(target=root / "venv", interpreter=interpreter, site=in_venv)
        mounts.append(sandbox.Mount(source=root / "venv", target=VENV, read_only=True))
        try:
            _write_scripts(root=root, interpreter=f"{VENV}/bin/python3", editable=editable,
                           library=library)
        except importlib.metadata.PackageNotFoundError:
            logger.warning("No installed distribution of %s: pods get no console scripts.",
                           _PACKAGE)
        mounts.append(sandbox.Mount(source=root / "bin", target=BIN, read_only=True))
        mounts.append(sandbox.Mount(source=root / "libexec", target=LIBEXEC, read_only=True))
        search.append(BIN)
    else:
        logger.warning("The server's Python (%s) is not inside its base prefix; pods find its "
                       "scripts at their host paths only.", sys.executable)
    for position, directory in enumerate(pod_path):
        if not directory.is_dir():
            logger.warning("The pod PATH directory %s does not exist; skipped.", directory)
            continue
        target = f"{PATHS}/{position}"
        mounts.append(sandbox.Mount(source=directory.resolve(), target=target, read_only=True))
        search.append(target)
    return Helpers(mounts=tuple(mounts), search_path=tuple(search), switcher=switcher)
