#!/usr/bin/python3
"""Relationship names from Gramps (the reference calculator), for pairs of GEDCOM ids.

Usage: GRAMPSHOME=DIR /usr/bin/python3 scripts/gramps-relationships.py TREE_NAME < pairs > names
Each input line is "A B" (GEDCOM ids without @); each output line is "A<TAB>B<TAB>what B is to A".
The tree must have been imported first: GRAMPSHOME=DIR gramps -C TREE_NAME -i FILE.ged
"""
import sys
from gramps.gen.db.utils import open_database
from gramps.gen.const import GRAMPS_LOCALE as glocale
from gramps.gen.relationship import get_relationship_calculator

db = open_database(sys.argv[1], force_unlock=True)
calc = get_relationship_calculator(glocale)
people = {}
for handle in db.get_person_handles():
    person = db.get_person_from_handle(handle)
    people[person.get_gramps_id()] = person
out = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 2:
        continue
    a, b = people.get(parts[0]), people.get(parts[1])
    if a is None or b is None:
        out.append(f"{parts[0]}\t{parts[1]}\t?missing")
        continue
    name = calc.get_one_relationship(db, a, b)
    out.append(f"{parts[0]}\t{parts[1]}\t{name}")
db.close()
sys.stdout.write("\n".join(out) + "\n")
