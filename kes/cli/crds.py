"""`kes crds`: print (or write) the CustomResourceDefinitions generated from the domain models.

`kes crds | kubectl apply -f -` installs them; `kes crds --output-dir deploy/crds` regenerates
the checked-in copies, which a test keeps equal to this output.
"""

from __future__ import annotations

from pathlib import Path

import click

from kes.domain import crds as crd_models


@click.command(name="crds")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one <plural>.yaml file per CRD into this directory instead of printing them.",
)
def crds(output_dir: Path | None) -> None:
    """Print the CRDs of ActionSet, Blueprint, Profile and RepositoryServer."""
    if output_dir is None:
        click.echo(crd_models.render_all(), nl=False)
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    for crd in crd_models.crd_documents():
        path = output_dir / crd_models.file_name(crd)
        path.write_text(crd_models.render(crd))
        click.echo(f"Wrote {path}.")
