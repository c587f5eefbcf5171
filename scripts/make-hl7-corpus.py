#!/usr/bin/env python3
"""Writes Tests/Fixtures/hl7/corpus.hl7: 240 synthetic HL7 v2 messages (ADT of every event the feed reads, ORU^R01
observations, unknown Z-segments), one message per line with its segments ended by CR, for checking the Swift parser
against the python `hl7` package (scripts/hl7-oracle.py). Deterministic (seeded). Every name and number is made up.

Each message mixes what real feeds send: repetitions (several identifiers in PID-3), empty and trailing fields,
components and subcomponents, text with every delimiter escaped (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\), hex escapes of
ASCII bytes, line breaks (\\.br\\) and highlighting (\\H\\ \\N\\), non-ASCII letters, and, in one message in eight,
delimiters other than |^~\\& declared in MSH-1 and MSH-2.
"""
import random

random.seed(20261203)
EVENTS = ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A11", "A12", "A13", "A21", "A22", "A40"]
GIVEN = ["Mary", "John", "Zoë", "José", "Siobhán", "Ali", "Wei", "Ayşe", "Ólafur", "Anne-Marie"]
FAMILY = ["O'Brien", "Smith", "Nguyen", "Müller", "Okafor", "Kowalski", "Patel", "García", "Ó Súilleabháin"]
WORDS = ["bed", "ward", "review", "NEWS2", "sepsis", "chest pain", "falls", "café", "naïve", "50%", "#1", "a/b"]
WARDS = ["AMU", "SAU", "WD01", "WD02", "WD07", "ICU", "HDU", "STRK", "ED"]


def nhs_number():
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def timestamp():
    t = "2026%02d%02d%02d%02d" % (random.randint(1, 12), random.randint(1, 28), random.randint(0, 23), random.randint(0, 59))
    return t + random.choice(["", "%02d" % random.randint(0, 59), "00+0000", "00+0100"])


def text(delims):
    field, component, repetition, escape, sub = delims
    pieces = []
    for _ in range(random.randint(1, 4)):
        kind = random.random()
        if kind < 0.5:
            pieces.append(random.choice(WORDS))
        elif kind < 0.7:
            pieces.append(escape + random.choice("FSTRE") + escape)  # a delimiter as text
        elif kind < 0.8:
            pieces.append(escape + "X" + "".join("%02X" % random.randint(0x20, 0x7E) for _ in range(random.randint(1, 3))) + escape)
        elif kind < 0.9:
            pieces.append(escape + ".br" + escape)
        else:
            pieces.append(escape + "H" + escape + random.choice(WORDS) + escape + "N" + escape)
    return " ".join(pieces)


def message(n):
    delims = "|^~\\&" if random.random() < 7 / 8 else random.choice(["#$*@%", "|^~\\&", "!:;?+"])
    field, component, repetition, escape, sub = delims
    c, r, s = component, repetition, sub

    def seg(name, *fields):
        return field.join([name] + list(fields))

    oru = n % 6 == 5
    event = "R01" if oru else random.choice(EVENTS)
    kind = "ORU" if oru else "ADT"
    msh = "MSH" + field + delims[1:] + field + field.join([
        "PAS", "RXX01", "TWIN", "RXX01", timestamp(), "", c.join([kind, event, kind + "_" + event]), "MSG%05d" % n, "P",
        "2.5.1", "", "", random.choice(["AL", "NE", ""]), random.choice(["NE", ""]), "", random.choice(["UNICODE UTF-8", ""])])
    segments = [msh]
    segments.append(seg("EVN", event, timestamp(), "", "", c.join(["U%03d" % random.randint(1, 99), random.choice(FAMILY),
                                                                     random.choice(GIVEN)]), random.choice(["", timestamp()])))
    ids = [c.join(["D%06d" % random.randint(0, 999999), "", "", "RXX01", "MR"])]
    if random.random() < 0.8:
        ids.append(c.join([nhs_number(), "", "", "NHS", "NH"]))
    random.shuffle(ids)
    name = c.join([random.choice(FAMILY), random.choice(GIVEN), random.choice(["", "Anne"]), "", random.choice(["Mrs", "Mr", ""])])
    segments.append(seg("PID", "1", "", r.join(ids), "", name, "", "19%02d%02d%02d" % (random.randint(20, 99),
                        random.randint(1, 12), random.randint(1, 28)), random.choice("MFUO"),
                        *([""] * random.randint(0, 3))))
    if event == "A40":
        segments.append(seg("MRG", c.join(["D%06d" % random.randint(0, 999999), "", "", "RXX01", "MR"])))
    point = c.join([random.choice(WARDS), "Bay %d" % random.randint(1, 6), random.choice(["Bed %02d" % random.randint(1, 30), ""]), "RXX01"])
    segments.append(seg("PV1", "1", random.choice("IEO"), point, "", "", "",
                        c.join(["C%04d" % random.randint(0, 9999), random.choice(FAMILY), random.choice(GIVEN)]),
                        "", "", s.join(["sub", "component"]) if random.random() < 0.3 else ""))
    if oru:
        for code, name_, unit, value in [("9279-1", "Respiratory rate", "/min", random.randint(8, 30)),
                                         ("8867-4", "Heart rate", "/min", random.randint(40, 140)),
                                         ("8310-5", "Body temperature", "Cel", round(random.uniform(35, 40), 1))]:
            segments.append(seg("OBX", "1", "NM", c.join([code, name_, "LN"]), "", str(value), unit, "", "", "", "", "F", "",
                                "", timestamp()))
    for _ in range(random.randint(0, 2)):
        segments.append(seg("NTE", "1", "", text(delims), *([""] * random.randint(0, 2))))
    if random.random() < 0.3:
        segments.append(seg("ZXY", c.join(["local", text(delims)]), r.join(["one", "two", ""])))
    return "\r".join(segments) + "\r"


with open("Tests/Fixtures/hl7/corpus.hl7", "w", encoding="utf-8", newline="") as out:
    for n in range(240):
        out.write(message(n) + "\n")
print("wrote Tests/Fixtures/hl7/corpus.hl7: 240 messages")
