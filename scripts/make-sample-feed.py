#!/usr/bin/env python3
"""Writes a synthetic HL7 v2 feed of the general hospital's two weeks before
1 June 2026 (00:00, London), as its patient administration system would send it — ED arrivals (A04), admissions
(A01), moves between units (A02), discharges (A03), elective admissions straight to the elective wards, a few
observation messages (ORU^R01) — with the point-of-care codes of the scenario's `locations:`. One message per line,
segments ended by CR. Deterministic (seeded); every name and number is made up (the NHS numbers pass the modulus-11
check but were drawn at random). For the demo's live section: hospital-twin ingest, then census, then forecast.
   python3 scripts/make-sample-feed.py OUT.hl7
"""
import datetime
import random
import sys

random.seed(20260601)
START = datetime.datetime(2026, 5, 18, 0, 0)
CENSUS = datetime.datetime(2026, 6, 1, 0, 0)
MEDICAL = ["WD01", "WD02", "WD03", "WD04", "WD05"]
ELDERLY = ["WD06", "WD07", "WD08"]
SURGICAL = ["WD09", "WD10", "WD11"]
messages = []


def nhs_number():
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def stamp(t):
    return t.strftime("%Y%m%d%H%M")  # local time: no offset, the scenario's time zone reads it


def send(t, event, patient, location, admission="E", extra=""):
    control = "SF%06d" % len(messages)
    kind = "ORU^R01^ORU_R01" if event == "R01" else "ADT^%s^ADT_%s" % (event, event)
    text = "\r".join([
        "MSH|^~\\&|PAS|RXX01|TWIN|RXX01|%s||%s|%s|P|2.5.1" % (stamp(t), kind, control),
        "EVN|%s|%s|||||%s" % (event, stamp(t), stamp(t)),
        "PID|1||%s^^^RXX01^MR~%s^^^NHS^NH||Sample^Patient||%s|%s" % (patient["mrn"], patient["nhs"], patient["birth"], patient["sex"]),
        "PV1|1|%s|%s^^^RXX01|%s" % ("E" if location == "ED" else "I", location, admission),
    ]) + "\r" + extra
    messages.append((t, text))


def patient(n, age_low, age_high):
    birth = datetime.date(2026 - random.randint(age_low, age_high), random.randint(1, 12), random.randint(1, 28))
    return {"mrn": "D%06d" % n, "nhs": nhs_number(), "birth": birth.strftime("%Y%m%d"), "sex": random.choice("FM")}


n = 0
t = START
while t < CENSUS:
    t += datetime.timedelta(minutes=random.expovariate(265 / 1440))
    n += 1
    p = patient(n, 18, 95)
    send(t, "A04", p, "ED")
    if random.random() > 0.2:  # sent home from the ED
        send(t + datetime.timedelta(minutes=random.lognormvariate(5.2, 0.5)), "A03", p, "ED")
        continue
    admitted = t + datetime.timedelta(minutes=random.lognormvariate(5.5, 0.5))
    old = int(p["birth"][:4]) <= 1950
    surgical = random.random() < 0.25
    send(admitted, "A01", p, "SAU" if surgical else "AMU")
    moved = admitted + datetime.timedelta(hours=random.lognormvariate(2.6, 0.5))
    ward = random.choice(SURGICAL if surgical else ELDERLY if old else MEDICAL)
    stay = random.lognormvariate(1.5, 0.8)
    if random.random() < 0.7:
        send(moved, "A02", p, ward)
    else:  # home from the assessment unit within a day or so
        ward = "SAU" if surgical else "AMU"
        stay = random.lognormvariate(-0.7, 0.5)
    obx = lambda code, value, unit: "OBX|1|NM|%s^^LN||%s|%s|||||F|||%s\r" % (code, value, unit, stamp(moved))
    send(moved, "R01", p, ward, extra=obx("9279-1", random.randint(12, 24), "/min") + obx("59408-5", random.randint(92, 99), "%")
         + obx("3150-0", 21, "%") + obx("8480-6", random.randint(95, 150), "mm[Hg]") + obx("8867-4", random.randint(60, 115), "/min")
         + "OBX|1|ST|67775-7^^LN||A||||||F|||%s\r" % stamp(moved) + obx("8310-5", round(random.uniform(36.2, 38.4), 1), "Cel"))
    send(moved + datetime.timedelta(days=stay), "A03", p, ward)

for day in range(14):  # elective admissions on weekdays, straight to the elective wards
    date = START + datetime.timedelta(days=day)
    if date.weekday() >= 5:
        continue
    for ward, count, days in [("WD12", 9, 3.5), ("WD13", 14, 2.0)]:
        for _ in range(count):
            n += 1
            p = patient(n, 30, 85)
            admitted = date + datetime.timedelta(hours=7, minutes=random.randint(0, 90))
            send(admitted, "A01", p, ward, admission="L")
            send(admitted + datetime.timedelta(days=random.lognormvariate(0.7, 0.5) * days / 2), "A03", p, ward, admission="L")

messages = sorted((m for m in messages if m[0] < CENSUS), key=lambda m: m[0])
path = sys.argv[1] if len(sys.argv) > 1 else "general-hospital-feed.hl7"
with open(path, "w", encoding="utf-8", newline="") as out:
    for _, text in messages:
        out.write(text + "\n")
print("wrote %s: %d messages over the two weeks before 1 June 2026" % (path, len(messages)))
