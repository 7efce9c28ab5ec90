from hwcli.cli import run

run()
