// Ask the deployment for an action: POST ENDPOINT/get_action.
// Save as main.rs; then: cargo init && cargo add ureq@3 serde_json@1 base64@0.22 && cargo run -q

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use std::time::Duration;

const ENDPOINT: &str = "https://arena.example.com/deployments/cartpole-ppo";
const API_KEY: &str = "••••••••0000";

// Arrays travel as base64 .npy with a leading batch axis of 1: np.save's header, then
// the values' bytes. A header is fixed by the dtype and shape, so it is written here.
const NPY_FLOAT32_1X4: &str = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=";

// A header and the values ([0.5f32, ...], vec![0i64; n]) as one base64 .npy; bools as u8 0 or 1.
macro_rules! npy {
    ($header:expr, $values:expr) => {{
        let mut data = STANDARD.decode($header).unwrap();
        data.extend($values.iter().flat_map(|value| value.to_le_bytes()));
        json!(STANDARD.encode(data))
    }};
}

fn main() {
    let obs = npy!(NPY_FLOAT32_1X4, [0.0f32; 4]);
    let body = json!({"obs": obs, "batch_size": 1});
    let answer = post("get_action", &body);
    println!("action: {}", from_npy(&answer["action"]));
}

// An array the deployment sent back (.npy 1.0 to 3.0): its shape without the batch axis, and values.
fn from_npy(wire: &Value) -> Value {
    let wire = wire.as_str().unwrap_or("");
    let data = STANDARD.decode(wire).unwrap_or_default();
    // The header is text up to the first newline after the 8 to 12 bytes of magic and size.
    let end = 12 + data.iter().skip(12).position(|&b| b == b'\n').unwrap_or(0);
    let (text, body) = data.split_at((end + 1).min(data.len()));
    let text = String::from_utf8_lossy(text);
    let field = |name: &str, end: char| text.split(name).nth(1)?.split(end).next();
    let descr = field("'descr': '", '\'').unwrap_or("");
    if descr.starts_with('>') {
        fail(format!("big-endian .npy ({descr}): send little-endian"));
    } else if field("'fortran_order': ", ',') != Some("False") {
        fail("an .npy array in Fortran order: send it in C order");
    }
    let dims = field("'shape': (", ')').unwrap_or("").split(',');
    let shape: Vec<usize> = dims.filter_map(|n| n.trim().parse().ok()).skip(1).collect();
    let values = match descr {
        "<f4" => read(body, f32::from_le_bytes),
        "<f8" => read(body, f64::from_le_bytes),
        "|i1" => read(body, i8::from_le_bytes),
        "<i4" => read(body, i32::from_le_bytes),
        "<i8" => read(body, i64::from_le_bytes),
        "|u1" => read(body, u8::from_le_bytes),
        "|b1" => read(body, |[byte]: [u8; 1]| byte != 0),
        _ => fail(format!("cannot read this .npy array: {text:.80}")),
    };
    json!({"shape": shape, "values": values})
}

fn read<T: Into<Value>, const N: usize>(data: &[u8], from: fn([u8; N]) -> T) -> Vec<Value> {
    let items = data.chunks_exact(N).map(|item| item.try_into().unwrap());
    items.map(|item| from(item).into()).collect()
}

// POST a JSON body to ENDPOINT/route and decode the answer; a failed call exits non-zero.
fn post(route: &str, body: &Value) -> Value {
    let url = format!("{ENDPOINT}/{route}");
    let mut response = ureq::post(&url)
        .config()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .header("Authorization", format!("Bearer {API_KEY}"))
        .content_type("application/json")
        .send(body.to_string())
        .unwrap_or_else(|error| fail(format!("POST {url} failed: {error}")));
    let status = response.status();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    match serde_json::from_str::<Value>(&text) {
        Ok(answer) if status.is_success() && answer["success"] != false => answer,
        _ => fail(format!("POST {url} failed: {status} {text}")),
    }
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}
