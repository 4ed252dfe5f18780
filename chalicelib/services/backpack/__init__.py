"""What earners do with their badges: claim from a notice, accept, reject and recover (the shelf), the
dashboard, a badge's detail page, privacy and public profiles, sharing, imports of badges from elsewhere
(import_checks: what an import is checked against), and the export."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__,
    ("claims", "dashboard", "detail", "export", "import_checks", "imports", "privacy", "sharing", "shelf"),
)
