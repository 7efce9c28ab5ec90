from conftest import run_hw4


def test_bare_hw4_shows_help_and_succeeds(cli):
    result = cli()
    assert result.code == 0
    assert "Usage" in result.out


def test_unknown_command_is_one_line_exit_2(cli):
    result = cli("no-such-command")
    assert result.code == 2
    assert result.err.strip().splitlines() == ["error: hw4: No such command 'no-such-command'."]


def test_version_as_a_module():
    result = run_hw4("--version")
    assert result.code == 0
    assert result.out.startswith("hw4 ")
