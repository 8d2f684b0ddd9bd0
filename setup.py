"""Ship `rules/` and `reports/` inside the wheel as scanner._rules / scanner._reports.

They stay top-level folders in the repository (data, not code); a plain `pip install .` must still
carry them, which pyproject.toml alone cannot express for folders outside the package.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["scanner", "scanner.*"]), "scanner._rules", "scanner._reports"],
    package_dir={"scanner._rules": "rules", "scanner._reports": "reports"},
    package_data={
        "scanner": ["py.typed"],
        "scanner._rules": ["*.yaml", "**/*.yaml"],
        "scanner._reports": ["*", "**/*"],
    },
)
