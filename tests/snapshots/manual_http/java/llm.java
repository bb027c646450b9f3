// Generate a completion: POST ENDPOINT/generate.
// Java 17+ with Jackson 2.23's three jars in this folder: java -cp "*" manual_http.java

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.*;
import java.util.*;

class ManualHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo";
  static final String API_KEY = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u20220000";

  static final String PROMPT = "Write a haiku about reinforcement learning.";

  public static void main(String[] args) throws Exception {
    Object params =
        Map.of("max_new_tokens", 100, "temperature", 0.7, "top_p", 0.9, "do_sample", true);
    Map<?, ?> answer = post("generate", Map.of("prompts", List.of(PROMPT), "params", params));
    Map<?, ?> result = (Map<?, ?>) ((List<?>) answer.get("results")).get(0);
    System.out.println(result.get("completion"));
  }

  // POST a JSON body to ENDPOINT/route and decode the answer; a failed call throws.
  static Map<?, ?> post(String route, Object body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(java.net.URI.create(ENDPOINT + "/" + route))
            .headers("Authorization", "Bearer " + API_KEY, "Content-Type", "application/json")
            .timeout(java.time.Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    // HTTP/1.1: servers such as uvicorn refuse the HTTP/2 upgrade Java tries first.
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> reply = client.send(request, HttpResponse.BodyHandlers.ofString());
    var answer = reply.statusCode() / 100 == 2 ? JSON.readValue(reply.body(), Map.class) : null;
    if (answer == null || Boolean.FALSE.equals(answer.get("success"))) {
      throw new IllegalStateException(reply + " " + reply.body());
    }
    return answer;
  }
}
