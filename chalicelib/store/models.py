"""Moved to store/dynamo/models/ (one module per table); this name stays until no service imports it."""

from chalicelib.store.dynamo.models import *  # noqa: F403
from chalicelib.store.dynamo.models import ALL_MODELS, reset_connections, transaction  # noqa: F401
