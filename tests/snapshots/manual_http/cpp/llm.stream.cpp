// Stream a completion: POST ENDPOINT/generate_stream; chunks print as
// they arrive.
// C++17 with libcurl and nlohmann/json:
// g++ -std=c++17 manual_http.cpp -lcurl -o manual_http && ./manual_http

#include <curl/curl.h>

#include <iostream>
#include <nlohmann/json.hpp>

// nlohmann/json.hpp brings <string>, <vector>, <map> and <cstdint>.
using json = nlohmann::json;
using namespace std::string_literals;

const auto endpoint = "https://arena.example.com/deployments/gsm8k-grpo"s;
const auto apiKey =
    "\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242\342\200\2420000"s;
const auto prompt = "Write a haiku about reinforcement learning."s;

void fail(const std::string& why) {
  std::cerr << why << std::endl;
  std::exit(1);
}

// What the deployment answered in place of a completion, or after its start.
std::string failure;

// Prints each chunk as it arrives; "\n[ERROR:" starts the deployment's message
// when it fails mid-stream, and a non-2xx answer is all message.
size_t print(char* data, size_t size, size_t count, void* curl) {
  long status = 0;
  curl_easy_getinfo(static_cast<CURL*>(curl), CURLINFO_RESPONSE_CODE, &status);
  std::string text(data, size * count);
  size_t error =
      status / 100 == 2 && failure.empty() ? text.find("\n[ERROR:") : 0;
  std::cout << text.substr(0, error) << std::flush;
  if (error != std::string::npos) failure += text.substr(error);
  return size * count;
}

int main() {
  json body = {{"prompt", prompt}};
  body["params"]["max_new_tokens"s] = 100;
  body["params"]["temperature"s] = 0.7;
  body["params"]["top_p"s] = 0.9;
  body["params"]["do_sample"s] = true;
  std::string url = endpoint + "/generate_stream", payload = body.dump();
  std::string authorization = "Authorization: Bearer "s + apiKey;
  curl_slist* headers = curl_slist_append(nullptr, authorization.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  // The answer starts within the timeout; the stream lasts as long as the
  // completion.
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, long(30));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, print);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, curl);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK || status / 100 != 2 || !failure.empty()) {
    std::cerr << "\nPOST " << url << " failed: " << status << " "
              << (code == CURLE_OK ? failure : curl_easy_strerror(code))
              << std::endl;
    std::exit(1);
  }
  std::cout << std::endl;
}
