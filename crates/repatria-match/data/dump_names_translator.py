"""Dump the Ukrainian -> Russian name dictionaries of the `names-translator`
package (PyPI, MIT) as TSV lines `pool<TAB>ukrainian<TAB>russian<TAB>rank`.

The package stores its dictionaries as DAWG files; this script only reads them
(with `dawg2-python`) so that `cargo xtask names` can build the compact table
that the matching engine embeds. Usage:

    pip install --target /tmp/pylib dawg2-python
    pip download --no-deps names-translator==2.1.0 && unzip names_translator-2.1.0-py3-none-any.whl
    PYTHONPATH=/tmp/pylib python3 dump_names_translator.py names_translator/data > names.tsv
"""

import json
import os
import sys

from dawg_python import RecordDAWG


def apply_rule(key, rule):
    drop, suffix, _titlecase = rule
    return (key[: len(key) - drop] + suffix).lower()


def main():
    data = sys.argv[1]
    out = sys.stdout
    for pool in ("first", "patronymic"):
        d = RecordDAWG(">BH")
        d.load(os.path.join(data, pool + ".dawg"))
        with open(os.path.join(data, pool + ".rules.json"), encoding="utf8") as fp:
            rules = json.load(fp)
        for key, (rank, rule_id) in d.iteritems():
            out.write("%s\t%s\t%s\t%d\n" % (pool, key, apply_rule(key, rules[rule_id]), rank))


if __name__ == "__main__":
    main()
