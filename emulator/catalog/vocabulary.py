"""Word lists the generated org data is made of (names, company words), shared by the catalogs."""

from __future__ import annotations

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Edsger",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Dijkstra",
]
WORDS = [
    "Global",
    "United",
    "Acme",
    "Blue",
    "Northern",
    "Pacific",
    "Summit",
    "Vertex",
    "Quantum",
    "Silver",
]
NOUNS = [
    "Media",
    "Dynamics",
    "Systems",
    "Foods",
    "Energy",
    "Logistics",
    "Labs",
    "Partners",
    "Works",
    "Health",
]
