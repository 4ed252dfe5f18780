"""What earners do with their badges: claim from a notice, accept, reject and recover (the shelf), the
dashboard, privacy and public profiles, sharing, imports of badges from elsewhere, and the export."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__, ("claims", "dashboard", "export", "imports", "privacy", "sharing", "shelf")
)
