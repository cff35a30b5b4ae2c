"""Command line of the local cluster: `init` creates credentials, `serve` runs the stand-in
API server, `kubernetes` runs the real control plane (built by `make tools`) with the process
kubelet as its node. Both servers print `serving on https://127.0.0.1:<port>` once they answer.

    python -m kes.devcluster init  --data-dir DIR [--kubeconfig PATH] [--port N]
    python -m kes.devcluster serve --data-dir DIR [--port N] [--kubeconfig PATH] [--no-kubelet]
                                   [--pod-path DIR ...]
    python -m kes.devcluster kubernetes --data-dir DIR [--port N] [--kubeconfig PATH] [--no-kubelet]
                                   [--pod-path DIR ...]

Settings read from the environment: KES_DEVCLUSTER_POD_PATH (directories, ':'-separated, added
after any --pod-path) and KES_DEVCLUSTER_BWRAP (the bubblewrap binary).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pathlib
import signal
import sys

from kes.devcluster import certs, server


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kes.devcluster")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("init", "serve", "kubernetes"):
        p = sub.add_parser(name)
        p.add_argument("--data-dir", type=pathlib.Path, required=True)
        p.add_argument("--port", type=int, default=6443)
        p.add_argument("--kubeconfig", type=pathlib.Path, default=None,
                       help="also write a kubeconfig here (default: DATA_DIR/kubeconfig)")
    serve = sub.choices["serve"]
    serve.add_argument("--no-kubelet", action="store_true",
                       help="do not run pods or controllers (API only)")
    serve.add_argument("--watch-history", type=int, default=50_000,
                       help="changes kept for watch resume; older versions get 410 Expired")
    serve.add_argument("--bookmark-seconds", type=float, default=10.0,
                       help="interval of BOOKMARK events on watches that allow them")
    kubernetes = sub.choices["kubernetes"]
    kubernetes.add_argument("--no-kubelet", action="store_true",
                            help="do not run the node (control plane only)")
    for command in (serve, kubernetes):
        command.add_argument("--pod-path", type=pathlib.Path, action="append", default=[],
                             help="a directory of programs every pod finds on its PATH, right "
                             "after kes's helpers (repeatable; also KES_DEVCLUSTER_POD_PATH)")
    return parser


def _pod_path(flags: list[pathlib.Path]) -> list[pathlib.Path]:
    from_env = os.environ.get("KES_DEVCLUSTER_POD_PATH", "")
    extra = [pathlib.Path(p) for p in from_env.split(os.pathsep) if p]
    return [p.resolve() for p in dict.fromkeys([*flags, *extra])]


def _write_kubeconfig(*, data_dir: pathlib.Path, port: int, path: pathlib.Path | None) -> None:
    creds = certs.ensure(data_dir)
    url = f"https://127.0.0.1:{port}"
    certs.write_kubeconfig(path=data_dir / "kubeconfig", creds=creds, url=url)
    if path is not None:
        certs.write_kubeconfig(path=path, creds=creds, url=url)


async def _serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)

    def ready(port: int) -> None:
        _write_kubeconfig(data_dir=args.data_dir, port=port, path=args.kubeconfig)
        print(f"serving on https://127.0.0.1:{port}", flush=True)

    with contextlib.suppress(asyncio.CancelledError):
        await server.serve(data_dir=args.data_dir, port=args.port,
                           run_kubelet=not args.no_kubelet, watch_history=args.watch_history,
                           bookmark_interval=args.bookmark_seconds, ready=ready,
                           pod_path=_pod_path(args.pod_path))


async def _kubernetes(args: argparse.Namespace) -> int:
    from kes.devcluster.controlplane import run

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)

    def ready(port: int) -> None:
        if args.kubeconfig is not None:
            creds = certs.ensure(args.data_dir)
            certs.write_kubeconfig(path=args.kubeconfig, creds=creds,
                                   url=f"https://127.0.0.1:{port}")
        print(f"serving on https://127.0.0.1:{port}", flush=True)

    try:
        await run.serve(data_dir=args.data_dir, port=args.port, ready=ready,
                        run_kubelet=not args.no_kubelet, pod_path=_pod_path(args.pod_path))
    except asyncio.CancelledError:
        return 0
    except run.StartError as exc:
        logging.getLogger("kes.devcluster").error("The control plane stopped: %s", exc)
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args.data_dir = args.data_dir.resolve()
    if args.command == "init":
        _write_kubeconfig(data_dir=args.data_dir, port=args.port, path=args.kubeconfig)
        print(args.data_dir / "kubeconfig")
        return 0
    if args.command == "kubernetes":
        return asyncio.run(_kubernetes(args))
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
