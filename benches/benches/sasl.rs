//! SASL decoding: `portcullis-sasl` against **rsasl 2.3** (a server session
//! whose validation callback reads the same fields) and a **naive** split
//! (NUL or 0x01 separators plus a UTF-8 check), in the same run. OAUTHBEARER
//! has a second naive peer, `naive_str_split` (one UTF-8 check of the whole
//! message, then `str::split`), reported on its own line.
//!
//! ```sh
//! cargo bench -p portcullis-benches --bench sasl -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_sasl::framing::imap;
use portcullis_sasl::oauthbearer::OAuthBearerMessage;
use portcullis_sasl::plain::PlainMessage;
use portcullis_sasl::{Limits, MechanismPolicy, ServerExchange, Step, Transport};
use rsasl::callback::{Context, Request, SessionCallback, SessionData};
use rsasl::mechanisms::oauthbearer::properties::OAuthBearerValidate;
use rsasl::mechname::Mechname;
use rsasl::prelude::{SASLConfig, SASLServer, SessionError};
use rsasl::property::{AuthId, AuthzId, OAuthBearerKV, OAuthBearerToken, Password};
use rsasl::validate::{Validate, Validation, ValidationError};

const PLAIN: &[u8] = b"\0alice@example.org\0correct horse battery staple";

fn oauthbearer_message() -> Vec<u8> {
    let token = "A".repeat(200);
    format!(
        "n,a=alice@example.org,\x01host=imap.example.org\x01port=993\x01auth=Bearer {token}\x01\x01"
    )
    .into_bytes()
}

// --- the naive peer -------------------------------------------------------

fn naive_plain(msg: &[u8]) -> Option<(&str, &str, &str)> {
    let mut parts = msg.split(|&b| b == 0);
    let authzid = std::str::from_utf8(parts.next()?).ok()?;
    let authcid = std::str::from_utf8(parts.next()?).ok()?;
    let password = std::str::from_utf8(parts.next()?).ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((authzid, authcid, password))
}

fn naive_oauthbearer(msg: &[u8]) -> Option<(&str, &str)> {
    let mut parts = msg.split(|&b| b == 1);
    let gs2 = std::str::from_utf8(parts.next()?).ok()?;
    let mut token = None;
    for part in parts {
        let part = std::str::from_utf8(part).ok()?;
        if let Some(t) = part.strip_prefix("auth=Bearer ") {
            token = Some(t);
        }
    }
    Some((gs2, token?))
}

/// A second naive peer for OAUTHBEARER, as idiomatic Rust might first write
/// it: one UTF-8 check of the whole message, then `str::split` on 0x01
/// (which searches with the standard library's word-at-a-time `memchr`
/// instead of testing byte by byte).
fn naive_str_split_oauthbearer(msg: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(msg).ok()?;
    let mut parts = text.split('\u{1}');
    let gs2 = parts.next()?;
    let mut token = None;
    for part in parts {
        if let Some(t) = part.strip_prefix("auth=Bearer ") {
            token = Some(t);
        }
    }
    Some((gs2, token?))
}

// --- the rsasl peer -------------------------------------------------------

struct Fields;
impl Validation for Fields {
    type Value = usize;
}

struct Callback;

impl SessionCallback for Callback {
    fn callback(
        &self,
        _: &SessionData,
        _: &Context<'_>,
        request: &mut Request<'_>,
    ) -> Result<(), SessionError> {
        if request.is::<OAuthBearerValidate>() {
            request.satisfy::<OAuthBearerValidate>(&Ok(()))?;
        }
        Ok(())
    }

    fn validate(
        &self,
        session: &SessionData,
        context: &Context<'_>,
        validate: &mut Validate<'_>,
    ) -> Result<(), ValidationError> {
        // The same work portcullis does: hand over every field, host and port typed.
        let mechanism = session.mechanism().mechanism.as_str();
        validate.with::<Fields, _>(|| {
            let authzid = context.get_ref::<AuthzId>().map_or(0, str::len);
            Ok(if mechanism == "PLAIN" {
                let authcid = context.get_ref::<AuthId>().map_or(0, str::len);
                let password = context.get_ref::<Password>().map_or(0, <[u8]>::len);
                authzid + authcid + password
            } else {
                let token = context.get_ref::<OAuthBearerToken>().map_or(0, str::len);
                let mut extra = 0;
                for (k, v) in context.get_ref::<OAuthBearerKV>().unwrap_or_default() {
                    match *k {
                        "host" => extra += v.len(),
                        "port" => extra += usize::from(v.parse::<u16>().unwrap_or(0)),
                        _ => {}
                    }
                }
                authzid + token + extra
            })
        })?;
        Ok(())
    }
}

