"""`kando location push` of a large stream to S3: throughput against plain boto3, and peak memory.

Both uploads read the same kind of stream from a pipe (`head -c SIZE /dev/urandom`) into the
same moto server on 127.0.0.1, one after the other, in the same run:

- kes: `kando location push --profile '<Profile JSON>' --path … -` (our bounded-memory multipart
  upload: 8 MiB parts, 4 in flight);
- baseline: a Python process doing what `aws s3 cp - s3://bucket/key` does, boto3's
  `upload_fileobj` from stdin with its default transfer settings.

Prints MB/s for both (best of `--rounds` alternating rounds), kes's time as a ratio of the
baseline's, and the peak RSS of each uploading process (kernel `ru_maxrss` from wait4, the
largest of the rounds). Target (issue 11): kando's peak RSS < 100 MB at 1 GB.
Run: ``python benchmarks/bench_location.py`` (1 GiB) or ``--smoke`` (32 MiB, seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

KEY_ID, SECRET = "AKIAKESBENCH00000001", "kes-bench-secret-0123456789"
MiB = 1024 * 1024

BASELINE = """
import sys, boto3
client = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4])
client.upload_fileobj(sys.stdin.buffer, sys.argv[2], "baseline.bin")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return process, endpoint
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto did not start") from None
            time.sleep(0.05)


def timed_pipeline(size: int, command: list[str]) -> tuple[float, int]:
    """Seconds and the uploader's peak RSS (KiB) for `head -c size /dev/urandom | command`."""
    started = time.perf_counter()
    source = subprocess.Popen(["head", "-c", str(size), "/dev/urandom"], stdout=subprocess.PIPE)
    assert source.stdout is not None
    uploader = subprocess.Popen(command, stdin=source.stdout)
    source.stdout.close()
    _pid, status, usage = os.wait4(uploader.pid, 0)
    elapsed = time.perf_counter() - started
    source.wait()
    uploader.returncode = os.waitstatus_to_exitcode(status)
    if uploader.returncode != 0:
        raise RuntimeError(f"{command[:4]} exited {uploader.returncode}")
    return elapsed, int(usage.ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="32 MiB instead of 1 GiB")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating kes/baseline rounds; the best time of each is shown")
    args = parser.parse_args()
    size = (32 if args.smoke else args.size_mib) * MiB
    import boto3

    with tempfile.TemporaryDirectory(prefix="kes-bench-location-") as work:
        moto, endpoint = start_moto(Path(work) / "moto.log")
        try:
            client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                  aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
            client.create_bucket(Bucket="bench")
            profile = json.dumps({
                "Location": {"type": "s3Compliant", "bucket": "bench", "endpoint": endpoint,
                             "prefix": "kes", "region": "us-east-1"},
                "Credential": {"Type": "keyPair", "KeyPair": {"ID": KEY_ID, "Secret": SECRET}},
                "SkipSSLVerify": False,
            })
            kando = [sys.executable, "-m", "kes.kando", "location", "push",
                     "--profile", profile, "--path", "kando.bin", "-"]
            baseline = [sys.executable, "-c", BASELINE, endpoint, "bench", KEY_ID, SECRET]
            kes_runs, base_runs = [], []
            for turn in range(1 if args.smoke else args.rounds):
                # Alternate who goes first, so neither always meets a fresher moto.
                order = [(kando, kes_runs), (baseline, base_runs)]
                for command, runs in order if turn % 2 == 0 else order[::-1]:
                    runs.append(timed_pipeline(size, command))
            kes_s, kes_rss = min(t for t, _ in kes_runs), max(r for _, r in kes_runs)
            base_s, base_rss = min(t for t, _ in base_runs), max(r for _, r in base_runs)
            listed = client.list_objects_v2(Bucket="bench")["Contents"]
            sizes = {o["Key"]: o["Size"] for o in listed}
            assert sizes == {"kes/kando.bin": size, "baseline.bin": size}, sizes
        finally:
            moto.terminate()
            moto.wait(timeout=30)
    mb = size / 1e6
    print(f"stream: {size / MiB:.0f} MiB from a pipe into moto on 127.0.0.1")
    print(f"kando location push : {kes_s:6.2f} s  {mb / kes_s:7.1f} MB/s  "
          f"peak RSS {kes_rss / 1024:6.1f} MiB")
    print(f"boto3 upload_fileobj: {base_s:6.2f} s  {mb / base_s:7.1f} MB/s  "
          f"peak RSS {base_rss / 1024:6.1f} MiB")
    print(f"time ratio kes/baseline: {kes_s / base_s:.2f}x "
          f"(peak RSS target < 100 MB: {'met' if kes_rss * 1024 < 100e6 else 'NOT met'})")


if __name__ == "__main__":
    main()
