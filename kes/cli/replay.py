"""`kes replay FILE...`: do exported histories still replay, to the same status, on this kes?

Each FILE is an export (`kes history ... --json`, or `--export`, which also writes the status
beside it as NAME.status.json). Every event is read through today's upcasters into today's
aggregate, the hash chain is checked, and the status today's projection computes is compared
with the one recorded at export. Exit 0 only when every file replays; otherwise each failing
file names the first event that no longer replays, or the first status field that differs.
"""

from __future__ import annotations

from pathlib import Path

import click

from kes.application import errors, replaying


@click.command("replay")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print only the files that fail.")
def replay(files: tuple[Path, ...], quiet: bool) -> None:
    """Replay exported histories against this kes and compare their status."""
    failed = 0
    for path in files:
        try:
            report = replaying.replay_file(path)
        except errors.ReplayError as exc:
            click.echo(f"FAIL {path}: {exc}", err=True)
            failed += 1
            continue
        if report.ok:
            if not quiet:
                compared = ("status as recorded" if report.compared_status
                            else "no recorded status beside it to compare")
                click.echo(f"ok   {path}: {report.events} events, chain verified, {compared}")
            continue
        failed += 1
        click.echo(f"FAIL {path}: {report.problem}", err=True)
    if failed:
        raise SystemExit(1)
