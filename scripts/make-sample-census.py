#!/usr/bin/env python3
"""Writes scenarios/general-hospital-census.csv: a plausible midnight census of the general hospital on
2026-11-25, for the forecast example: the inpatients of every unit, and the admitted patients boarding in the
emergency department. Synthetic: no real patient. Deterministic (fixed seed).

Each unit is filled to a typical occupancy; each patient gets a pathway and attributes fitting the unit, an
admission some days ago (stays already under way follow the unit's usual length), a move to the unit after
admission where it is not the first unit, and a latest NEWS2."""
import csv
import random
from datetime import datetime, timedelta

random.seed(20261125)
CENSUS = datetime(2026, 11, 25, 23, 30)

# unit name, beds, occupancy, [(pathway, specialty, diagnosis, weight)], mean days in hospital so far, first unit?
UNITS = [
    ("AMU", 48, 0.94, [("emergency_medical", "general_medicine", "infection", 4), ("emergency_medical", "cardiology", "cardiac", 2),
                       ("frail_elderly", "geriatrics", "other", 3), ("emergency_medical", "respiratory", "respiratory", 2)], 0.8, True),
    ("SAU", 10, 0.90, [("emergency_surgical", "general_surgery", "gastrointestinal", 3), ("emergency_surgical", "urology", "other", 1)], 0.7, True),
    ("Ward 1 (respiratory)", 36, 0.95, [("emergency_medical", "respiratory", "respiratory", 1)], 6, False),
    ("Ward 2 (respiratory and general medicine)", 33, 0.94, [("emergency_medical", "respiratory", "respiratory", 1),
                                                             ("emergency_medical", "general_medicine", "infection", 1)], 6, False),
    ("Ward 3 (cardiology)", 32, 0.93, [("emergency_medical", "cardiology", "cardiac", 1)], 5, False),
    ("Ward 4 (cardiology and general medicine)", 31, 0.94, [("emergency_medical", "cardiology", "cardiac", 1),
                                                            ("emergency_medical", "general_medicine", "other", 1)], 5, False),
    ("Ward 5 (general medicine)", 32, 0.96, [("emergency_medical", "general_medicine", "infection", 2),
                                             ("emergency_medical", "other", "other", 1)], 6, False),
    ("Ward 6 (care of the elderly)", 34, 0.97, [("frail_elderly", "geriatrics", "other", 2), ("frail_elderly", "geriatrics", "injury", 1)], 9, False),
    ("Ward 7 (care of the elderly)", 34, 0.96, [("frail_elderly", "geriatrics", "infection", 1)], 9, False),
    ("Ward 8 (care of the elderly)", 26, 0.95, [("frail_elderly", "geriatrics", "other", 1)], 9, False),
    ("Stroke unit", 17, 0.92, [("stroke", "stroke_medicine", "stroke", 1)], 7, False),
    ("Ward 9 (general surgery and trauma)", 23, 0.93, [("emergency_surgical", "general_surgery", "gastrointestinal", 1),
                                                       ("emergency_surgical", "trauma_orthopaedics", "injury", 1)], 5, False),
    ("Ward 10 (surgery and urology)", 17, 0.90, [("emergency_surgical", "general_surgery", "gastrointestinal", 1),
                                                 ("emergency_surgical", "urology", "other", 1)], 4, False),
    ("Ward 11 (gynaecology)", 14, 0.80, [("emergency_surgical", "gynaecology", "other", 1)], 3, False),
    ("Ward 12 (elective orthopaedics)", 26, 0.75, [("elective_orthopaedic", "trauma_orthopaedics", "musculoskeletal", 1)], 2.5, False),
    ("Ward 13 (elective surgery)", 32, 0.78, [("elective_surgical", "general_surgery", "gastrointestinal", 2),
                                              ("elective_surgical", "urology", "cancer", 1), ("elective_surgical", "gynaecology", "other", 1)], 3, False),
    ("ICU", 9, 0.78, [("emergency_medical", "respiratory", "respiratory", 2), ("emergency_surgical", "general_surgery", "gastrointestinal", 1)], 5, False),
    ("HDU", 9, 0.78, [("emergency_surgical", "general_surgery", "gastrointestinal", 1), ("elective_surgical", "general_surgery", "cancer", 1),
                      ("emergency_medical", "cardiology", "cardiac", 1)], 4, False),
]

