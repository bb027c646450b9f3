// Stream a completion: POST ENDPOINT/generate_stream; chunks print as they arrive.
// Save as main.rs; then: cargo init && cargo add ureq@3 serde_json@1 base64@0.22 && cargo run -q

use serde_json::{Value, json};
use std::time::Duration;

const ENDPOINT: &str = "https://arena.example.com/deployments/gsm8k-grpo";
const API_KEY: &str = "••••••••0000";
use std::io::{Read, Write};

const PROMPT: &str = "Write a haiku about reinforcement learning.";

fn main() {
    let body = json!({
        "prompt": PROMPT,
        "params": {"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": true},
    });
    let url = format!("{ENDPOINT}/generate_stream");
    // The answer starts within the timeout; the stream lasts as long as the completion.
    let mut response = ureq::post(&url)
        .config()
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .header("Authorization", format!("Bearer {API_KEY}"))
        .content_type("application/json")
        .send(body.to_string())
        .unwrap_or_else(|error| fail(format!("POST {url} failed: {error}")));
    let status = response.status();
    if !status.is_success() {
        let text = response.body_mut().read_to_string().unwrap_or_default();
        fail(format!("POST {url} failed: {status} {text}"));
    }
    let (mut reader, mut out) = (response.body_mut().as_reader(), std::io::stdout());
    let mut chunk = [0; 4096];
    loop {
        let n = reader.read(&mut chunk).unwrap_or_else(|error| fail(error));
        // "\n[ERROR:" starts the deployment's message when it fails mid-stream.
        let failed = chunk[..n].windows(8).position(|text| text == b"\n[ERROR:");
        out.write_all(&chunk[..failed.unwrap_or(n)]).ok();
        out.flush().ok();
        if let Some(at) = failed {
            fail(String::from_utf8_lossy(&chunk[at..n]).trim());
        } else if n == 0 {
            break;
        }
    }
    println!();
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}
