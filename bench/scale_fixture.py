"""Writes the fixture of the scale section of bench/run.sh: one organization
whose default account holds N users, the first of them its org-admin (with
the given secrets), for `localelements --seed`. Written as it is generated,
so it takes little memory at any N. No passwords: the server makes them
(and hashes them cheaply under --fast-password-hashing). Every user of a
default account holds the role `org`.

Value spread, per n in 0..N: firstName one of 5,000; lastName `L<n>`
(unique); email `u<n>@scale.test`; city one of 1,000 (`Oslo` among them);
country one of 200; stateProvince one of 500; postalCode one of 10,000;
phone unique; street1 unique; street2 on one user in ten; createdDate (and
so the first lastLoginDate) over 3,000 days; a fifth inactive.

Usage: scale_fixture.py N ORG_SECRET USER_SECRET > fixture.json
"""
import datetime
import json
import sys

n, org_secret, user_secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = sys.stdout
start = datetime.date(2015, 1, 1)
days = [(start + datetime.timedelta(days=d)).isoformat() for d in range(3000)]
out.write('{"organizations": [{"name": "Scale", "secret": %s, "accounts": '
          '[{"name": "Company Default Account", "default": true, "users": [' % json.dumps(org_secret))
for i in range(n):
    user = {
        "firstName": f"First{(i * 7919) % 5000}",
        "lastName": f"L{i}",
        "email": f"u{i}@scale.test",
        "active": i % 5 != 4,
        "createdDate": days[i % 3000],
        "city": "Oslo" if i % 1000 == 0 else f"City{i % 1000}",
        "country": f"Country{i % 200}",
        "phone": f"+47 {10000000 + i}",
        "postalCode": f"{(i * 31) % 10000:05d}",
        "stateProvince": f"State{i % 500}",
        "street1": f"{i} Main Street",
    }
    if i % 10 == 0:
        user["street2"] = f"Floor {i % 40}"
    if i == 0:
        user["roles"] = ["org-admin"]
        user["secret"] = user_secret
    if i:
        out.write(",")
    out.write(json.dumps(user, separators=(",", ":")))
out.write("]}]}]}")
