"""`kando location push|pull|delete`: move a stream between a pod and the Profile's location.

Kanister's commands (`pkg/kando/location*.go`, `pkg/datamover`), same flags and errors:
`-p/--profile` takes the Profile as JSON, exactly what `{{ toJson .Profile }}` renders;
`-s/--path` is the suffix joined to the location's prefix; `push <source>` reads a file or, with
`-`, a piped stdin (a terminal is refused); `pull <target>` writes a file or, with `-`, stdout;
`delete` removes every object under the prefix. `push -o/--output-name` and
`pull|delete -k/--kopia-snapshot` are accepted for Kopia locations, which kes does not serve.

Differences, on purpose: `pull` into an existing file truncates it first (Kanister overwrites in
place, so a shorter object leaves the old file's tail behind); error messages carry the store's
code and what to check; every credential value is masked in what kando prints.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

import click

from kes.adapters.objectstore import errors, locations
from kes.domain import masking, profiles

PIPE = "-"
DEFAULT_OUTPUT_NAME = "kandoOutput"


def _location_options(func: Callable[..., Any]) -> Callable[..., Any]:
    # Cobra's persistent flags of `location` may follow the subcommand, as Blueprints write them.
    func = click.option("-s", "--path", default=None, help="Specify a path suffix (optional)")(func)
    return click.option(
        "-p", "--profile", default=None, help="Pass a Profile as a JSON string (required)"
    )(func)


@click.group(name="location", help="Push, pull and delete from object storage")
@_location_options
@click.pass_context
def location(ctx: click.Context, path: str | None, profile: str | None) -> None:
    ctx.obj = {"path": path, "profile": profile}


def _resolve(path: str | None, profile: str | None) -> tuple[profiles.ResolvedProfile, str]:
    """The flags given after the subcommand win over those given before it."""
    outer = click.get_current_context().find_object(dict) or {}
    text = profile if profile is not None else outer.get("profile")
    if not text:
        raise click.ClickException("Please provide the --profile flag")
    try:
        resolved = profiles.from_json(text)
    except profiles.ProfileError as exc:
        raise click.ClickException(str(exc)) from None
    suffix = path if path is not None else outer.get("path")
    return resolved, suffix or ""


# Values shorter than this are not masked in kando's messages: a one-letter "secret" would
# turn every message into asterisks and hide nothing (the controller masks its log tail anyway).
_MASK_MIN_LENGTH = 4


def _run(profile: profiles.ResolvedProfile, action: Callable[[], object]) -> None:
    try:
        action()
    except (errors.ObjectStoreError, profiles.ProfileError) as exc:
        values = [v for v in profile.secret_values() if len(v) >= _MASK_MIN_LENGTH]
        raise click.ClickException(masking.mask(str(exc), secrets=values)) from None


def _reject_kopia(profile: profiles.ResolvedProfile) -> None:
    if profile.location.type == profiles.KOPIA:
        raise click.ClickException(
            "Profiles of location type kopia (a Kopia repository server) are not supported by "
            "kes's kando; use an s3Compliant or filestore Profile"
        )


@location.command(
    name="push", help="Push a source file or stdin stream to s3-compliant object storage"
)
@click.argument("source", nargs=-1)
@_location_options
@click.option(
    "-o",
    "--output-name",
    default=DEFAULT_OUTPUT_NAME,
    help="Specify a name to be used for the output produced by kando. Set to `kandoOutput` by "
    "default",
)
def push(source: tuple[str, ...], path: str | None, profile: str | None, output_name: str) -> None:
    del output_name  # only Kopia locations produce an output
    argument = _exactly_one(source)
    resolved, suffix = _resolve(path, profile)
    _reject_kopia(resolved)
    stream = _source(argument)
    try:
        _run(resolved, lambda: locations.write(resolved, suffix, stream))
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


@location.command(name="pull", help="Pull from s3-compliant object storage to a file or stdout")
@click.argument("target", nargs=-1)
@_location_options
@click.option(
    "-k",
    "--kopia-snapshot",
    default="",
    help="Pass the kopia snapshot information from the location push command (optional)",
)
def pull(
    target: tuple[str, ...], path: str | None, profile: str | None, kopia_snapshot: str
) -> None:
    del kopia_snapshot
    argument = _exactly_one(target)
    resolved, suffix = _resolve(path, profile)
    _reject_kopia(resolved)
    if argument == PIPE:
        out = sys.stdout.buffer
        _run(resolved, lambda: locations.read(resolved, suffix, out.write))
        out.flush()
        return
    try:
        # Kanister creates the target with mode 0755 (less the umask).
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        handle = os.fdopen(os.open(argument, flags, 0o755), "wb")
    except OSError as exc:
        raise click.ClickException(f"open {argument}: {exc.strerror}") from None
    with handle:
        _run(resolved, lambda: locations.read(resolved, suffix, handle.write))


@location.command(name="delete", help="Delete artifacts from s3-compliant object storage")
@_location_options
@click.option(
    "-k",
    "--kopia-snapshot",
    default="",
    help="Pass the kopia snapshot information from the location push command (optional)",
)
def delete(path: str | None, profile: str | None, kopia_snapshot: str) -> None:
    del kopia_snapshot
    resolved, suffix = _resolve(path, profile)
    _reject_kopia(resolved)
    _run(resolved, lambda: locations.delete(resolved, suffix))


def _exactly_one(values: tuple[str, ...]) -> str:
    if len(values) != 1:
        raise click.UsageError(f"accepts 1 arg(s), received {len(values)}")
    return values[0]


def _source(argument: str) -> BinaryIO:
    if argument != PIPE:
        try:
            return open(argument, "rb")
        except OSError as exc:
            raise click.ClickException(f"open {argument}: {exc.strerror}") from None
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"failed to describe file stdin: {exc}") from None
    if not stat.S_ISFIFO(mode):
        # Kanister accepts only a pipe here; a terminal or a redirected file is refused.
        raise click.ClickException('Stdin must be piped when the source parameter is "-"')
    return sys.stdin.buffer
