#!/usr/bin/env python3
"""The python `hl7` package's reading of a corpus of HL7 v2 messages (one message per line, segments ended by CR),
as JSON on standard output: one line per message, a list of segments, each [name, field 1, field 2, ...] with every
field as repetitions of components of subcomponents of unescaped text. A test-time oracle for the Swift parser
(Tests/HL7Tests), never a dependency of the product.

python-hl7 maps \\.br\\ to CR and \\H\\ \\N\\ to "_" by default; it is asked here for the Swift parser's documented
choices instead (a line feed; nothing), through its own application map.
   python3 scripts/hl7-oracle.py Tests/Fixtures/hl7/corpus.hl7
"""
import json
import sys

import hl7

APP_MAP = {"H": "", "N": "", ".br": "\n"}


def leaves(message, value, depth):
    """Normalises python-hl7's containers (a level without separators is a plain string) to depth 3."""
    if depth == 0:
        return message.unescape(str(value), APP_MAP)
    if isinstance(value, str):
        value = [value]
    return [leaves(message, item, depth - 1) for item in value]


def read(text):
    message = hl7.parse(text)
    segments = []
    for index, segment in enumerate(message):
        row = [str(segment[0])]
        for number in range(1, len(segment)):
            field = segment[number]
            if index == 0 and number <= 2:
                row.append([[[str(field)]]])  # MSH-1 and MSH-2 as they are
            else:
                row.append(leaves(message, field, 3))
        segments.append(row)
    return segments


with open(sys.argv[1], encoding="utf-8", newline="") as corpus:
    for line in corpus.read().split("\n"):  # messages by line feed; their segments end with CR
        if line:
            print(json.dumps(read(line), ensure_ascii=False))
