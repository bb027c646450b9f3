// Generate a completion: POST ENDPOINT/generate.
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
size_t collect(char* data, size_t size, size_t count, void* text) {
  static_cast<std::string*>(text)->append(data, size * count);
  return size * count;
}
// POST a JSON body to ENDPOINT/route and decode the answer; a failed call exits
// non-zero.
json post(const std::string& route, const json& body) {
  std::string url = endpoint + "/" + route, payload = body.dump(), text;
  std::string authorization = "Authorization: Bearer "s + apiKey;
  curl_slist* headers = curl_slist_append(nullptr, authorization.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, long(30));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &text);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  json answer = json::parse(text, nullptr, false);
  if (code || status / 100 != 2 || !answer.is_object() ||
      answer.value("success", true) == false) {
    fail("POST " + url + " failed: " + std::to_string(status) + " " +
         (code ? curl_easy_strerror(code) : text));
  }
  return answer;
}

int main() {
  json body = {{"prompts", {prompt}}};
  body["params"]["max_new_tokens"s] = 100;
  body["params"]["temperature"s] = 0.7;
  body["params"]["top_p"s] = 0.9;
  body["params"]["do_sample"s] = true;
  json answer = post("generate", body);
  std::cout << answer["results"][0]["completion"].get<std::string>() << "\n";
}
