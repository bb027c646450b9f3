// Generate a completion: POST ENDPOINT/generate.
// An ES module for Node.js 18 or newer (global fetch); no packages to install.

const ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo";
const API_KEY = "••••••••0000";
const TIMEOUT_MS = 30000;
const PROMPT = "Write a haiku about reinforcement learning.";

// POST a JSON body with the Bearer token; on failure, print the server's answer and exit.
async function post(path, body) {
  const response = await fetch(`${ENDPOINT}/${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    console.error(`POST ${path} failed: ${response.status} ${response.statusText}\n${text}`);
    process.exit(1);
  }
  const answer = JSON.parse(text);
  if (answer.success === false) {
    console.error(`POST ${path} answered success=false:\n${text}`);
    process.exit(1);
  }
  return answer;
}

const answer = await post("generate", { prompts: [PROMPT], params: {"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": true} });
console.log(answer.results[0].completion);
