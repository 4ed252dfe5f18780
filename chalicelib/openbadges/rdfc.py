"""RDFC-1.0 with a work budget: a "poison" dataset is refused instead of hashed for minutes.

JSON-LD first: PyLD merges the values of each node by comparing every new value with those it holds,
so one node given thousands of values (in one array, or in many objects sharing its @id) is quadratic;
check_node_values refuses that in the expanded document, before the node map is made.

RDFC-1.0 (§4.4) lets an implementation abort when canonicalising would take too much work: blank nodes
that all look alike and point at each other make Hash N-Degree Quads try every ordering of them, which
is factorial. PyLD's canonizer has no limit, so this subclass counts that work before it is done: each
Hash N-Degree Quads call tries every ordering of each group of k alike related nodes (k!), copying the
path's identifier issuer for each, so a call costs (1 + the sum of k!) x the issuer's size.
"""

from __future__ import annotations

from math import factorial
from typing import Any

from pyld.canon import URDNA2015

from .canonical import PoisonDatasetError

# A unit is one issuer entry copied for one ordering, about 1-2 µs. A credential's blank nodes almost all
# have distinct first-degree hashes and cost nothing here; a few alike ones (two identical evidence
# entries) cost tens of units. 100,000 units is about 0.2 s; 7 nodes all linked to each other need 3 million.
MAX_WORK = 100_000
MAX_BLANK_NODES = 1000
# A comparison of two values while merging them is about 0.6 µs: 300,000 is under 0.2 s. One property
# with n values costs n²/2: an achievement with 300 alignments costs 45,000.
MAX_MERGE_COMPARISONS = 300_000
_PERMUTED_AT_MOST = 12  # 12! is far above MAX_WORK: a larger group is charged as if it had 12


class BoundedCanonizer(URDNA2015):
    """PyLD's URDNA2015 (RDFC-1.0), refusing a dataset once its work passes max_work units."""

    def __init__(self, max_work: int = MAX_WORK, max_blank_nodes: int = MAX_BLANK_NODES) -> None:
        super().__init__()
        self.work, self.max_work, self.max_blank_nodes = 0, max_work, max_blank_nodes

    def main(self, dataset: dict, options: dict) -> Any:
        """The canonical N-Quads of a PyLD dataset; PoisonDatasetError when it has too many blank nodes."""
        blank_nodes = {g for g in dataset if g.startswith("_:")}
        for quads in dataset.values():
            for quad in quads:
                blank_nodes.update(c["value"] for c in quad.values() if c["type"] == "blank node")
        if len(blank_nodes) > self.max_blank_nodes:
            raise PoisonDatasetError(f"it has more than {self.max_blank_nodes} blank nodes")
        return super().main(dataset, options)

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict:
        """Step 1 of Hash N-Degree Quads; charges the call and the orderings the call will try."""
        hash_to_related = super().create_hash_to_related(id_, issuer)
        orderings = sum(factorial(min(len(n), _PERMUTED_AT_MOST)) for n in hash_to_related.values())
        self.work += (1 + orderings) * len(issuer.existing)  # each ordering copies the issuer
        if self.work > self.max_work:
            raise PoisonDatasetError("its blank nodes would take too much work to put in canonical order")
        return hash_to_related


def check_node_values(expanded: Any) -> None:
    """PoisonDatasetError when merging the values of an expanded document's nodes would take over
    MAX_MERGE_COMPARISONS comparisons (each value added to a node's property is compared with those
    already there).

    Nodes merge by @id (expanded ids are absolute, so every spelling of one id counts together); a node
    without one is its own. @reverse values count for the node they point at.
    """
    held: dict[tuple, int] = {}
    comparisons, stack = 0, [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        if not isinstance(value, dict):
            continue
        stack.extend(value.values())
        if "@value" in value or "@list" in value or "@set" in value:
            continue
        added = [(_node_key(value), k, len(v)) for k, v in value.items() if _merged(k, v)]
        for prop, nodes in (value.get("@reverse") or {}).items():
            added += [(_node_key(n), "^" + prop, 1) for n in nodes if isinstance(n, dict)]
        for node, prop, count in added:
            before = held.get((node, prop), 0)
            held[(node, prop)] = before + count
            comparisons += count * before + count * (count - 1) // 2
            if comparisons > MAX_MERGE_COMPARISONS:
                raise PoisonDatasetError("its nodes hold too many values to merge")


def _node_key(node: dict) -> Any:
    return node["@id"] if isinstance(node.get("@id"), str) else id(node)


def _merged(key: str, values: Any) -> bool:
    """Whether a member of an expanded node adds values to it (properties and @type)."""
    return isinstance(values, list) and (key == "@type" or not key.startswith("@"))
