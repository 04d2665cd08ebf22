"""Maps the four top-level folders onto subpackages of one distribution, ``bildungsdaten``.

Bare top-level ``hub``/``validators`` would shadow PyPI packages of those names (frictionless
depends on ``validators``), so each folder installs as ``bildungsdaten.<folder>``.
"""
from setuptools import find_packages, setup

FOLDERS = ("hub", "feeds", "validators", "vocab")

packages: list[str] = []
package_dir: dict[str, str] = {}
for folder in FOLDERS:
    for sub in [""] + find_packages(folder):
        name = f"bildungsdaten.{folder}" + (f".{sub}" if sub else "")
        packages.append(name)
        package_dir[name] = folder + ("/" + sub.replace(".", "/") if sub else "")

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "bildungsdaten.vocab": ["data/*"],
        "bildungsdaten.hub": ["templates/*.html", "templates/**/*.html", "static/*", "alembic.ini"],
        "bildungsdaten.hub.migrations": ["script.py.mako", "versions/*.py"],
    },
)
