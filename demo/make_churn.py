"""Writes demo/churn.csv: 600 synthetic telecom customers with a learnable churn label.

Deterministic (fixed seed, standard library only), so running it again gives the same file:
    python3 demo/make_churn.py > demo/churn.csv

Relationships built in (what a model should find):
- month-to-month contracts churn far more than one- or two-year contracts;
- churn falls with tenure (long-standing customers stay);
- fiber customers pay more and churn more; electronic-check payers churn more;
- every support call raises the risk; high monthly charges raise it a little.
About 1% of payment_method values are missing, as in real exports.
"""
import math
import random
import sys

ROWS = 600
rng = random.Random(20240601)

CONTRACTS = [("month-to-month", 0.55), ("one_year", 0.25), ("two_year", 0.20)]
INTERNET = [("fiber_optic", 0.45), ("dsl", 0.35), ("no_internet", 0.20)]
PAYMENT = [("electronic_check", 0.34), ("mailed_check", 0.22), ("bank_transfer", 0.22), ("credit_card", 0.22)]


def pick(options):
    r = rng.random()
    total = 0.0
    for value, weight in options:
        total += weight
        if r < total:
            return value
    return options[-1][0]


def poisson(mean):
    # Knuth's method: fine for small means.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


out = sys.stdout
out.write("customer_id,tenure,monthly_charges,contract,internet_service,payment_method,support_calls,churn\n")
for i in range(1, ROWS + 1):
    contract = pick(CONTRACTS)
    internet = pick(INTERNET)
    payment = pick(PAYMENT)
    # Longer contracts go with longer tenure.
    base_tenure = {"month-to-month": 14, "one_year": 32, "two_year": 50}[contract]
    tenure = max(1, min(72, int(rng.gauss(base_tenure, 14))))
    base_charge = {"fiber_optic": 88.0, "dsl": 56.0, "no_internet": 24.0}[internet]
    monthly = round(max(18.25, rng.gauss(base_charge, 4.0 if internet == "no_internet" else 9.0)), 2)
    support_calls = min(9, poisson(1.2 + (0.8 if internet == "fiber_optic" else 0.0)))

    logit = -2.35
    logit += {"month-to-month": 1.35, "one_year": -0.45, "two_year": -1.6}[contract]
    logit += -0.045 * (tenure - 24)
    logit += 0.55 if internet == "fiber_optic" else (-0.6 if internet == "no_internet" else 0.0)
    logit += 0.5 if payment == "electronic_check" else 0.0
    logit += 0.38 * support_calls
    logit += 0.012 * (monthly - 60)
    churn = "yes" if rng.random() < 1 / (1 + math.exp(-logit)) else "no"

    if rng.random() < 0.01:
        payment = ""
    out.write(f"C{i:04d},{tenure},{monthly:.2f},{contract},{internet},{payment},{support_calls},{churn}\n")
