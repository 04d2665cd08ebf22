"""Maps the four top-level folders onto subpackages of one distribution, ``bildungsdaten``.

Bare top-level ``hub``/``validators`` would shadow PyPI packages of those names (frictionless
depends on ``validators``), so each folder installs as ``bildungsdaten.<folder>``.
"""
from setuptools import find_namespace_packages, setup

FOLDERS = ("hub", "feeds", "validators", "vocab")

packages: list[str] = []
package_dir: dict[str, str] = {}
for folder in FOLDERS:
    # Namespace packages too: data folders (templates, static, vocab/data, migration versions)
    # ship as package data of their own importable folder.
    for sub in [""] + find_namespace_packages(folder, exclude=["*__pycache__*"]):
        name = f"bildungsdaten.{folder}" + (f".{sub}" if sub else "")
        packages.append(name)
        package_dir[name] = folder + ("/" + sub.replace(".", "/") if sub else "")

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={"": ["*.html", "*.css", "*.js", "*.svg", "*.toml", "*.csv", "*.json",
                       "*.jsonld", "*.ttl", "*.mako", "*.ini", "*.geojson", "*.md",
                       "*.png", "LICENSE"]},
)
