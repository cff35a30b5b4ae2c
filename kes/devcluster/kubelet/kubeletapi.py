"""The kubelet API a real API server calls for `kubectl logs` and `kubectl exec`, over TLS.

The API server turns `GET .../pods/{name}/log` into `GET /containerLogs/{ns}/{pod}/{container}`
with the same query, and `.../pods/{name}/exec` into `/exec/{ns}/{pod}/{container}?command=...
&input=1&output=1&error=1&tty=1`. Since Kubernetes 1.36 (`ExtendWebSocketsToKubelet`, beta and
on by default; `NodeDeclaredFeatures`, GA and locked on in 1.37) the API server passes a
WebSocket exec straight through to a node that declares that feature, which ours does
(recording.py): so exec arrives here as the same `v5.channel.k8s.io` / `v4.channel.k8s.io`
WebSocket the stand-in serves, and execing.py answers both. A SPDY request (a client that
falls back to it) gets 400, as on the stand-in.

Only clients with a certificate signed by the data directory's CA are served (the API server's
`--kubelet-client-certificate`); a real kubelet would also ask the API server to authorize each
request, which a single-user development node does not need.
"""

from __future__ import annotations

import pathlib
import ssl

from aiohttp import web

from kes.devcluster import errors
from kes.devcluster.kubelet import execing, logstream, node

_KUBELET = web.AppKey("kubelet", node.Kubelet)


def ssl_context(
    *, cert: pathlib.Path, key: pathlib.Path, client_ca: pathlib.Path
) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(client_ca))
    context.load_cert_chain(str(cert), str(key))
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _kubelet(request: web.Request) -> node.Kubelet:
    return request.app[_KUBELET]


async def _logs(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    return await logstream.handle(request, kubelet=_kubelet(request),
                                  namespace=info["namespace"], name=info["pod"],
                                  container=info["container"])


async def _exec(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    options = execing.Options.of_kubelet_api(request, container=info["container"])
    return await execing.handle(request, kubelet=_kubelet(request),
                                namespace=info["namespace"], name=info["pod"], options=options)


async def _healthz(_request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok")


async def _unsupported(request: web.Request) -> web.StreamResponse:
    return errors.response(code=404, message=f"the kes kubelet does not serve {request.path}")


def make_app(kubelet: node.Kubelet) -> web.Application:
    app = web.Application()
    app[_KUBELET] = kubelet
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/containerLogs/{namespace}/{pod}/{container}", _logs)
    app.router.add_route("*", "/exec/{namespace}/{pod}/{container}", _exec)
    app.router.add_route("*", "/{tail:.*}", _unsupported)
    return app


async def serve(
    kubelet: node.Kubelet, *, port: int, context: ssl.SSLContext
) -> web.AppRunner:
    """Start serving on 127.0.0.1:`port`; the caller cleans the runner up."""
    runner = web.AppRunner(make_app(kubelet), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, host="127.0.0.1", port=port, ssl_context=context).start()
    return runner
