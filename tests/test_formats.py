"""One table of formats (core/formats): every format it lists has a writer where its kind is
written, and every writer a row, so the command line offers exactly what can be written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from govgraph import cli
from govgraph.core import formats
from govgraph.exports import coverage, network, panel
from govgraph.store import results


def test_every_kind_is_written_by_its_module():
    assert set(formats.names("results")) == set(results.RESULT_WRITERS) | {"table"}  # table: drawn by the CLI
    assert set(formats.names("network", "rdf")) == set(network.FORMATS)
    assert set(formats.names("panel")) == set(panel.FORMATS)
    report = {"md": coverage.to_markdown, "csv": coverage.to_csv, "json": coverage.to_json}
    assert set(formats.names("report")) == set(report)


@pytest.mark.parametrize("command, kinds", [(["query"], ("results",)), (["export"], ("network", "rdf", "panel")),
                                            (["coverage"], ("report",))])
def test_the_command_line_offers_the_table(command, kinds):
    help_text = CliRunner().invoke(cli.cli, command + ["--help"], terminal_width=200).output
    offered = help_text.split("--format", 1)[1].split("[", 1)[1].split("]", 1)[0]
    assert offered.split("|") == list(formats.names(*kinds))


def test_every_format_has_a_media_type_an_extension_and_a_description():
    for f in formats.FORMATS:
        assert "/" in f.media_type and f.extension and f.what, f
    assert len({(f.kind, f.name) for f in formats.FORMATS}) == len(formats.FORMATS)
    with pytest.raises(KeyError):
        formats.get("network", "pdf")
    assert formats.get("rdf", "ttl").media_type == "text/turtle"
