"""Command line of the fault-injecting proxy (started by `kes dev up --faults SPEC`).

    python -m kes.devcluster.faults --upstream KUBECONFIG --data-dir DIR [--port N] [--spec SPEC]

It writes its own credentials and `DIR/kubeconfig` (clients use that one), `DIR/port`, logs
each injected fault to `DIR/faults.log`, and prints `serving on https://127.0.0.1:<port>` once
it listens. A bad SPEC or kubeconfig is one `error: ...` line and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import pathlib
import signal
import sys
from typing import Any

from aiohttp import web

from kes.devcluster import certs
from kes.devcluster.faults import proxy, spec, upstream


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kes.devcluster.faults")
    parser.add_argument("--upstream", type=pathlib.Path, required=True,
                        help="the kubeconfig of the API server to stand in front of")
    parser.add_argument("--data-dir", type=pathlib.Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--spec", default="", help="e.g. conflict=0.2,unavailable=0.05")
    return parser


async def _serve(args: argparse.Namespace, profile: spec.Profile,
                 target: upstream.Upstream) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    creds = certs.ensure(args.data_dir)
    app = proxy.make_app(target=target, token=creds.token, profile=profile,
                         log_path=args.data_dir / "faults.log")
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host="127.0.0.1", port=args.port,
                       ssl_context=certs.server_ssl_context(creds))
    await site.start()
    sockets: Any = getattr(site._server, "sockets", None)
    port = int(sockets[0].getsockname()[1]) if sockets else args.port
    url = f"https://127.0.0.1:{port}"
    certs.write_kubeconfig(path=args.data_dir / "kubeconfig", creds=creds, url=url)
    (args.data_dir / "port").write_text(str(port))
    print(f"serving on {url} with faults {profile.describe()}", flush=True)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args.data_dir = args.data_dir.resolve()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        profile = spec.parse(args.spec)
        target = upstream.load(args.upstream, scratch=args.data_dir / "pki")
    except (spec.SpecError, upstream.KubeconfigError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    asyncio.run(_serve(args, profile, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
