// Ask the model for a prediction: POST ENDPOINT/predict.
// C++17 with libcurl and nlohmann/json:
// g++ -std=c++17 manual_http.cpp -lcurl -o manual_http && ./manual_http

#include <curl/curl.h>

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

// nlohmann/json.hpp brings <string>, <vector>, <map> and <cstdint>.
using json = nlohmann::json;
using namespace std::string_literals;

const auto endpoint =
    "https://arena.example.com/deployments/digits-classifier"s;
const auto apiKey =
    "\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242\342\200\2420000"s;

// Arrays travel as base64 .npy with a leading batch axis of 1: np.save's
// header, then the values' bytes. The dtype and shape fix a header: here.
const auto NPY_FLOAT32_1X8X8 =
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDgsIDgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo="s;

void fail(const std::string& why) {
  std::cerr << why << std::endl;
  std::exit(1);
}

const std::string BASE64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string toBase64(const std::string& bytes) {
  std::string text;
  uint32_t n = 0, bits = 0;
  for (char c : bytes) {
    n = n << 8 | uint8_t(c), bits += 8;
    while (bits >= 6) text += BASE64[n >> (bits -= 6) & 63];
  }
  if (bits) text += BASE64[n << (6 - bits) & 63];
  return text + std::string((4 - text.size() % 4) % 4, '=');
}
std::string fromBase64(const std::string& text) {
  std::string bytes;
  uint32_t n = 0, bits = 0;
  for (char c : text.substr(0, text.find('='))) {
    n = n << 6 | BASE64.find(c);
    if ((bits += 6) >= 8) bytes += char(n >> (bits -= 8) & 255);
  }
  return bytes;
}

// A header and the values as one base64 .npy. np.save writes little-endian, as
// x86 and ARM hosts store numbers: the values' own bytes are the array's.
template <typename T>
std::string npy(const std::string& header, const std::vector<T>& values) {
  auto bytes = reinterpret_cast<const char*>(values.data());
  return toBase64(fromBase64(header) +
                  std::string(bytes, values.size() * sizeof(T)));
}

// The values' bytes (little-endian, as the host's) as T, then As.
template <typename T, typename As = T>
json read(const std::string& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return std::vector<As>(values.begin(), values.end());
}

// An array the deployment sent back (.npy 1.0 to 3.0): its shape without the
// batch axis, and its values.
json fromNpy(const json& wire) {
  static const std::regex format(
      R"(^.NUMPY[\x01-\x03]\x00[\s\S]{2,4}?\{'descr': '([<>|][a-z]\d+)', 'fortran_order': (\w+), 'shape': \((?:\d+(?:, )?)?([\d, ]*?),?\), \} *\n)");
  static const std::map<std::string, json (*)(const std::string&)> readers{
      {"<f4", read<float>},        {"<f8", read<double>},
      {"<i4", read<int32_t>},      {"<i8", read<int64_t>},
      {"|i1", read<int8_t>},       {"|u1", read<uint8_t>},
      {"|b1", read<uint8_t, bool>}};
  std::string data = fromBase64(wire), descr;
  std::smatch found;
  if (std::regex_search(data, found, format)) descr = found[1];
  if (descr[0] == '>') fail("a big-endian .npy (" + descr + "): send it LE");
  if (!readers.count(descr)) fail("not a known .npy: " + data.substr(0, 80));
  if (found[2] != "False") fail("an .npy in Fortran order: send it in C order");
  return {{"shape", json::parse("[" + found[3].str() + "]")},
          {"values", readers.at(descr)(data.substr(found.length()))}};
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
  json inputs = npy(NPY_FLOAT32_1X8X8, std::vector<float>(64));
  json answer = post("predict", {{"inputs", inputs}});
  std::cout << "results: " << fromNpy(answer["results"]) << std::endl;
}
