"""The request's boundary commits; no page or API module commits on its own."""
from pathlib import Path

import meetings

VIEW_MODULES = {"views.py", "api.py", "ical_views.py"}


def test_no_view_or_api_module_commits():
    root = Path(meetings.__file__).parent
    modules = [path for path in root.rglob("*.py") if path.name in VIEW_MODULES]
    assert len(modules) > 10  # the walk found the domains' page and API modules
    offenders = [f"{path.relative_to(root.parent)}:{number}"
                 for path in modules
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if ".commit(" in line]
    assert offenders == []
