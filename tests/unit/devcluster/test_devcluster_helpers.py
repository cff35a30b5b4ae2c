"""kes's helpers in every sandbox (kes.devcluster.kubelet.helpers): what is generated and bound.

That they work under hidden mounts is proven with real pods in
tests/devcluster/test_kubelet_sandbox.py.
"""

from __future__ import annotations

import os
import pathlib
import sys

from kes.devcluster.kubelet import helpers


def test_prepare_binds_the_interpreter_scripts_and_pod_path(tmp_path: pathlib.Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    found = helpers.prepare(data_dir=tmp_path / "data", pod_path=[tools, tmp_path / "missing"])
    targets = {m.target: m for m in found.mounts}
    assert all(m.read_only for m in found.mounts)
    assert targets["/.kes/path/0"].source == tools.resolve()
    assert "/.kes/path/1" not in targets  # a missing directory is skipped, with a warning
    assert targets["/.kes/python"].source == pathlib.Path(os.path.realpath(sys.base_prefix))
    assert found.search_path == ("/.kes/bin", "/.kes/path/0")
    kando = tmp_path / "data" / "helpers" / "bin" / "kando"
    shell = kando.read_text().splitlines()
    assert shell[0] == "#!/bin/sh"
    assert shell[1].endswith('exec /.kes/venv/bin/python3 /.kes/libexec/kando "$@"')
    assert os.access(kando, os.X_OK)
    body = (tmp_path / "data" / "helpers" / "libexec" / "kando").read_text().splitlines()
    assert body[-2:] == ["import kes.kando.main", "sys.exit(kes.kando.main.main())"]
    venv = tmp_path / "data" / "helpers" / "venv"
    assert os.readlink(venv / "bin" / "python3").startswith("/.kes/python/")
    assert "home = /.kes/python/" in (venv / "pyvenv.cfg").read_text()
    assert found.switcher[-3:] == ("-I", "-S", "/.kes/switchuser.py")


def test_the_kubelet_looks_helpers_up_at_their_host_sources(tmp_path: pathlib.Path) -> None:
    found = helpers.prepare(data_dir=tmp_path, pod_path=[])
    assert found.on_host("/.kes/bin:/usr/bin").split(":") == [
        str(tmp_path / "helpers" / "bin"), "/usr/bin"]