AGES = {"emergency_medical": (68, 17), "emergency_surgical": (58, 19), "elective_surgical": (62, 14),
        "elective_orthopaedic": (68, 11), "stroke": (74, 12), "frail_elderly": (85, 6)}


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


rows = []
number = 0
for name, beds, occupancy, mix, mean_days, first in UNITS:
    patients = round(beds * occupancy + random.uniform(-1.5, 1.5))
    for _ in range(max(0, min(patients, beds))):
        number += 1
        pathway, specialty, diagnosis, _ = random.choices(mix, weights=[m[3] for m in mix])[0]
        mu, sd = AGES[pathway]
        age = max(18, min(104, round(random.gauss(mu, sd))))
        elective = pathway.startswith("elective")
        in_unit = random.expovariate(1 / mean_days)
        before = 0 if first else (random.uniform(0.1, 0.3) if elective else random.uniform(0.3, 1.5))
        unit_since = CENSUS - timedelta(days=in_unit) - timedelta(minutes=random.randint(0, 600))
        admitted = unit_since - timedelta(days=before)
        news2 = random.choices(range(8), weights=[30, 22, 16, 11, 8, 6, 4, 3])[0]
        if name in ("ICU", "HDU"):
            news2 = random.randint(5, 11)
        observed = max(unit_since, CENSUS - timedelta(hours=random.uniform(0.5, 6)))
        frailty = min(9, max(1, round(random.gauss(6 if pathway == "frail_elderly" else 3.5, 1.3))))
        rows.append({
            "patient_id": f"P{number:05d}", "unit": name, "admitted_at": stamp(admitted),
            "unit_since": stamp(unit_since) if unit_since > admitted else "", "pathway": pathway,
            "admission_method": "elective" if elective else "emergency", "specialty": specialty,
            "diagnosis_group": diagnosis, "age": age, "sex": random.choice(["female", "male"]),
            "charlson_index": min(12, int(random.expovariate(1 / (2.5 if age > 75 else 1.2)))),
            "frailty_score": frailty, "deprivation_decile": random.randint(1, 10),
            "ed_visits_6m": min(12, int(random.expovariate(1 / 1.1))), "admissions_12m": min(8, int(random.expovariate(1 / 0.8))),
            "news2": news2, "news2_at": stamp(observed),
        })

# Admitted patients waiting in the emergency department for a bed at the census (the general hospital boards about
# 12 patients on average, more in the evening): arrived 2 to 14 hours before it.
BOARDERS = [("emergency_medical", "general_medicine", "infection")] * 5 + [("emergency_medical", "respiratory", "respiratory")] * 3 \
    + [("frail_elderly", "geriatrics", "other")] * 3 + [("emergency_surgical", "general_surgery", "gastrointestinal")] * 2 \
    + [("stroke", "stroke_medicine", "stroke")]
for pathway, specialty, diagnosis in BOARDERS:
    number += 1
    mu, sd = AGES[pathway]
    age = max(18, min(104, round(random.gauss(mu, sd))))
    arrived = CENSUS - timedelta(hours=random.uniform(2, 14))
    rows.append({
        "patient_id": f"P{number:05d}", "unit": "emergency_department", "admitted_at": stamp(arrived), "unit_since": "",
        "pathway": pathway, "admission_method": "emergency", "specialty": specialty, "diagnosis_group": diagnosis,
        "age": age, "sex": random.choice(["female", "male"]), "charlson_index": min(12, int(random.expovariate(1 / 2.0))),
        "frailty_score": min(9, max(1, round(random.gauss(6 if pathway == "frail_elderly" else 4, 1.3)))),
        "deprivation_decile": random.randint(1, 10), "ed_visits_6m": min(12, int(random.expovariate(1 / 1.5))),
        "admissions_12m": min(8, int(random.expovariate(1 / 1.0))), "news2": random.choices(range(8), weights=[20, 20, 18, 14, 10, 8, 6, 4])[0],
        "news2_at": stamp(max(arrived, CENSUS - timedelta(hours=random.uniform(0.5, 3)))),
    })

columns = ["patient_id", "unit", "admitted_at", "unit_since", "pathway", "admission_method", "specialty", "diagnosis_group",
           "age", "sex", "charlson_index", "frailty_score", "deprivation_decile", "ed_visits_6m", "admissions_12m", "news2",
           "news2_at"]
with open("scenarios/general-hospital-census.csv", "w", newline="") as out:
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
print(f"wrote scenarios/general-hospital-census.csv: {len(rows)} patients")
