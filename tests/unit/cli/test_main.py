from click.testing import CliRunner

from kes.cli import main


def test_version_names_the_program() -> None:
    result = CliRunner().invoke(main.cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("kes, version ")