fn rsasl_config() -> Arc<SASLConfig> {
    SASLConfig::builder()
        .with_defaults()
        .with_callback(Callback)
        .unwrap()
}

fn rsasl_step(config: &Arc<SASLConfig>, mech: &Mechname, msg: &[u8]) -> Option<usize> {
    let mut session = SASLServer::<Fields>::new(config.clone())
        .start_suggested(mech)
        .unwrap();
    let mut out = Cursor::new(Vec::new());
    session.step(Some(msg), &mut out).ok()?;
    session.validation()
}

// --- interleaved ratios ---------------------------------------------------

/// Median over `rounds` of (time of `batch` calls of `peer`) ÷ (time of
/// `batch` calls of `ours`), the two alternating within each round so that
/// load changes on a shared machine hit both sides alike.
fn interleaved(rounds: usize, batch: u32, mut ours: impl FnMut(), mut peer: impl FnMut()) -> f64 {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let t_ours = time(&mut ours);
                time(&mut peer) / t_ours
            } else {
                let t_peer = time(&mut peer);
                t_peer / time(&mut ours)
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn report(group: &str, peer: &str, ratio: f64) {
    eprintln!("{group}: {peer} / portcullis = {ratio:.3} (median of 101 interleaved rounds)");
}

// --- groups ---------------------------------------------------------------

fn plain(c: &mut Criterion) {
    let limits = Limits::default();
    let config = rsasl_config();
    let mech = Mechname::parse(b"PLAIN").unwrap();
    assert!(PlainMessage::decode(PLAIN, &limits).is_ok());
    assert!(naive_plain(PLAIN).is_some());
    assert_eq!(rsasl_step(&config, mech, PLAIN), Some(PLAIN.len() - 2));
    let ours = || {
        black_box(
            PlainMessage::decode(black_box(PLAIN), &limits)
                .map(|m| m.authcid().len())
                .ok(),
        );
    };
    let naive = || {
        black_box(naive_plain(black_box(PLAIN)).map(|m| m.1.len()));
    };
    let peer = || {
        black_box(rsasl_step(&config, mech, black_box(PLAIN)));
    };
    report(
        "sasl_plain_decode",
        "naive_split",
        interleaved(101, 2000, ours, naive),
    );
    report(
        "sasl_plain_decode",
        "rsasl",
        interleaved(101, 500, ours, peer),
    );
    let mut g = c.benchmark_group("sasl_plain_decode");
    g.bench_function("portcullis", |b| {
        b.iter(|| PlainMessage::decode(black_box(PLAIN), &limits).map(|m| m.authcid().len()))
    });
    g.bench_function("naive_split", |b| {
        b.iter(|| naive_plain(black_box(PLAIN)).map(|m| m.1.len()))
    });
    g.bench_function("rsasl", |b| {
        b.iter(|| rsasl_step(&config, mech, black_box(PLAIN)))
    });
    g.finish();
}

fn oauthbearer(c: &mut Criterion) {
    let limits = Limits::default();
    let config = rsasl_config();
    let mech = Mechname::parse(b"OAUTHBEARER").unwrap();
    let msg = oauthbearer_message();
    assert_eq!(
        OAuthBearerMessage::decode(&msg, &limits)
            .unwrap()
            .token()
            .len(),
        200
    );
    assert!(naive_oauthbearer(&msg).is_some());
    assert_eq!(naive_str_split_oauthbearer(&msg), naive_oauthbearer(&msg));
    assert!(rsasl_step(&config, mech, &msg).is_some());
    let ours = || {
        black_box(
            OAuthBearerMessage::decode(black_box(&msg), &limits)
                .map(|m| m.token().len())
                .ok(),
        );
    };
    let naive = || {
        black_box(naive_oauthbearer(black_box(&msg)).map(|m| m.1.len()));
    };
    let naive_str = || {
        black_box(naive_str_split_oauthbearer(black_box(&msg)).map(|m| m.1.len()));
    };
    let peer = || {
        black_box(rsasl_step(&config, mech, black_box(&msg)));
    };
    let group = "sasl_oauthbearer_decode_200b_token";
    report(group, "naive_split", interleaved(101, 1000, ours, naive));
    report(
        group,
        "naive_str_split",
        interleaved(101, 1000, ours, naive_str),
    );
    report(group, "rsasl", interleaved(101, 500, ours, peer));
    let mut g = c.benchmark_group(group);
    g.bench_function("portcullis", |b| {
        b.iter(|| OAuthBearerMessage::decode(black_box(&msg), &limits).map(|m| m.token().len()))
    });
    g.bench_function("naive_split", |b| {
        b.iter(|| naive_oauthbearer(black_box(&msg)).map(|m| m.1.len()))
    });
    g.bench_function("naive_str_split", |b| {
        b.iter(|| naive_str_split_oauthbearer(black_box(&msg)).map(|m| m.1.len()))
    });
    g.bench_function("rsasl", |b| {
        b.iter(|| rsasl_step(&config, mech, black_box(&msg)))
    });
    g.finish();
}

fn imap_line(c: &mut Criterion) {
    let policy = MechanismPolicy::new();
    let limits = *policy.limits();
    let config = rsasl_config();
    let plain = Mechname::parse(b"PLAIN").unwrap();
    let line = format!("a001 AUTHENTICATE PLAIN {}\r\n", STANDARD.encode(PLAIN)).into_bytes();
    let mut buf = Vec::with_capacity(256);
    let mut buf2 = Vec::with_capacity(256);
    let mut borrowed = || {
        let cmd = imap::parse_authenticate(black_box(&line), &limits).unwrap();
        let data = cmd.decode_initial(&limits, &mut buf).unwrap().unwrap();
        black_box(
            PlainMessage::decode(data, &limits)
                .map(|m| m.authcid().len())
                .ok(),
        );
    };
    let mut owned = || {
        let cmd = imap::parse_authenticate(black_box(&line), &limits).unwrap();
        let data = cmd.decode_initial(&limits, &mut buf2).unwrap();
        let (_, step) =
            ServerExchange::start(cmd.mechanism(), data, &policy, Transport::TLS).unwrap();
        black_box(matches!(step, Step::Done(_)));
    };
    let mut naive = || {
        let line = black_box(&line[..]);
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let mut words = line.split(|&b| b == b' ');
        let (_tag, _cmd, _mech) = (words.next(), words.next(), words.next());
        let decoded = STANDARD.decode(words.next().unwrap()).unwrap();
        black_box(naive_plain(&decoded).map(|m| m.1.len()));
    };
    let mut peer = || {
        let line = black_box(&line[..]);
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let mut words = line.split(|&b| b == b' ');
        let (_tag, _cmd, name) = (words.next(), words.next(), words.next().unwrap());
        let decoded = STANDARD.decode(words.next().unwrap()).unwrap();
        let mech = Mechname::parse(name).unwrap_or(plain);
        black_box(rsasl_step(&config, mech, &decoded));
    };
    let group = "sasl_imap_authenticate_plain_line";
    report(
        group,
        "naive_split",
        interleaved(101, 1000, &mut borrowed, &mut naive),
    );
    report(
        group,
        "rsasl",
        interleaved(101, 500, &mut borrowed, &mut peer),
    );
    report(
        &format!("{group} (owned exchange)"),
        "naive_split",
        interleaved(101, 1000, &mut owned, &mut naive),
    );
    report(
        &format!("{group} (owned exchange)"),
        "rsasl",
        interleaved(101, 500, &mut owned, &mut peer),
    );
    let mut g = c.benchmark_group(group);
    g.bench_function("portcullis_borrowed", |b| b.iter(&mut borrowed));
    g.bench_function("portcullis_exchange_owned", |b| b.iter(&mut owned));
    g.bench_function("naive_split", |b| b.iter(&mut naive));
    g.bench_function("rsasl", |b| b.iter(&mut peer));
    g.finish();
}

criterion_group!(benches, plain, oauthbearer, imap_line);
criterion_main!(benches);
