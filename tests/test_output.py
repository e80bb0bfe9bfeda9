from __future__ import annotations

from credo import output


def test_a_count_of_people_reads_as_a_sentence_says_it():
    # "1 people" was printed by evaluate and train where one person had no data
    assert output.people(1) == "1 person"
    assert output.people(0) == "0 people"
    assert output.people(12345) == "12,345 people"


def test_the_console_keeps_credo_s_own_styles_and_prints_the_data_s_brackets():
    """The evaluate summary's "[blue]info[/]" printed as written once brackets in names were
    read as text; a name's "[/]" and "income[monthly]" must print as written."""
    from credo.commands import evaluate as command
    from credo.commands.common import make_console

    console = make_console()
    with console.capture() as captured:
        console.print("[yellow]note:[/] income[monthly] and [/] [bold]kept[/]")
    assert captured.get().strip() == "note: income[monthly] and [/] kept"
    result = {
        "checks": [
            {"name": f"check {s}", "status": s, "detail": "[/] x[y]"}
            for s in ("pass", "flag", "info")
        ]
    }
    with command.console.capture() as captured:
        command._print_summary(result)
    shown = captured.get()
    assert "[blue]" not in shown and "[green]" not in shown and "[red]" not in shown
    assert shown.count("[/] x[y]") == 3


def test_a_style_closed_by_its_name_is_a_style_not_text():
    """`credo quarantine list` ended a line with "[/dim]" as written: a style closed by its
    name was escaped as if it were the data's."""
    from credo.commands.common import make_console

    console = make_console()
    with console.capture() as captured:
        console.print("[dim]2 left out[/dim] and [yellow]fix them[/yellow] [bold red]x[/bold red]")
    assert captured.get().strip() == "2 left out and fix them x"
    with console.capture() as captured:
        console.print("level [/dim] and [/yellow] [green]kept[/]")
    assert captured.get().strip() == "level [/dim] and [/yellow] kept"
