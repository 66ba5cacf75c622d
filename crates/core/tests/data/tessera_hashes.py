"""Regenerates tessera_hashes.json: argon2id PHC strings with Tessera's default policy
(m=19456 KiB, t=2, p=1, 32-byte tag) and fixed salts, computed by argon2-cffi's low-level API
and checked with pwdlib and argon2-cffi. The Rust test recomputes each string with
`Policy::OWASP.hash_with_salt` and expects the same bytes.

Run: python3 crates/core/tests/data/tessera_hashes.py > crates/core/tests/data/tessera_hashes.json
"""
import json
import argon2
from argon2.low_level import Type, hash_secret
import pwdlib
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

cases = [("secret", "00112233445566778899aabbccddeeff"),
         ("secret2", "ffeeddccbbaa99887766554433221100"),
         (" pässwörd 🔑 ", "0f0e0d0c0b0a09080706050403020100"),
         ("x" * 1024, "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5")]
ph = argon2.PasswordHasher()
pwdlib_hash = PasswordHash((Argon2Hasher(),))
out = []
for pw, salt_hex in cases:
    phc = hash_secret(pw.encode(), bytes.fromhex(salt_hex), time_cost=2, memory_cost=19456,
                      parallelism=1, hash_len=32, type=Type.ID).decode()
    out.append({"password": pw, "salt_hex": salt_hex, "phc": phc,
                "argon2_cffi_verify": ph.verify(phc, pw),
                "pwdlib_verify": pwdlib_hash.verify(pw, phc)})
print(json.dumps({"source": "argon2-cffi %s low-level hash_secret (argon2id, m=19456, t=2, p=1, hash_len=32, fixed salts), "
                  "verified with argon2-cffi PasswordHasher.verify and pwdlib %s; regenerate with "
                  "python3 crates/core/tests/data/tessera_hashes.py" % (argon2.__version__, pwdlib.__version__),
                  "hashes": out}, indent=2, ensure_ascii=False))
