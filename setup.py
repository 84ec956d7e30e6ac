"""Ships the top-level ``templates/`` inside the wheel as ``mailbot/templates``.

The design keeps the mail templates at the top of the repository, where an office finds
them; a plain ``pip install .`` must still carry them.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        src = Path(__file__).parent / "templates"
        if src.is_dir():
            shutil.copytree(src, Path(self.build_lib) / "mailbot" / "templates", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithTemplates})
