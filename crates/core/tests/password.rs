//! argon2id: the RFC 9106 vector, interop with Python's pwdlib and argon2-cffi, rehash
//! decisions and limits.

use tessera_core::password::{self, PasswordError, PhcHash, Policy};

use crate::vectors::data;

#[test]
fn rfc9106_argon2id_vector() {
    // Our hashing runs on the argon2 crate; pin that it computes the RFC 9106 §5.3 tag.
    let d = data("rfc9106_argon2id.json");
    let h = |k: &str| hex::decode(d[k].as_str().unwrap()).unwrap();
    let (pwd, salt, secret, ad) = (
        h("password_hex"),
        h("salt_hex"),
        h("secret_hex"),
        h("associated_data_hex"),
    );
    let params = argon2::Params::new(32, 3, 4, Some(32)).unwrap();
    let mut b = argon2::ParamsBuilder::new();
    b.m_cost(params.m_cost())
        .t_cost(3)
        .p_cost(4)
        .output_len(32)
        .data(argon2::AssociatedData::new(&ad).unwrap());
    let a = argon2::Argon2::new_with_secret(
        &secret,
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        b.build().unwrap(),
    )
    .unwrap();
    let mut out = [0u8; 32];
    a.hash_password_into(&pwd, &salt, &mut out).unwrap();
    assert_eq!(hex::encode(out), d["expected_tag_hex"].as_str().unwrap());
}

#[test]
fn python_hashes_verify_and_wrong_passwords_do_not() {
    let d = data("pwdlib_hashes.json");
    for h in d["hashes"].as_array().unwrap() {
        let phc = h["phc"].as_str().unwrap();
        let pw = h["password"].as_str().unwrap();
        assert_eq!(
            password::verify(phc, pw.as_bytes()),
            Ok(true),
            "{}",
            h["name"]
        );
        let parsed = PhcHash::parse(phc).unwrap();
        assert_eq!(parsed.m_cost, h["params"]["m"].as_u64().unwrap() as u32);
    }
    for w in d["wrong_passwords"].as_array().unwrap() {
        let r = password::verify(
            w["phc"].as_str().unwrap(),
            w["password"].as_str().unwrap().as_bytes(),
        );
        assert_eq!(r, Ok(false), "{}", w["why"]);
    }
}

