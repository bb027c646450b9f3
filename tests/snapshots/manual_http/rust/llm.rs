// Generate a completion: POST ENDPOINT/generate.
// Save as main.rs; then: cargo init && cargo add ureq@3 serde_json@1 base64@0.22 && cargo run -q

use serde_json::{Value, json};
use std::time::Duration;

const ENDPOINT: &str = "https://arena.example.com/deployments/gsm8k-grpo";
const API_KEY: &str = "••••••••0000";

const PROMPT: &str = "Write a haiku about reinforcement learning.";

fn main() {
    let body = json!({
        "prompts": [PROMPT],
        "params": {"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": true},
    });
    let answer = post("generate", &body);
    let completion = &answer["results"][0]["completion"];
    println!("{}", completion.as_str().unwrap_or_default());
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
