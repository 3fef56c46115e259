from plenaria.cli import app

app(prog_name="plenaria")