#[test]
fn tessera_hashes_verified_by_python() {
    // Hashes made by `Policy::hash_with_salt`, checked with pwdlib and argon2-cffi when the
    // data file was generated (their verdicts are recorded there).
    let d = data("tessera_hashes.json");
    for h in d["hashes"].as_array().unwrap() {
        let pw = h["password"].as_str().unwrap();
        let salt: [u8; 16] = hex::decode(h["salt_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let ours = Policy::OWASP.hash_with_salt(pw.as_bytes(), &salt).unwrap();
        assert_eq!(
            ours,
            h["phc"].as_str().unwrap(),
            "deterministic for a given salt"
        );
        assert_eq!(h["pwdlib_verify"], true);
        assert_eq!(h["argon2_cffi_verify"], true);
    }
}

#[test]
fn argon2_cffi_short_tags_and_long_salts_verify() {
    // argon2 takes tags from 4 bytes and salts from 8 (no upper bound below our 64), and so do
    // other libraries: argon2-cffi 25.1.0,
    // `PasswordHasher(hash_len=…, salt_len=…, memory_cost=64, time_cost=1, parallelism=1).hash("pw")`.
    for (tag, salt, phc) in [
        (
            4,
            16,
            "$argon2id$v=19$m=64,t=1,p=1$W9YfDlzs5ZPqaVa2HGQjOw$u39JmQ",
        ),
        (
            9,
            16,
            "$argon2id$v=19$m=64,t=1,p=1$IfFFAMYH7S1NIAwaeSzdDQ$yQG1Ql0m0po0",
        ),
        (
            32,
            49,
            "$argon2id$v=19$m=64,t=1,p=1$Q0f24WE1+M3S7nq4z52AxvTxG+/bS+NU4QhdqmNnRz1LOxiMvab5h+59mO+/Tqj5lA$zAFoib4TN03nWTcGTEjQCGsB06XctzkTtr4sibRbe8Q",
        ),
        (
            32,
            64,
            "$argon2id$v=19$m=64,t=1,p=1$TbPZDFCkuzmfz8o0N7lMMVzZrzRY6IWghT6ewpYFgVRkb8ys4acQrT4QGFIKT2MoeJ/OH394nEz87/MH0S5JWQ$Z2Y8a9gz1xqA21voRM190YdD+9bbLOAIHokBUtu2Az4",
        ),
    ] {
        let parsed = PhcHash::parse(phc).unwrap();
        assert_eq!(parsed.salt().len(), salt, "{phc}");
        assert_eq!(
            password::verify(phc, b"pw"),
            Ok(true),
            "{tag}-byte tag: {phc}"
        );
        assert_eq!(password::verify(phc, b"pW"), Ok(false), "{phc}");
    }
}

#[test]
fn needs_rehash_when_weaker_than_policy() {
    let owasp = Policy::OWASP;
    let weak = owasp.hash_with_salt(b"pw", &[1; 16]);
    let weak_policy = Policy {
        m_cost: 1024,
        t_cost: 1,
        ..Policy::OWASP
    };
    let weak_hash = weak_policy.hash_with_salt(b"pw", &[1; 16]).unwrap();
    assert!(owasp.needs_rehash(&PhcHash::parse(&weak_hash).unwrap()));
    assert!(!owasp.needs_rehash(&PhcHash::parse(&weak.unwrap()).unwrap()));
    let d = data("pwdlib_hashes.json");
    for h in d["hashes"].as_array().unwrap() {
        let parsed = PhcHash::parse(h["phc"].as_str().unwrap()).unwrap();
        let expect = h["variant"] != "argon2id"
            || h["params"]["m"].as_u64().unwrap() < 19456
            || h["params"]["t"].as_u64().unwrap() < 2;
        assert_eq!(owasp.needs_rehash(&parsed), expect, "{}", h["name"]);
    }
}

#[test]
fn limits_and_no_trimming() {
    let p = Policy {
        m_cost: 64,
        t_cost: 1,
        ..Policy::OWASP
    };
    let long = vec![b'a'; 1025];
    assert_eq!(
        p.hash_with_salt(&long, &[2; 16]),
        Err(PasswordError::TooLong)
    );
    let ok = vec![b'a'; 1024];
    assert!(p.hash_with_salt(&ok, &[2; 16]).is_ok());
    let phc = p
        .hash_with_salt(" pässwörd 🔑 ".as_bytes(), &[3; 16])
        .unwrap();
    assert_eq!(password::verify(&phc, " pässwörd 🔑 ".as_bytes()), Ok(true));
    assert_eq!(password::verify(&phc, "pässwörd 🔑".as_bytes()), Ok(false));
    assert_eq!(
        password::verify(&phc, " PÄSSWÖRD 🔑 ".as_bytes()),
        Ok(false)
    );
}

#[test]
fn no_allocator_path_matches() {
    let p = Policy {
        m_cost: 64,
        t_cost: 1,
        ..Policy::OWASP
    };
    let mut blocks = vec![argon2::Block::default(); p.block_count()];
    let mut out = [0u8; 160];
    let phc = p
        .hash_with_memory(b"secret", &[9; 16], &mut blocks, &mut out)
        .unwrap()
        .to_string();
    assert_eq!(phc, p.hash_with_salt(b"secret", &[9; 16]).unwrap());
    let parsed = PhcHash::parse(&phc).unwrap();
    assert_eq!(parsed.verify_with_memory(b"secret", &mut blocks), Ok(true));
    assert_eq!(parsed.verify_with_memory(b"Secret", &mut blocks), Ok(false));
    let mut too_few = vec![argon2::Block::default(); 8];
    assert_eq!(
        parsed.verify_with_memory(b"secret", &mut too_few),
        Err(PasswordError::Hashing)
    );
}

#[test]
fn debug_output_has_no_secret() {
    let phc = "$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc";
    let dbg = format!("{:?}", PhcHash::parse(phc).unwrap());
    assert!(
        !dbg.contains("CYaIb8sB") && !dbg.contains("wagCPX"),
        "{dbg}"
    );
}
